// The chip-to-chip links of a system as SystemC/TLM-2.0 modules. Each chip has an
// I/O port (ChipIoPort, a TLM initiator); all ports are bound to the ChipLinkNetwork
// (a TLM target), which books the packet on the links of its static route with the
// interconnect's LinkScheduler -- the same cut-through, contention and
// back-pressure model as the links on a chip -- and annotates the transaction
// with its arrival. Loosely timed, like the chip's tiles: the chip's controller
// runs ahead in whole cycles and the payload carries the cycles.
// Times: the chips' clock. A link moves bandwidth_gbit_s / clock_ghz bits per
// cycle (a flit; a whole number, else the config is refused), its latency is
// latency_ns rounded up to whole cycles, and energy_pj_per_bit is charged per bit
// per link crossed.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_target_socket.h>
#include <tlm_utils/simple_initiator_socket.h>

#include "aimcsim/chip_link.h"
#include "aimcsim/topology.h"
#include "interconnect/link_scheduler.h"

namespace aimcsim {

// The chip-to-chip topology as the LinkScheduler sees it: nodes are chips (and
// switches), the link parameters in chip clock cycles.
class ChipLinkRoutes final : public Topology {
public:
    // `links` must be set up and outlive this. Throws InputError (at system.links)
    // if the bandwidth is not a whole number of bits per cycle at `clock_ghz`.
    ChipLinkRoutes(const ChipLinkTopology& links, double clock_ghz);
    void setup(int, int) override {}
    [[nodiscard]] const std::vector<Link>& links() const override { return links_.links(); }
    [[nodiscard]] std::vector<int> route(int src_chip, int dst_chip) const override {
        return links_.route(src_chip, dst_chip);
    }
    [[nodiscard]] const LinkParams& link_params() const override { return params_; }

private:
    const ChipLinkTopology& links_;
    LinkParams params_;
};

// The payload's extension: a packet from one chip's port to another's.
struct ChipLinkPacket : tlm::tlm_extension<ChipLinkPacket> {
    int src_chip = 0, dst_chip = 0;
    std::uint64_t bits = 0;
    std::uint64_t ready_cycle = 0;
    Delivery delivery;  // filled by the network
    [[nodiscard]] tlm::tlm_extension_base* clone() const override { return new ChipLinkPacket(*this); }
    void copy_from(const tlm::tlm_extension_base& other) override {
        *this = static_cast<const ChipLinkPacket&>(other);
    }
};

class ChipLinkNetwork : public sc_core::sc_module {
public:
    tlm_utils::multi_passthrough_target_socket<ChipLinkNetwork> ports;

    // `scheduler` (over ChipLinkRoutes) must outlive the module.
    ChipLinkNetwork(const sc_core::sc_module_name& name, LinkScheduler& scheduler, sc_core::sc_time clock_period);

private:
    void b_transport(int port, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
    LinkScheduler& scheduler_;
    sc_core::sc_time clock_period_;
};

class ChipIoPort : public sc_core::sc_module {
public:
    tlm_utils::simple_initiator_socket<ChipIoPort> out;

    ChipIoPort(const sc_core::sc_module_name& name, int chip);
    ~ChipIoPort() override;
    // Sends `bits` to chip `dst_chip`, ready at `ready_cycle`; returns its delivery.
    Delivery send(int dst_chip, std::uint64_t bits, std::uint64_t ready_cycle);

private:
    int chip_;
    tlm::tlm_generic_payload trans_;
    ChipLinkPacket packet_;
};

}  // namespace aimcsim
