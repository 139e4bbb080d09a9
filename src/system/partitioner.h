// Splits a network over the chips of a system: pipeline stages of consecutive
// weight layers (in network order), one stage per chip, optionally cutting a layer
// between its column blocks (system.split_layers). Deterministic, exact dynamic
// programs over the cut positions:
// 1. the smallest achievable heaviest stage, where a stage's load is its MVM time
//    per inference (sum over its blocks of MVMs per inference x array cycles per
//    MVM: the array work the chip must do for every inference), subject to each
//    stage fitting one chip's tiles;
// 2. among the partitions whose every stage is within (1 + balance_tolerance) of
//    that, the fewest bits crossing the cuts per inference (a flow that spans
//    several cuts counts at each: the program's proxy; the reported prediction
//    counts every flow once, see below).
// The flows are the placement's traffic model (src/mapping/placement.h), the
// packets the pixel-pipelined schedule sends. Predicted inter-chip bits = the bits
// of every flow whose two ends are on different chips; a flow end at a GDPU is on
// its block's chip (each chip's GDPUs serve its own tiles), the controller is at
// chip 0's I/O port (inputs in, outputs back). The schedule sends exactly these
// packets, so the simulated inter-chip bits equal the prediction times the batch.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "aimcsim/network.h"
#include "src/chip/chip_params.h"
#include "src/mapping/mapper.h"

namespace aimcsim {

struct PartitionOptions {
    int chips = 1;
    bool split_layers = false;
    double balance_tolerance = 0.05;
    double max_imbalance = 0.0;  // > 0: exceeding it is an InputError naming the bottleneck layer
    std::uint64_t array_cycles_per_mvm = 1;
};

// One chip's share (chips beyond the stages get none).
struct Stage {
    int chip = 0;
    std::vector<std::string> layers;  // weight layers with a block on this chip, in network order
    int tiles = 0;
    std::uint64_t mvm_cycles = 0;     // per inference, summed over its blocks
};

struct SystemPartition {
    int chips = 1;
    int chip_tiles = 0;       // tiles of one chip; chip c holds tiles [c * chip_tiles, (c + 1) * chip_tiles)
    Mapping mapping;          // on the system grid: chips stacked, (chips * rows) x cols
    std::vector<Stage> stages;          // [chip]
    std::vector<int> chip_of_block;     // [mapping block]
    std::uint64_t predicted_inter_chip_bits = 0;  // per inference
    std::uint64_t max_stage_mvm_cycles = 0;
    double mean_stage_mvm_cycles = 0;
    std::string bottleneck_layer;  // the heaviest unit (layer, or column of a layer) of the heaviest stage
    bool balanced = true;          // the heaviest stage is within (1 + balance_tolerance) of the mean
    bool bottleneck_is_one_layer = false;  // that unit alone is heavier than the mean stage
    [[nodiscard]] double imbalance() const {
        return mean_stage_mvm_cycles > 0 ? static_cast<double>(max_stage_mvm_cycles) / mean_stage_mvm_cycles : 1.0;
    }
};

// Throws InputError if the network needs more chips than the system has (with the
// number it needs), if a layer (or, with split_layers, a column of its blocks) is
// larger than one chip, or if max_imbalance is exceeded (naming the bottleneck layer).
[[nodiscard]] SystemPartition partition_network(const Network& net, int tile_rows, int tile_cols,
                                                const ChipParams& chip, const PartitionOptions& opts);

}  // namespace aimcsim
