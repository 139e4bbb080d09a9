// Integer geometry shared by the schedule and the placement's traffic model, so both
// count windows, channel overlaps and grid distances by the very same rules.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <utility>

namespace aimcsim {

// Floor division that is right for negative numerators too.
inline int floor_div(int a, int b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// Outputs [lo, hi] whose window covers input `i` along one axis (lo > hi if none).
inline std::pair<int, int> outputs_covering(int i, int kernel, int stride, int pad_begin, int out_size) {
    const int lo = std::max(0, floor_div(i + pad_begin - kernel, stride) + 1);
    const int hi = std::min(out_size - 1, floor_div(i + pad_begin, stride));
    return {lo, hi};
}

// Length of the intersection of the half-open ranges [a_lo, a_hi) and [b_lo, b_hi).
inline int overlap(int a_lo, int a_hi, int b_lo, int b_hi) {
    return std::max(0, std::min(a_hi, b_hi) - std::max(a_lo, b_lo));
}

// Grid distance (Manhattan) between two tiles of a grid `grid_cols` wide (tile = row * cols + col).
inline int grid_manhattan(int tile_a, int tile_b, int grid_cols) {
    return std::abs(tile_a / grid_cols - tile_b / grid_cols) + std::abs(tile_a % grid_cols - tile_b % grid_cols);
}

}  // namespace aimcsim
