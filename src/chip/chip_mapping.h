// The mapping a chip run uses: blocks and replicas in snake order (map_network),
// then, with `chip.placement: traffic`, moved for the fewest bit-hops per
// inference under the chip's own topology (src/mapping/placement.h). Every path
// that programs tiles (chip run, accuracy, `infer`) maps through here, so the same
// config puts the same block on the same tile (device noise is keyed by tile).
#pragma once

#include <cstdint>

#include "aimcsim/network.h"
#include "src/chip/chip_params.h"
#include "src/mapping/mapper.h"
#include "src/mapping/placement.h"

namespace aimcsim {

struct PlacementSummary {
    PlacementMethod method = PlacementMethod::Snake;
    std::uint64_t cost_bit_hops = 0;        // per inference, of the placement used
    std::uint64_t snake_cost_bit_hops = 0;  // per inference, of the snake placement
    PlacementSearchStats search;            // traffic only
    double search_wall_s = 0;               // flows, hop table and search (not in report.json: it varies)
};

struct ChipMapping {
    Mapping mapping;
    PlacementSummary placement;
};

// Throws InputError if the network does not fit (map_network's message).
[[nodiscard]] ChipMapping map_on_chip(const Network& net, int tile_rows, int tile_cols, const ChipParams& chip);

}  // namespace aimcsim
