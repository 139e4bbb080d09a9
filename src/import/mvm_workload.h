// The synthetic workload `mvm_random`: N matrix-vector multiplications of uniform
// random signed 8-bit inputs on one tile programmed with uniform random weights.
// It characterises a tile the way the silicon papers do: latency, throughput,
// energy per MVM and the MVM error against the exact product.
#pragma once

#include <cstdint>
#include <vector>

#include "aimcsim/core/params.h"
#include "aimcsim/random_streams.h"

namespace aimcsim {

struct MvmWorkload {
    static ParamSchema schema();
    static MvmWorkload from(const Params& p, int tile_rows, int tile_cols);

    int mvms = 1000;
    int rows = 256;
    int cols = 256;

    // Weights uniform in [-1, 1], row-major rows x cols.
    [[nodiscard]] std::vector<float> weights(std::uint64_t seed) const;
    // Input codes of MVM k, uniform in [-max_code, max_code].
    [[nodiscard]] std::vector<std::int8_t> inputs(std::uint64_t seed, int k, int max_code) const;
};

}  // namespace aimcsim
