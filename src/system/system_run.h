// One run of a multi-chip system: partition the network over the chips
// (partitioner.h), elaborate the chips' tiles, each chip's own network and the
// chip-to-chip links (system_network.h), simulate the batch with the chip's
// pixel-pipelined schedule, and gather the system's figures: per chip, per
// chip-to-chip link, and for the whole system.
//
// The chips are the existing chip model (src/chip/): their tiles are TLM-2.0
// TileModules, each chip keeps its own topology, LinkScheduler and GDPUs, and one
// controller runs the schedule over all of them (loosely timed with temporal
// decoupling, as on a single chip). Tile ids are system ids: chip c's tile t is
// c * tiles_per_chip + t, on a grid of the chips stacked (chips x rows) x cols.
// The controller streams inputs into chip 0's I/O tile and collects the network's
// outputs there.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "aimcsim/chip_link.h"
#include "aimcsim/network.h"
#include "aimcsim/tile.h"
#include "src/chip/chip_run.h"
#include "src/system/partitioner.h"
#include "src/system/system_params.h"

namespace aimcsim {

struct SystemChipResult {
    int chip = 0;
    int tiles_used = 0;
    std::string layers;          // its weight layers, "first .. last"
    std::uint64_t mvms = 0;      // whole run
    double start_ns = 0, end_ns = 0;  // inference 0: first input at one of its layers, last output of one
    double latency_share = 0;    // (end_ns - start_ns) / system latency (stages overlap: shares add to > 1)
    double tile_energy_pj = 0;     // its tiles' dynamic energy, whole run
    double network_energy_pj = 0;  // its on-chip links
    double digital_energy_pj = 0;  // the run's digital energy apportioned by the values its GDPUs processed
    double static_energy_pj = 0;   // its tiles' and its own static power over the run
    double array_utilization = 0;  // array busy cycles / (tiles used x simulated cycles)
    [[nodiscard]] double energy_pj() const {
        return tile_energy_pj + network_energy_pj + digital_energy_pj + static_energy_pj;
    }
};

struct ChipLinkResult {
    int src_node = 0, dst_node = 0;  // chips (and switches, numbered after the chips)
    LinkStats stats;
    double utilization = 0;  // busy cycles / simulated cycles
};

struct SystemRunResult {
    ChipRunResult run;  // the whole system, as one run over the chips' tiles
    int chips = 0;
    int chip_rows = 0, chip_cols = 0;
    std::string link_topology;
    ChipLinkParams link_params;
    LinkParams link_timing;  // in chip clock cycles (width = bits per cycle)
    std::vector<Stage> partition;  // [chip]
    std::uint64_t predicted_inter_chip_bits = 0;  // whole run (per inference x batch)
    std::uint64_t simulated_inter_chip_bits = 0;  // bits the chip-to-chip links delivered (once per packet)
    NetworkTotals chip_link_totals;
    double max_stage_mvm_cycles = 0, mean_stage_mvm_cycles = 0;
    std::string bottleneck_layer;
    bool balanced = true;                  // heaviest stage within (1 + balance_tolerance) of the mean
    bool bottleneck_is_one_layer = false;  // the bottleneck layer alone exceeds the mean stage
    std::vector<SystemChipResult> chip_results;
    std::vector<ChipLinkResult> link_results;
    [[nodiscard]] double chip_link_energy_pj() const { return chip_link_totals.energy_pj; }
    [[nodiscard]] double imbalance() const {
        return mean_stage_mvm_cycles > 0 ? max_stage_mvm_cycles / mean_stage_mvm_cycles : 1.0;
    }
};

// Throws InputError when the network does not fit the system (with the chips it
// needs), when the chip's GDPUs would serve another chip's tiles, or when the
// links cannot be built (too few ports, a bandwidth that is no whole number of
// bits per cycle).
[[nodiscard]] SystemRunResult run_system(const TileConfig& tile, const SystemParams& system, const Network& net,
                                         const ChipRunOptions& opts);

// The system as one chip grid: chips stacked, each chip's GDPUs and static power.
[[nodiscard]] ChipParams system_grid(const ChipParams& chip, int chips);

}  // namespace aimcsim
