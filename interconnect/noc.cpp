#include "interconnect/noc.h"

#include <string>

namespace aimcsim {

using sc_core::sc_time;

Router::Router(const sc_core::sc_module_name& name, int tile, Interconnect& net)
    : sc_core::sc_module(name), from_tile("from_tile"), to_tile("to_tile"), link_in("link_in"), link_out("link_out"),
      tile_(tile), net_(net) {
    from_tile.register_b_transport(this, &Router::inject);
    link_in.register_b_transport(this, &Router::receive);
}

void Router::inject(tlm::tlm_generic_payload& trans, sc_time& delay) {
    PacketExtension* ext = PacketExtension::of(trans);
    if (ext == nullptr) {
        SC_REPORT_ERROR(name(), "injected payload has no PacketExtension");
        trans.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
        return;
    }
    if (ext->src_tile != tile_) {
        SC_REPORT_ERROR(
            name(), ("packet src_tile " + std::to_string(ext->src_tile) + " injected at tile " + std::to_string(tile_))
                        .c_str());
        trans.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
        return;
    }
    ext->ready_cycle = net_.cycle_at(sc_core::sc_time_stamp() + delay);
    ext->arrival_cycle = 0;
    ext->hops = 0;
    ext->stall_cycles = 0;
    forward(trans, delay);
}

void Router::receive(int /*port*/, tlm::tlm_generic_payload& trans, sc_time& delay) { forward(trans, delay); }

// Same steps as LinkScheduler::send(), one hop per call, at the time the head
// actually reaches this router: links are granted in order of head arrival.
void Router::forward(tlm::tlm_generic_payload& trans, sc_time& delay) {
    PacketExtension& ext = *PacketExtension::of(trans);
    LinkScheduler& sched = net_.scheduler_;
    const std::vector<int>& path = sched.route(ext.src_tile, ext.dst_tile);
    const std::uint64_t now_cycle = net_.cycle_at(sc_core::sc_time_stamp() + delay);
    const auto hop_index = static_cast<std::size_t>(ext.hops);

    if (hop_index == path.size()) {  // here is the destination
        ext.arrival_cycle = now_cycle;
        sched.record_delivery(ext.bits, ext.hops, ext.stall_cycles, ext.ready_cycle, ext.arrival_cycle);
        delay = net_.time_of(now_cycle) - sc_core::sc_time_stamp();  // 0 unless src == dst off a clock edge
        trans.set_response_status(tlm::TLM_OK_RESPONSE);
        to_tile->b_transport(trans, delay);
        return;
    }

    const int link = path[hop_index];
    const HopReservation hop = sched.reserve_hop(link, now_cycle, ext.bits, ext.trail);
    ext.stall_cycles += hop.stall_cycles;
    ext.hops += 1;
    std::uint64_t next_cycle = hop.start_cycle + static_cast<std::uint64_t>(sched.params().hop_latency_cycles);
    // The destination sees the tail, F cycles behind the head; intermediate
    // routers act on the head (cut-through).
    if (hop_index + 1 == path.size()) next_cycle += sched.flits(ext.bits);
    sc_core::wait(net_.time_of(next_cycle) - sc_core::sc_time_stamp());
    delay = sc_core::SC_ZERO_TIME;
    link_out[net_.out_port_of_link_[static_cast<std::size_t>(link)]]->b_transport(trans, delay);
}

Interconnect::Interconnect(const sc_core::sc_module_name& name, const Topology& topology, int num_tiles,
                           const sc_time& clock_period)
    : sc_core::sc_module(name), scheduler_(topology), clock_period_(clock_period), routers_("router") {
    if (clock_period_ == sc_core::SC_ZERO_TIME) SC_REPORT_FATAL(this->name(), "clock period must be > 0");
    routers_.init(static_cast<std::size_t>(num_tiles),
                  [this](const char* nm, std::size_t i) { return new Router(nm, static_cast<int>(i), *this); });
    // Bind in link-id order: a router's k-th outgoing link is its link_out port k.
    const std::vector<Link>& links = topology.links();
    std::vector<int> ports_used(static_cast<std::size_t>(num_tiles), 0);
    out_port_of_link_.resize(links.size());
    for (std::size_t l = 0; l < links.size(); ++l) {
        const Link& link = links[l];
        if (link.src_tile < 0 || link.src_tile >= num_tiles || link.dst_tile < 0 || link.dst_tile >= num_tiles) {
            SC_REPORT_FATAL(this->name(), ("link " + std::to_string(l) + " leaves the " + std::to_string(num_tiles) +
                                           "-tile grid; was the topology set up for this grid?")
                                              .c_str());
        }
        router(link.src_tile).link_out.bind(router(link.dst_tile).link_in);
        out_port_of_link_[l] = ports_used[static_cast<std::size_t>(link.src_tile)]++;
    }
}

std::uint64_t Interconnect::cycle_at(const sc_time& t) const {
    const auto period = clock_period_.value();
    return (t.value() + period - 1) / period;
}

sc_time Interconnect::time_of(std::uint64_t cycle) const { return sc_time::from_value(clock_period_.value() * cycle); }

}  // namespace aimcsim
