// Chip-to-chip topologies of a multi-chip system: which directed links join the
// chips' I/O ports (and any switch), and the static route a packet takes from one
// chip to another. Pluggable axis "chip_link" (`system.links.topology`): a plugin
// adds one with register_model<ChipLinkTopology, MyLinks>("name", "...").
// Timing, contention and back-pressure are the system's (src/system/), which books
// these links with the same LinkScheduler as the links on a chip.
#pragma once

#include <string>
#include <vector>

#include "aimcsim/core/params.h"
#include "aimcsim/core/registry.h"
#include "aimcsim/topology.h"

namespace aimcsim {

// What every chip-to-chip link shares (`system.links`).
struct ChipLinkParams {
    double bandwidth_gbit_s = 0.0;  // one link, one direction
    double latency_ns = 0.0;        // head of a packet from one chip's port to the next (SerDes + wire)
    double energy_pj_per_bit = 0.0;  // per bit per link crossed
    int ports_per_chip = 0;          // I/O ports of a chip (each one link out and one in)
    int buffer_depth_flits = 0;      // input buffer of a port (back-pressure beyond it)
};

class ChipLinkTopology {
public:
    static constexpr const char* kAxis = "chip_link";
    static constexpr const char* kDefaultModel = "ring";
    virtual ~ChipLinkTopology() = default;

    // Builds the links for `chips` chips; throws InputError if the chips' ports are
    // too few for this topology.
    virtual void setup(int chips) = 0;
    // Nodes the links join: the chips 0..chips-1, then any switches.
    [[nodiscard]] virtual int nodes() const = 0;
    // Link ends are node ids (Link::src_tile, Link::dst_tile).
    [[nodiscard]] virtual const std::vector<Link>& links() const = 0;
    // Static route from one chip to another: link ids in order (empty if equal).
    [[nodiscard]] virtual std::vector<int> route(int src_chip, int dst_chip) const = 0;
    [[nodiscard]] virtual const ChipLinkParams& params() const = 0;
};

}  // namespace aimcsim
