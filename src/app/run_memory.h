// The memory a run needs, asked of its parts before anything large is allocated:
// the tile model says what one programmed tile holds, the network how many weight
// blocks, pixels and MVMs it has, the chip how many tiles, the accuracy settings how
// many dataset images stay in memory. core/resource_guard.h compares the sum with
// the memory available. Calibrated on peak resident memory (VmHWM) of the shipped
// workloads; tests/test_run_memory.cpp checks it within 2x of the measured peak.
#pragma once

#include "aimcsim/network.h"
#include "aimcsim/tile.h"
#include "src/core/resource_guard.h"
#include "src/functional/evaluator.h"

namespace aimcsim {

// What a chip run will hold (a single-tile run: chip_tiles 1, no network).
struct RunShape {
    const Network* net = nullptr;  // the workload (nullptr: one tile, no network)
    double chip_tiles = 1;         // tiles on the grid
    int batch = 1;                 // inferences simulated
    int in_flight = 0;             // chip.inferences_in_flight (0: no limit, the whole batch)
    bool functional = false;       // the chip computes values: its mapped tiles are programmed
    bool trace = false;            // every MVM and link crossing kept for the trace
};

// `shape` on `tile`'s model, and the images of `accuracy` (nullptr or disabled: none;
// a network without weights is not evaluated).
[[nodiscard]] MemoryEstimate estimate_run_memory(const TileModel& tile, const RunShape& shape,
                                                 const AccuracySettings* accuracy);

// estimate_run_memory + check_memory against available_memory_bytes().
void check_run_memory(const TileModel& tile, const RunShape& shape, const AccuracySettings* accuracy);

// Peak resident memory of this process so far (VmHWM), in MB (2^20 bytes); 0 if unknown.
[[nodiscard]] double peak_rss_mb();

}  // namespace aimcsim
