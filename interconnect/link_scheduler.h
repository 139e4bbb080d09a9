// Timing of the interconnect's links as resources, in plain C++ (no SystemC): the
// single owner of per-link state and the timing core of the chip's Interconnect
// (interconnect.h), which sends every packet through send().
//
// Model: virtual cut-through, flits of width_bits, times in whole clock cycles.
// A packet of F = max(1, ceil(bits / width_bits)) flits follows its static route
// l_1..l_h. Its head reaches link i at cycle t_i (t_1 = ready). The link is free
// from busy_until(l_i); the head starts s_i = max(t_i, busy_until(l_i)) (stall
// s_i - t_i), the link then carries the F flits back to back, so busy_until(l_i)
// = s_i + F, and the head reaches the next router hop_latency_cycles (L) later:
// t_{i+1} = s_i + L. The last bit reaches the destination at s_h + L + F.
// On an idle network s_i = ready + (i-1) L, hence arrival = ready + h L + F.
// Back-pressure: the router in front of link l_i buffers B = buffer_depth_flits
// flits. A packet of F > B flits that stalls S = s_i - t_i cycles there cannot
// drain into the buffer, so it keeps holding the link before it, l_{i-1}, for
// max(0, S - B) cycles beyond its F (flit k may cross l_{i-1} only once flit
// k - B has left the buffer); that hold is in turn a stall for l_{i-2}, minus
// another B, and so on up the route. Packets of F <= B fit in the buffer and hold
// nothing. Arrival times of the stalled packet itself do not change; the packets
// behind it wait longer (LinkStats::held_cycles).
// Without contention (`ideal`), s_i = t_i always: arrival = ready + L + F.
//
// Arbitration is first come, first served in call order: reserve_hop() books the
// link after every earlier booking (no back-filling of idle gaps). send() books a
// whole route at once, so call it in order of ready cycle; a network that moves
// packets hop by hop (booking each hop when the head actually arrives, with the
// pieces below) agrees with it whenever each shared link sees its packets in the
// same order. Same call order, same result.
#pragma once

#include <cstdint>
#include <vector>

#include "aimcsim/topology.h"

namespace aimcsim {

struct Delivery {
    std::uint64_t arrival_cycle = 0;  // the last bit is at the destination tile
    int hops = 0;
    std::uint64_t stall_cycles = 0;  // waiting for busy links, summed over hops
};

struct HopReservation {
    std::uint64_t start_cycle = 0;   // the head starts across the link
    std::uint64_t stall_cycles = 0;  // start - head arrival at the link
};

struct LinkStats {
    std::uint64_t packets = 0;
    std::uint64_t bits = 0;
    std::uint64_t busy_cycles = 0;   // flit cycles the link carried
    std::uint64_t stall_cycles = 0;  // cycles packets waited for this link
    std::uint64_t held_cycles = 0;   // cycles a blocked packet kept it beyond its flits (back-pressure)
    [[nodiscard]] double bytes() const { return static_cast<double>(bits) / 8.0; }
};

// A link a packet has crossed: its flits occupy it until end_cycle (for back-pressure).
struct HopRecord {
    int link = 0;
    std::uint64_t end_cycle = 0;
};

// One packet crossing one link (for a trace): the link carries its flits in [start, end).
struct LinkSpan {
    int link = 0;
    std::uint64_t start_cycle = 0;
    std::uint64_t end_cycle = 0;
};

// The links of a static route, in order: a view into the scheduler's route table,
// valid until route() computes a pair it had not computed before.
struct RouteLinks {
    const int* first = nullptr;
    int hops = 0;
    [[nodiscard]] const int* begin() const { return first; }
    [[nodiscard]] const int* end() const { return first + hops; }
    [[nodiscard]] std::size_t size() const { return static_cast<std::size_t>(hops); }
    [[nodiscard]] bool empty() const { return hops == 0; }
    [[nodiscard]] int operator[](std::size_t i) const { return first[i]; }
};

struct NetworkTotals {
    std::uint64_t packets = 0;
    std::uint64_t bits = 0;
    std::uint64_t bit_hops = 0;
    std::uint64_t stall_cycles = 0;
    double energy_pj = 0.0;                    // bit_hops * energy_pj_per_bit_hop
    std::vector<std::uint64_t> hop_histogram;  // [h] = packets that took h hops
    std::uint64_t peak_buffer_flits = 0;       // largest blocked part of a packet (at most buffer_depth_flits)
    std::uint64_t held_cycles = 0;             // back-pressure: upstream link cycles held by blocked packets
    [[nodiscard]] double bytes() const { return static_cast<double>(bits) / 8.0; }
};

class LinkScheduler {
public:
    // `topology` must be set up and outlive the scheduler.
    explicit LinkScheduler(const Topology& topology);

