// Weight blocks for the tile tests: random weights from the seeded Weights stream.
#pragma once

#include <cstdint>

#include "aimcsim/core/rng.h"
#include "aimcsim/tile.h"

namespace test {

// rows x cols weights: integers in [-levels, levels] when levels > 0 (exact in any
// tile's arithmetic), else uniform in [-1, 1].
inline aimcsim::WeightBlock random_block(int rows, int cols, std::uint64_t seed, int levels = 0) {
    aimcsim::WeightBlock b;
    b.rows = rows;
    b.cols = cols;
    aimcsim::Rng rng(seed, aimcsim::Stream::Weights, {});
    for (int i = 0; i < rows * cols; ++i) {
        b.weights.push_back(levels > 0 ? static_cast<float>(rng.uniform_int(-levels, levels))
                                       : static_cast<float>(2 * rng.uniform() - 1));
    }
    return b;
}

}  // namespace test
