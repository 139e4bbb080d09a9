#include "src/chip/chip_mapping.h"

#include <algorithm>
#include <chrono>
#include <memory>

#include "aimcsim/core/error.h"
#include "aimcsim/core/registry.h"
#include "aimcsim/topology.h"

namespace aimcsim {

namespace {

// Where the placement may put blocks: snake order fills the first tiles_used tiles
// of the snake; the search may use every tile of chips up to kSearchAllTiles, and
// on larger ones the first max(kSearchAllTiles, 2 x used) tiles in snake order,
// which keeps its hop table (and time) bounded on huge, mostly empty grids.
constexpr int kSearchAllTiles = 1024;

std::vector<int> candidate_tiles(const Mapping& map, PlacementMethod method) {
    std::vector<int> c = map.working_tiles_in_snake_order();  // failed tiles never hold a block
    const int tiles = static_cast<int>(c.size());
    const int used = map.tiles_used();
    const int n = method == PlacementMethod::Snake ? used
                  : tiles <= kSearchAllTiles       ? tiles
                                                   : std::min(tiles, std::max(kSearchAllTiles, 2 * used));
    c.resize(static_cast<std::size_t>(n));
    return c;
}

}  // namespace

ChipMapping map_on_chip(const Network& net, int tile_rows, int tile_cols, const ChipParams& chip) {
    ChipMapping cm;
    cm.mapping =
        map_network(net, tile_rows, tile_cols, chip.rows, chip.cols, chip_replication(chip, net), chip.failed_tiles);
    const auto t0 = std::chrono::steady_clock::now();
    // The chip's own topology, so plugin topologies are costed by their routes.
    const std::unique_ptr<Topology> topology = chip.interconnect.create();
    topology->setup(chip.rows, chip.cols);
    const TrafficParams traffic = chip.traffic_params();
    const HopTable hops(*topology, chip.rows, chip.cols, traffic.gdpu_tiles, traffic.io_tile,
                        candidate_tiles(cm.mapping, chip.placement));
    const std::vector<Flow> flows = traffic_flows(net, cm.mapping, traffic);
    PlacementSummary& p = cm.placement;
    p.method = chip.placement;
    p.snake_cost_bit_hops = placement_cost_bit_hops(flows, hops, cm.mapping);
    p.cost_bit_hops = p.snake_cost_bit_hops;
    if (chip.placement == PlacementMethod::Traffic) {
        for (const TileBlock& b : cm.mapping.blocks) {
            if (b.shared >= 0)
                throw InputError("chip.placement: traffic moves blocks one by one, which would split layers that "
                                 "share weights (layer '" + net.layers[static_cast<std::size_t>(b.layer)].name +
                                 "'); use chip.placement: snake");
        }
        p.search = optimise_placement(cm.mapping, flows, hops);
        p.cost_bit_hops = p.search.cost;
    }
    p.search_wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return cm;
}

}  // namespace aimcsim
