// Resource guard: before a run allocates its tiles and datasets, estimate the memory
// it needs and stop with an InputError (exit 2) when that does not fit in the memory
// the machine has available, instead of thrashing, hanging or dying in bad_alloc.
#pragma once

#include <cstdint>
#include <string>

#include "aimcsim/core/config.h"

namespace aimcsim {

// What a run allocates in proportion to its size. Counts are doubles so that an
// absurd config (1e5 x 1e5 tiles of 4096 x 4096 cells) cannot overflow the product.
struct MemoryEstimate {
    double tiles = 1;
    double cells_per_tile = 256.0 * 256.0;     // crossbar rows x cols
    double devices_per_cell = 4;               // 2 polarities x devices_per_polarity
    double bytes_per_device = 8;               // ProgrammedDevice: g_prog_us + nu
    double bytes_per_cell = 12;                // w_pos, w_neg, w_diff floats
    double dataset_images = 0;                 // test + calibration images held in memory
    double bytes_per_image = 28.0 * 28.0 * 5;  // uint8 read buffer + float copy

    [[nodiscard]] double tile_bytes() const {
        return tiles * cells_per_tile * (devices_per_cell * bytes_per_device + bytes_per_cell);
    }
    [[nodiscard]] double dataset_bytes() const { return dataset_images * bytes_per_image; }
    [[nodiscard]] double total_bytes() const { return tile_bytes() + dataset_bytes(); }
};

// MemAvailable from /proc/meminfo, in bytes; 0 when it cannot be read. The
// environment variable AIMCSIM_MEMORY_LIMIT_BYTES, when set, replaces it (tests, batch jobs).
[[nodiscard]] double available_memory_bytes();

// Throws InputError naming `what`, the estimate and the available memory when the
// estimate exceeds `available` (0 = unknown: no check).
void check_memory(const MemoryEstimate& need, double available, const std::string& what);

// The estimate of a run from its raw config sections, read before validation narrows
// the sizes to int: tile (rows, cols, devices_per_polarity), chip (rows x cols tiles;
// null or a non-map = one tile) and accuracy (enabled, samples, calibration_samples;
// null = none). Values that are missing or not numbers count as their defaults; the
// schemas report those.
[[nodiscard]] MemoryEstimate estimate_run_memory(const ConfigNode& tile, const ConfigNode* chip,
                                                 const ConfigNode* accuracy);

// estimate_run_memory + check_memory against available_memory_bytes().
void check_run_memory(const ConfigNode& tile, const ConfigNode* chip, const ConfigNode* accuracy);

}  // namespace aimcsim
