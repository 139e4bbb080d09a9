#include "src/chip/chip_mapping.h"

#include <chrono>
#include <memory>

#include "aimcsim/core/registry.h"
#include "aimcsim/topology.h"

namespace aimcsim {

ChipMapping map_on_chip(const Network& net, int tile_rows, int tile_cols, const ChipParams& chip) {
    ChipMapping cm;
    cm.mapping = map_network(net, tile_rows, tile_cols, chip.rows, chip.cols, chip_replication(chip, net));
    const auto t0 = std::chrono::steady_clock::now();
    // The chip's own topology, so plugin topologies are costed by their routes.
    const std::unique_ptr<Topology> topology = Registry<Topology>::instance().create(chip.interconnect, "hermes");
    topology->setup(chip.rows, chip.cols);
    const TrafficParams traffic = chip.traffic_params();
    const HopTable hops(*topology, chip.rows, chip.cols, traffic.gdpu_tiles, traffic.io_tile);
    const std::vector<Flow> flows = traffic_flows(net, cm.mapping, traffic);
    PlacementSummary& p = cm.placement;
    p.method = chip.placement;
    p.snake_cost_bit_hops = placement_cost_bit_hops(flows, hops, cm.mapping);
    p.cost_bit_hops = p.snake_cost_bit_hops;
    if (chip.placement == PlacementMethod::Traffic) {
        p.search = optimise_placement(cm.mapping, flows, hops);
        p.cost_bit_hops = p.search.cost;
    }
    p.search_wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return cm;
}

}  // namespace aimcsim
