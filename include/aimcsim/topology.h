// Interconnect topologies: which directed links exist between tiles of a grid and
// the static route a packet takes. Pluggable axis "topology" (`chip.interconnect.model`).
// Timing and contention of the links are modelled by the chip's network, from the
// link parameters every topology exposes.
#pragma once

#include <string>
#include <vector>

#include "aimcsim/core/params.h"
#include "aimcsim/core/registry.h"

namespace aimcsim {

struct Link {
    int src_tile = 0;
    int dst_tile = 0;
};

struct LinkParams {
    int width_bits = 32;         // bits per cycle per link
    int hop_latency_cycles = 2;  // router + wire latency of one hop
    int buffer_depth_flits = 4;  // input buffer of a port
    double energy_pj_per_bit_hop = 0.0;
};

class Topology {
public:
    static constexpr const char* kAxis = "topology";
    static constexpr const char* kDefaultModel = "hermes";
    virtual ~Topology() = default;

    // Builds the link set for a grid of tiles; tile id = row * cols + col.
    virtual void setup(int grid_rows, int grid_cols) = 0;

    [[nodiscard]] virtual const std::vector<Link>& links() const = 0;

    // Static route from src to dst tile: the ids of the links traversed, in order
    // (empty if src == dst).
    [[nodiscard]] virtual std::vector<int> route(int src_tile, int dst_tile) const = 0;

    // False for a contention-free model (`ideal`): links never make packets wait.
    [[nodiscard]] virtual bool has_contention() const { return true; }

    [[nodiscard]] virtual const LinkParams& link_params() const = 0;
};

}  // namespace aimcsim
