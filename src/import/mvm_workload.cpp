#include "src/import/mvm_workload.h"

#include <algorithm>
#include <cmath>

namespace aimcsim {

namespace {

MvmWorkload::Distribution distribution(const std::string& name) {
    if (name == "normal") return MvmWorkload::Distribution::Normal;
    if (name == "uniform_positive") return MvmWorkload::Distribution::UniformPositive;
    return MvmWorkload::Distribution::Uniform;
}

// Sparsity draws come from a stream of their own, so the values of a dense workload
// do not depend on whether sparsity is asked for.
constexpr std::uint64_t kSparsityKey = 0x5A75;

}  // namespace

ParamSchema MvmWorkload::schema() {
    ParamSchema s;
    s.string("kind", "mvm_random", "workload kind").choices({"mvm_random"});
    s.string("description", "", "free text");
    s.integer("mvms", 1000, "", "number of MVMs issued back to back").range(1, 10000000);
    s.integer("rows", 0, "", "rows used (0: all rows of the tile)").range(0, 4096);
    s.integer("cols", 0, "", "columns used (0: all columns of the tile)").range(0, 4096);
    s.string("weight_distribution", "uniform", "weights: uniform in [-1, 1] | normal (std 1/3, clipped to [-1, 1])")
        .choices({"uniform", "normal"});
    s.string("input_distribution", "uniform",
             "input codes: uniform in [-max, max] | uniform_positive in [0, max] | normal (std max/3, clipped)")
        .choices({"uniform", "uniform_positive", "normal"});
    s.real("weight_sparsity", 0.0, "", "fraction of weights that are 0").range(0.0, 1.0);
    s.real("input_sparsity", 0.0, "", "fraction of input codes that are 0 (the 64-core paper: 0.3)").range(0.0, 1.0);
    return s;
}

MvmWorkload MvmWorkload::from(const Params& p, int tile_rows, int tile_cols) {
    MvmWorkload w;
    w.mvms = static_cast<int>(p.integer("mvms"));
    w.rows = p.integer("rows") > 0 ? static_cast<int>(p.integer("rows")) : tile_rows;
    w.cols = p.integer("cols") > 0 ? static_cast<int>(p.integer("cols")) : tile_cols;
    if (w.rows > tile_rows)
        throw p.error("rows", "uses " + std::to_string(w.rows) + " rows but the tile has " + std::to_string(tile_rows));
    if (w.cols > tile_cols)
        throw p.error("cols",
                      "uses " + std::to_string(w.cols) + " columns but the tile has " + std::to_string(tile_cols));
    w.weight_distribution = distribution(p.str("weight_distribution"));
    w.input_distribution = distribution(p.str("input_distribution"));
    w.weight_sparsity = p.real("weight_sparsity");
    w.input_sparsity = p.real("input_sparsity");
    return w;
}

std::vector<float> MvmWorkload::weights(std::uint64_t seed) const {
    Rng rng(seed, Stream::Weights, {0});
    std::vector<float> w(static_cast<size_t>(rows) * cols);
    for (auto& v : w) {
        v = weight_distribution == Distribution::Normal ? static_cast<float>(std::clamp(rng.normal() / 3.0, -1.0, 1.0))
                                                        : static_cast<float>(2.0 * rng.uniform() - 1.0);
    }
    if (weight_sparsity > 0.0) {
        Rng mask(seed, Stream::Weights, {kSparsityKey});
        for (auto& v : w) {
            if (mask.uniform() < weight_sparsity) v = 0.0F;
        }
    }
    return w;
}

std::vector<std::int8_t> MvmWorkload::inputs(std::uint64_t seed, int k, int max_code) const {
    Rng rng(seed, Stream::Inputs, {static_cast<std::uint64_t>(k)});
    std::vector<std::int8_t> x(rows);
    for (auto& v : x) {
        switch (input_distribution) {
            case Distribution::Uniform: v = static_cast<std::int8_t>(rng.uniform_int(-max_code, max_code)); break;
            case Distribution::UniformPositive: v = static_cast<std::int8_t>(rng.uniform_int(0, max_code)); break;
            case Distribution::Normal:
                v = static_cast<std::int8_t>(std::clamp(std::lround(rng.normal() * max_code / 3.0),
                                                        -static_cast<long>(max_code), static_cast<long>(max_code)));
                break;
        }
    }
    if (input_sparsity > 0.0) {
        Rng mask(seed, Stream::Inputs, {static_cast<std::uint64_t>(k), kSparsityKey});
        for (auto& v : x) {
            if (mask.uniform() < input_sparsity) v = 0;
        }
    }
    return x;
}

}  // namespace aimcsim
