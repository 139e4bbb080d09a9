// SystemC/TLM-2.0 view of the interconnect: one Router per tile, bound along the
// topology's links by the Interconnect. A packet is a tlm_generic_payload with a
// PacketExtension (packet.h); it travels by blocking b_transport, router to router
// along its static route, and each hop books its link in the shared LinkScheduler
// (link_scheduler.h: the timing model and all per-link state live there) and waits
// until the head reaches the next router: one wait() per hop, no clock.
//
// Use: a tile binds an initiator socket to router(t).from_tile and a target socket
// to router(t).to_tile. It sends from an SC_THREAD (the hops wait() in its
// context); b_transport returns once the packet was delivered, so a tile that must
// go on computing sends from its own spawned process. The delay argument is
// honoured on injection (the packet is ready at the clock edge at or after
// now + delay). The destination tile's b_transport runs at the arrival cycle, still
// in the sender's thread, so it should only record or queue the packet, not wait.
// Each hop nests one b_transport call on the sender's stack (a few hundred bytes).
#pragma once

#include <cstdint>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/multi_passthrough_target_socket.h>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "aimcsim/topology.h"
#include "interconnect/link_scheduler.h"
#include "interconnect/packet.h"

namespace aimcsim {

class Interconnect;

class Router : public sc_core::sc_module {
public:
    // The tile injects packets here (b_transport from an SC_THREAD).
    tlm_utils::simple_target_socket_optional<Router> from_tile;
    // Packets for this tile leave here, at their arrival cycle.
    tlm_utils::simple_initiator_socket<Router> to_tile;
    // Router-to-router links: one binding per link of the topology.
    tlm_utils::multi_passthrough_target_socket_optional<Router> link_in;
    tlm_utils::multi_passthrough_initiator_socket_optional<Router> link_out;

    Router(const sc_core::sc_module_name& name, int tile, Interconnect& net);

    [[nodiscard]] int tile() const { return tile_; }

private:
    void inject(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
    void receive(int port, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
    void forward(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);

    int tile_;
    Interconnect& net_;
};

class Interconnect : public sc_core::sc_module {
public:
    // `topology` must be set up for a grid of `num_tiles` tiles and outlive this
    // module. Durations are whole cycles of `clock_period`.
    Interconnect(const sc_core::sc_module_name& name, const Topology& topology, int num_tiles,
                 const sc_core::sc_time& clock_period);

    [[nodiscard]] Router& router(int tile) { return routers_.at(static_cast<std::size_t>(tile)); }
    [[nodiscard]] int num_tiles() const { return static_cast<int>(routers_.size()); }
    // Link state and statistics (shared with any plain-C++ user of the same object).
    [[nodiscard]] LinkScheduler& scheduler() { return scheduler_; }
    [[nodiscard]] const LinkScheduler& scheduler() const { return scheduler_; }
    [[nodiscard]] const sc_core::sc_time& clock_period() const { return clock_period_; }

    // First clock edge at or after `t`, in cycles; and the time of a cycle.
    [[nodiscard]] std::uint64_t cycle_at(const sc_core::sc_time& t) const;
    [[nodiscard]] sc_core::sc_time time_of(std::uint64_t cycle) const;

private:
    friend class Router;

    LinkScheduler scheduler_;
    sc_core::sc_time clock_period_;
    sc_core::sc_vector<Router> routers_;
    std::vector<int> out_port_of_link_;  // link id -> index in its source router's link_out
};

}  // namespace aimcsim
