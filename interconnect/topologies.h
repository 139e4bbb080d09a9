// The built-in topologies (registered as "hermes", "mesh2d", "ideal").
#pragma once

#include "interconnect/grid_topology.h"

namespace aimcsim {

// IBM's 64-core chip: each tile links directly to the tiles 1 and 2 away in its row
// and 1 away in its column (both directions). Shortest static routes: along the row
// first, 2-steps while at least 2 columns remain, then a 1-step, then along the
// column; hops = ceil(|dcol| / 2) + |drow|.
class HermesTopology : public GridTopology {
public:
    static ParamSchema schema();
    explicit HermesTopology(const Params& params) : GridTopology(params) {}

protected:
    void build_links() override;
    [[nodiscard]] int next_link(int cur_tile, int dst_tile) const override;
};

// Plain 2D mesh: links to the 4 neighbours, XY (column first, then row) routing;
// hops = Manhattan distance.
class Mesh2dTopology : public GridTopology {
public:
    static ParamSchema schema();
    explicit Mesh2dTopology(const Params& params) : GridTopology(params) {}

protected:
    void build_links() override;
    [[nodiscard]] int next_link(int cur_tile, int dst_tile) const override;
};

// Contention-free reference: one virtual link per ordered pair of distinct tiles,
// so every route is a single hop of hop_latency_cycles and nothing ever waits.
// All pairs exist from setup() (simple, and routes need no lazy mutation); this is
// N*(N-1) links, so the grid is limited to kMaxTiles tiles (about 1M links).
class IdealTopology : public GridTopology {
public:
    static constexpr int kMaxTiles = 1024;
    static ParamSchema schema();
    explicit IdealTopology(const Params& params) : GridTopology(params) {}

    [[nodiscard]] bool has_contention() const override { return false; }

protected:
    void build_links() override;
    [[nodiscard]] int next_link(int cur_tile, int dst_tile) const override;
};

}  // namespace aimcsim
