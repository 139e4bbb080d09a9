#include "interconnect/link_scheduler.h"

#include <algorithm>
#include <stdexcept>

namespace aimcsim {

LinkScheduler::LinkScheduler(const Topology& topology)
    : topology_(topology), params_(topology.link_params()), contention_(topology.has_contention()),
      links_(topology.links().size()) {}

RouteLinks LinkScheduler::route(int src_tile, int dst_tile) {
    if (src_tile >= 0 && dst_tile >= 0) {
        const auto src = static_cast<std::size_t>(src_tile);
        const auto dst = static_cast<std::size_t>(dst_tile);
        if (src < route_index_.size() && dst < route_index_[src].size()) {
            const std::uint32_t at = route_index_[src][dst];
            if (at != 0) return RouteLinks{route_links_.data() + at, route_links_[at - 1]};
        }
    }
    return add_route(src_tile, dst_tile);
}

RouteLinks LinkScheduler::add_route(int src_tile, int dst_tile) {
    if (src_tile < 0 || dst_tile < 0) throw std::out_of_range("LinkScheduler::route: negative tile");
    const std::vector<int> path = topology_.route(src_tile, dst_tile);
    const auto src = static_cast<std::size_t>(src_tile);
    const auto dst = static_cast<std::size_t>(dst_tile);
    if (route_index_.size() <= src) route_index_.resize(src + 1);
    std::vector<std::uint32_t>& row = route_index_[src];
    if (row.size() <= dst) row.resize(std::max(dst + 1, row.size() * 2), 0);
    route_links_.push_back(static_cast<int>(path.size()));
    const std::size_t at = route_links_.size();  // (the hop count sits at at - 1)
    route_links_.insert(route_links_.end(), path.begin(), path.end());
    row[dst] = static_cast<std::uint32_t>(at);
    return RouteLinks{route_links_.data() + at, static_cast<int>(path.size())};
}

std::uint64_t LinkScheduler::flits(std::uint64_t bits) const {
    const auto width = static_cast<std::uint64_t>(params_.width_bits);
    return std::max<std::uint64_t>(1, (bits + width - 1) / width);  // a header-only packet still takes a flit
}

HopReservation LinkScheduler::reserve_hop(int link, std::uint64_t head_cycle, std::uint64_t bits,
                                          std::vector<HopRecord>& trail) {
    (void)links_.at(link);  // (range check)
    return book_hop(link, head_cycle, bits, flits(bits), trail);
}

HopReservation LinkScheduler::book_hop(int link, std::uint64_t head_cycle, std::uint64_t bits, std::uint64_t f,
                                       std::vector<HopRecord>& trail) {
    LinkState& state = links_[static_cast<std::size_t>(link)];
    HopReservation hop;
    hop.start_cycle = contention_ ? std::max(head_cycle, state.busy_until_cycle) : head_cycle;
    hop.stall_cycles = hop.start_cycle - head_cycle;
    state.busy_until_cycle = std::max(state.busy_until_cycle, hop.start_cycle + f);
    state.stats.packets += 1;
    state.stats.bits += bits;
    state.stats.busy_cycles += f;
    state.stats.stall_cycles += hop.stall_cycles;
    if (record_spans_) spans_.push_back(LinkSpan{link, hop.start_cycle, hop.start_cycle + f});
    // While blocked, the flits that have already arrived wait in this router's buffer;
    // a packet longer than the buffer holds the links behind it (see the header).
    const auto depth = static_cast<std::uint64_t>(std::max(0, params_.buffer_depth_flits));
    if (hop.stall_cycles > 0) {
        totals_.peak_buffer_flits = std::max(totals_.peak_buffer_flits, std::min({f, hop.stall_cycles, depth}));
    }
    if (f > depth) {
        std::uint64_t hold = hop.stall_cycles;
        for (auto it = trail.rbegin(); it != trail.rend() && hold > depth; ++it) {
            hold -= depth;
            LinkState& up = links_.at(it->link);
            const std::uint64_t end = it->end_cycle + hold;
            up.busy_until_cycle = std::max(up.busy_until_cycle, end);
            up.stats.held_cycles += hold;
            totals_.held_cycles += hold;
            it->end_cycle = end;
        }
    }
    trail.emplace_back();  // (filled in place: a record built on the stack and copied stalled the store buffer)
    trail.back().link = link;
    trail.back().end_cycle = hop.start_cycle + f;
    return hop;
}

void LinkScheduler::record_delivery(std::uint64_t bits, int hops, std::uint64_t stall_cycles, std::uint64_t ready_cycle,
                                    std::uint64_t arrival_cycle) {
    first_ready_cycle_ = totals_.packets == 0 ? ready_cycle : std::min(first_ready_cycle_, ready_cycle);
    last_arrival_cycle_ = std::max(last_arrival_cycle_, arrival_cycle);
    totals_.packets += 1;
    totals_.bits += bits;
    totals_.bit_hops += bits * static_cast<std::uint64_t>(hops);
    totals_.stall_cycles += stall_cycles;
    totals_.energy_pj += static_cast<double>(bits) * hops * params_.energy_pj_per_bit_hop;
    if (totals_.hop_histogram.size() <= static_cast<std::size_t>(hops)) totals_.hop_histogram.resize(hops + 1, 0);
    totals_.hop_histogram[hops] += 1;
}

Delivery LinkScheduler::send(int src_tile, int dst_tile, std::uint64_t bits, std::uint64_t ready_cycle) {
    const RouteLinks path = route(src_tile, dst_tile);
    const auto latency = static_cast<std::uint64_t>(params_.hop_latency_cycles);
    const std::uint64_t f = flits(bits);
    Delivery d;
    d.hops = static_cast<int>(path.size());
    d.arrival_cycle = ready_cycle;  // src == dst: nothing crosses the network
    std::uint64_t head_cycle = ready_cycle;
    const auto depth = static_cast<std::uint64_t>(std::max(0, params_.buffer_depth_flits));
    if (f > depth || record_spans_) {
        // A packet longer than the buffers can hold the links behind it: the general path.
        trail_.clear();
        for (int link : path) {
            const HopReservation hop = book_hop(link, head_cycle, bits, f, trail_);
            d.stall_cycles += hop.stall_cycles;
            head_cycle = hop.start_cycle + latency;
        }
    } else {
        // reserve_hop() for a packet that fits in a router's buffer (it never holds a
        // link behind it), with the link state in place.
        for (int link : path) {
            LinkState& state = links_[static_cast<std::size_t>(link)];
            const std::uint64_t start = contention_ ? std::max(head_cycle, state.busy_until_cycle) : head_cycle;
            const std::uint64_t stall = start - head_cycle;
            state.busy_until_cycle = std::max(state.busy_until_cycle, start + f);
            state.stats.packets += 1;
            state.stats.bits += bits;
            state.stats.busy_cycles += f;
            state.stats.stall_cycles += stall;
            if (stall > 0) totals_.peak_buffer_flits = std::max(totals_.peak_buffer_flits, std::min({f, stall, depth}));
            d.stall_cycles += stall;
            head_cycle = start + latency;
        }
    }
    if (!path.empty()) d.arrival_cycle = head_cycle + f;  // the tail trails the head by F cycles
    record_delivery(bits, d.hops, d.stall_cycles, ready_cycle, d.arrival_cycle);
    return d;
}

std::uint64_t LinkScheduler::span_cycles() const {
    return totals_.packets == 0 ? 0 : last_arrival_cycle_ - first_ready_cycle_;
}

double LinkScheduler::utilisation(int link) const {
    const std::uint64_t span = span_cycles();
    if (span == 0) return 0.0;
    return std::min(1.0, static_cast<double>(link_stats(link).busy_cycles) / static_cast<double>(span));
}

}  // namespace aimcsim
