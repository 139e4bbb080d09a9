// The chip's network on chip as the rest of the simulator sees it: a packet of
// `bits` from one tile's router to another's, ready at a cycle, delivered at a
// cycle. The timing core is the LinkScheduler (link_scheduler.h): the packet is
// booked on every link of its static route (the Topology's) when it is sent, with
// cut-through, contention and back-pressure, so no process runs per router or hop.
// send() is virtual: a network with its own routers or flow control derives from
// this class and keeps the statistics interface.
#pragma once

#include <cstdint>

#include "aimcsim/topology.h"
#include "interconnect/link_scheduler.h"

namespace aimcsim {

class Interconnect {
public:
    // `topology` must be set up for a grid of `num_tiles` tiles and outlive the
    // interconnect (std::logic_error if one of its links leaves that grid).
    Interconnect(const Topology& topology, int num_tiles);
    virtual ~Interconnect();
    Interconnect(const Interconnect&) = delete;
    Interconnect& operator=(const Interconnect&) = delete;

    // Sends a packet; call in order of ready cycle (links are granted first come,
    // first served). Returns when its last bit reaches dst_tile, its hops and stalls.
    virtual Delivery send(int src_tile, int dst_tile, std::uint64_t bits, std::uint64_t ready_cycle) {
        return scheduler_.send(src_tile, dst_tile, bits, ready_cycle);
    }

    // Keep every link crossing, for a trace (off by default: it costs memory).
    void record_spans(bool on) { scheduler_.record_spans(on); }
    // Link state and statistics: totals, per-link stats, utilisation, spans.
    [[nodiscard]] const LinkScheduler& scheduler() const { return scheduler_; }
    [[nodiscard]] const Topology& topology() const { return scheduler_.topology(); }

protected:
    // For a derived network that books links itself (hop by hop).
    [[nodiscard]] LinkScheduler& links() { return scheduler_; }

private:
    LinkScheduler scheduler_;
};

}  // namespace aimcsim
