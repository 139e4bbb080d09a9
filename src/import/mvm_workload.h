// The synthetic workload `mvm_random`: N matrix-vector multiplications of random
// signed 8-bit inputs on one tile programmed with random weights. It characterises a
// tile the way the silicon papers do: latency, throughput, energy per MVM and the MVM
// error against the exact product. Weights and inputs are uniform by default; the
// distributions and sparsities can be set to run each paper's experiment (the 64-core
// chip's characterisation used uniform weights and inputs with 30% sparsity).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "aimcsim/core/params.h"
#include "aimcsim/random_streams.h"

namespace aimcsim {

struct MvmWorkload {
    static ParamSchema schema();
    static MvmWorkload from(const Params& p, int tile_rows, int tile_cols);

    enum class Distribution { Uniform, Normal, UniformPositive };

    int mvms = 1000;
    int rows = 256;
    int cols = 256;
    Distribution weight_distribution = Distribution::Uniform;
    Distribution input_distribution = Distribution::Uniform;
    double weight_sparsity = 0.0;  // fraction of weights set to 0
    double input_sparsity = 0.0;   // fraction of input codes set to 0

    // Weights in [-1, 1], row-major rows x cols: uniform, or normal with std 1/3 clipped
    // to [-1, 1]; each is then 0 with probability weight_sparsity.
    [[nodiscard]] std::vector<float> weights(std::uint64_t seed) const;
    // Input codes of MVM k in [-max_code, max_code]: uniform integers, uniform in
    // [0, max_code] (uniform_positive: post-ReLU activations), or normal with std
    // max_code / 3 rounded and clipped; each is then 0 with probability input_sparsity.
    [[nodiscard]] std::vector<std::int8_t> inputs(std::uint64_t seed, int k, int max_code) const;
};

}  // namespace aimcsim
