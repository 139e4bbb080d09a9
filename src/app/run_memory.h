// The memory a run needs, asked of its parts before anything is allocated: the tile
// model says what one programmed tile holds, the chip how many tiles it has, the
// accuracy settings how many dataset images stay in memory. core/resource_guard.h
// compares the sum with the memory available.
#pragma once

#include "aimcsim/tile.h"
#include "src/core/resource_guard.h"
#include "src/functional/evaluator.h"

namespace aimcsim {

// `tiles` tiles of `tile`'s model, and the images of `accuracy` (nullptr or disabled: none).
[[nodiscard]] MemoryEstimate estimate_run_memory(const TileModel& tile, double tiles, const AccuracySettings* accuracy);

// estimate_run_memory + check_memory against available_memory_bytes().
void check_run_memory(const TileModel& tile, double tiles, const AccuracySettings* accuracy);

}  // namespace aimcsim
