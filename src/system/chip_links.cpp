#include "src/system/chip_links.h"

#include <cmath>
#include <sstream>
#include <stdexcept>
#include <string>

#include "aimcsim/core/error.h"

namespace aimcsim {

ChipLinkRoutes::ChipLinkRoutes(const ChipLinkTopology& links, double clock_ghz) : links_(links) {
    const ChipLinkParams& p = links.params();
    const double width = p.bandwidth_gbit_s / clock_ghz;
    const double whole = std::round(width);
    if (whole < 1 || std::abs(width - whole) > 1e-9 * whole) {
        std::ostringstream msg;
        msg << "system.links.bandwidth_gbit_s: " << p.bandwidth_gbit_s << " Gbit/s at the chips' " << clock_ghz
            << " GHz clock is " << width << " bits per cycle; a link moves a whole number (>= 1) of bits per cycle";
        throw InputError(msg.str());
    }
    params_.width_bits = static_cast<int>(whole);
    params_.hop_latency_cycles = static_cast<int>(std::ceil(p.latency_ns * clock_ghz - 1e-9));
    params_.buffer_depth_flits = p.buffer_depth_flits;
    params_.energy_pj_per_bit_hop = p.energy_pj_per_bit;
}

ChipLinkNetwork::ChipLinkNetwork(const sc_core::sc_module_name& name, LinkScheduler& scheduler,
                                 sc_core::sc_time clock_period)
    : sc_module(name), ports("ports"), scheduler_(scheduler), clock_period_(clock_period) {
    ports.register_b_transport(this, &ChipLinkNetwork::b_transport);
}

void ChipLinkNetwork::b_transport(int, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
    ChipLinkPacket* p = nullptr;
    trans.get_extension(p);
    if (p == nullptr) {
        trans.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
        return;
    }
    p->delivery = scheduler_.send(p->src_chip, p->dst_chip, p->bits, p->ready_cycle);
    delay += clock_period_ * static_cast<double>(p->delivery.arrival_cycle - p->ready_cycle);
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

ChipIoPort::ChipIoPort(const sc_core::sc_module_name& name, int chip) : sc_module(name), out("out"), chip_(chip) {
    trans_.set_command(tlm::TLM_WRITE_COMMAND);
}

ChipIoPort::~ChipIoPort() { trans_.clear_extension<ChipLinkPacket>(); }

Delivery ChipIoPort::send(int dst_chip, std::uint64_t bits, std::uint64_t ready_cycle) {
    packet_.src_chip = chip_;
    packet_.dst_chip = dst_chip;
    packet_.bits = bits;
    packet_.ready_cycle = ready_cycle;
    packet_.delivery = Delivery{};
    trans_.set_extension(&packet_);
    trans_.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    out->b_transport(trans_, delay);
    trans_.clear_extension(&packet_);
    if (trans_.get_response_status() != tlm::TLM_OK_RESPONSE)
        throw std::logic_error("ChipIoPort: the chip-to-chip network refused a packet");
    return packet_.delivery;
}

}  // namespace aimcsim
