// Traffic-aware placement of a mapping's blocks on the tile grid.
//
// Cost of a placement = sum over traffic flows of (bits per inference) x (hops
// between the flow's two ends under the configured topology). The flows are the
// packets the pixel-pipelined schedule (src/chip/schedule.h) sends, counted per
// inference, so the cost of a placement times the batch is the run's simulated
// interconnect bit-hops:
// - activations (activation_bits per value), per pixel of a tensor, from where
//   that pixel of a channel slice lives (a column block's tile; the tile of the
//   pixel's replica for a replicated layer; a GDPU; the controller's router for
//   the network input) to each block of a consuming weight layer whose rows read
//   those channels (each replica that needs the pixel for its output pixels), to
//   the GDPU that runs a pooling / GAP / Add / Flatten / softmax on it, and the
//   network output to the controller;
// - partial sums (psum_bits per value): each row block > 0 of a column sends its
//   column's values to row block 0 of the same column and replica, once per
//   output pixel that replica computes;
// - LSTM: each column block's gates (psum_bits) to the cell's GDPU per step, h_t
//   back to the blocks holding the recurrent rows for the next step.
// A GDPU is not a free node: the schedule sends a slice to the GDPU nearest (by
// grid Manhattan distance) the tile of the slice's producer, and later ops stay on
// that GDPU, so a flow end "at the GDPU of block b" moves with block b. ReLU is
// free (in the LDPU).
// Approximation: on equal distance the schedule picks the GDPU with the least
// slices so far (an order-dependent load count); the cost model always takes the
// lowest-numbered one. Where no two GDPUs are equally near a tile (8 GDPUs on an
// 8x8 grid: one per row) the cost is exact; elsewhere (e.g. 8 GDPUs on 16x16)
// the hops of a slice to its GDPU are still exact, those onward may differ.
//
// The optimiser starts from the given placement (snake order) and runs a
// first-improvement local search: for each block in order, each tile in order,
// swap the block with the tile's block (or move it to the free tile) if that
// strictly lowers the cost; passes repeat until one brings no gain or a fixed
// budget of flow evaluations is spent. Integer costs, one thread, no clock in the
// loop: the same input gives the same placement. It tries the HopTable's candidate
// tiles only (map_on_chip: every tile up to 1024 tiles, else the first
// max(1024, 2 x used) in snake order).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "aimcsim/topology.h"
#include "aimcsim/network.h"
#include "src/mapping/mapper.h"

namespace aimcsim {

enum class PlacementMethod { Snake, Traffic };

[[nodiscard]] const char* placement_method_name(PlacementMethod m);
// "snake" | "traffic"; throws std::invalid_argument otherwise (the config schema checks first).
[[nodiscard]] PlacementMethod parse_placement_method(const std::string& name);

// What the traffic depends on besides the mapping.
struct TrafficParams {
    int activation_bits = 8;
    int psum_bits = 16;
    int io_tile = 0;              // the controller's router: network input in, output out
    std::vector<int> gdpu_tiles;  // routers of the GDPUs; empty: digital ops run at the producing tile
};

// One end of a flow: a block's tile (or the controller's router), or the GDPU nearest it.
struct FlowEnd {
    static constexpr int kController = -1;
    int block = kController;  // index in Mapping::blocks, or kController
    bool at_gdpu = false;
    bool operator<(const FlowEnd& o) const { return block != o.block ? block < o.block : at_gdpu < o.at_gdpu; }
    bool operator==(const FlowEnd& o) const { return block == o.block && at_gdpu == o.at_gdpu; }
};

struct Flow {
    FlowEnd src, dst;
    std::uint64_t bits = 0;  // per inference
};

// Every flow of one inference, merged per (src, dst), in a fixed order.
[[nodiscard]] std::vector<Flow> traffic_flows(const Network& net, const Mapping& map, const TrafficParams& params);

// Hops under a topology between the sites that matter, and each tile's nearest GDPU.
// Sites: the candidate tiles (where blocks may be), the GDPUs and the I/O port.
// Only those pairs are routed, so a huge, mostly empty grid costs O(sites^2), not
// O(tiles^2) (a 64x64 grid has 16.7 M tile pairs).
class HopTable {
public:
    // `topology` must be set up for the grid. `candidate_tiles` empty: every tile.
    HopTable(const Topology& topology, int grid_rows, int grid_cols, const std::vector<int>& gdpu_tiles, int io_tile,
             std::vector<int> candidate_tiles = {});
    // Both tiles must be sites.
    [[nodiscard]] int hops(int src_tile, int dst_tile) const {
        return hops_[static_cast<std::size_t>(site_of_tile_[static_cast<std::size_t>(src_tile)]) * sites_ +
                     static_cast<std::size_t>(site_of_tile_[static_cast<std::size_t>(dst_tile)])];
    }
    // The router a flow end sits at, for blocks on the tiles `tile_of_block`.
    [[nodiscard]] int site(const FlowEnd& e, const std::vector<int>& tile_of_block) const {
        const int tile = e.block == FlowEnd::kController ? io_tile_ : tile_of_block[static_cast<std::size_t>(e.block)];
        return e.at_gdpu ? nearest_gdpu_tile_[static_cast<std::size_t>(tile)] : tile;
    }
    [[nodiscard]] int tiles() const { return tiles_; }
    // Where blocks may be placed, ascending.
    [[nodiscard]] const std::vector<int>& candidate_tiles() const { return candidates_; }

private:
    int tiles_ = 0;
    int io_tile_ = 0;
    std::vector<int> candidates_;
    std::size_t sites_ = 0;
    std::vector<int> site_of_tile_;       // [tile]: index among the sites, -1 for other tiles
    std::vector<int> hops_;               // [src site * sites + dst site]
    std::vector<int> nearest_gdpu_tile_;  // [tile]; the tile itself without GDPUs
};

// Bits x hops of one inference, for blocks on the tiles `tile_of_block`.
[[nodiscard]] std::uint64_t placement_cost_bit_hops(const std::vector<Flow>& flows, const HopTable& hops,
                                                    const std::vector<int>& tile_of_block);
// The same for the mapping's own placement.
[[nodiscard]] std::uint64_t placement_cost_bit_hops(const std::vector<Flow>& flows, const HopTable& hops,
                                                    const Mapping& map);

struct PlacementSearchStats {
    std::uint64_t start_cost = 0;  // bit-hops per inference of the placement given
    std::uint64_t cost = 0;        // after the search
    int passes = 0;
    int moves = 0;  // accepted swaps and moves
    std::uint64_t flow_evaluations = 0;
    bool converged = false;  // the last pass found no improving move (false: budget spent)
};

// Deterministic budget (no clock, so a loaded machine cannot change the result):
// flow-cost evaluations, about 2-4 ns each.
inline constexpr std::uint64_t kDefaultPlacementBudget = 150'000'000;

// Moves the mapping's blocks (tile, grid_row, grid_col, block_of_tile) to lower
// the cost; never raises it.
PlacementSearchStats optimise_placement(Mapping& map, const std::vector<Flow>& flows, const HopTable& hops,
                                        std::uint64_t flow_evaluation_budget = kDefaultPlacementBudget);

}  // namespace aimcsim