    // Books the packet's whole route now; see the model above.
    Delivery send(int src_tile, int dst_tile, std::uint64_t bits, std::uint64_t ready_cycle);

    // --- Pieces of send(), for a caller that moves the packet hop by hop.
    // The static route, computed once per (src, dst) and cached: an index per source
    // tile, allocated when that tile first sends, into one array of every route's links.
    [[nodiscard]] RouteLinks route(int src_tile, int dst_tile);
    [[nodiscard]] std::uint64_t flits(std::uint64_t bits) const;
    // Books `link` for a packet whose head reaches it at `head_cycle`. `trail` holds
    // the links the packet crossed before, in order: a stall here extends them
    // (back-pressure), and this hop is appended. Booked hop by hop, a packet that
    // booked an upstream link in between is not moved by the extension (send()
    // books a whole route at once, so there it is exact).
    HopReservation reserve_hop(int link, std::uint64_t head_cycle, std::uint64_t bits, std::vector<HopRecord>& trail);
    // Counts a delivered packet in the totals.
    void record_delivery(std::uint64_t bits, int hops, std::uint64_t stall_cycles, std::uint64_t ready_cycle,
                         std::uint64_t arrival_cycle);

    // Keep every link crossing (off by default: it costs memory).
    void record_spans(bool on) { record_spans_ = on; }
    [[nodiscard]] const std::vector<LinkSpan>& spans() const { return spans_; }

    // --- Statistics.
    [[nodiscard]] const LinkParams& params() const { return params_; }
    [[nodiscard]] const Topology& topology() const { return topology_; }
    [[nodiscard]] std::size_t num_links() const { return links_.size(); }
    [[nodiscard]] const LinkStats& link_stats(int link) const { return links_.at(link).stats; }
    [[nodiscard]] std::uint64_t busy_until_cycle(int link) const { return links_.at(link).busy_until_cycle; }
    [[nodiscard]] const NetworkTotals& totals() const { return totals_; }
    // From the earliest ready cycle to the latest arrival seen (0 before any packet).
    [[nodiscard]] std::uint64_t span_cycles() const;
    // busy_cycles / span_cycles() of one link, in [0, 1].
    [[nodiscard]] double utilisation(int link) const;

private:
    // reserve_hop() for a packet of `f` flits.
    HopReservation book_hop(int link, std::uint64_t head_cycle, std::uint64_t bits, std::uint64_t f,
                            std::vector<HopRecord>& trail);
    struct LinkState {
        std::uint64_t busy_until_cycle = 0;
        LinkStats stats;
    };
    const Topology& topology_;
    LinkParams params_;
    bool contention_;
    std::vector<LinkState> links_;
    // route() computing a pair it has not seen: adds its route to the table.
    RouteLinks add_route(int src_tile, int dst_tile);
    // [src] -> [dst] -> where the route starts in route_links_ + 1 (0: not computed yet);
    // rows allocated on first use.
    std::vector<std::vector<std::uint32_t>> route_index_;
    // Every computed route, one after another: its hop count, then its links (one
    // contiguous read per packet instead of a separately allocated vector).
    std::vector<int> route_links_;
    NetworkTotals totals_;
    bool record_spans_ = false;
    std::vector<LinkSpan> spans_;
    std::vector<HopRecord> trail_;  // send()'s scratch
    std::uint64_t first_ready_cycle_ = 0;
    std::uint64_t last_arrival_cycle_ = 0;
};

}  // namespace aimcsim
