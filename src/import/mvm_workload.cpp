#include "src/import/mvm_workload.h"

namespace aimcsim {

ParamSchema MvmWorkload::schema() {
    ParamSchema s;
    s.string("kind", "mvm_random", "workload kind").choices({"mvm_random"});
    s.string("description", "", "free text");
    s.integer("mvms", 1000, "", "number of MVMs issued back to back").range(1, 10000000);
    s.integer("rows", 0, "", "rows used (0: all rows of the tile)").range(0, 4096);
    s.integer("cols", 0, "", "columns used (0: all columns of the tile)").range(0, 4096);
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
    return w;
}

std::vector<float> MvmWorkload::weights(std::uint64_t seed) const {
    Rng rng(seed, Stream::Weights, {0});
    std::vector<float> w(static_cast<size_t>(rows) * cols);
    for (auto& v : w) v = static_cast<float>(2.0 * rng.uniform() - 1.0);
    return w;
}

std::vector<std::int8_t> MvmWorkload::inputs(std::uint64_t seed, int k, int max_code) const {
    Rng rng(seed, Stream::Inputs, {static_cast<std::uint64_t>(k)});
    std::vector<std::int8_t> x(rows);
    for (auto& v : x) v = static_cast<std::int8_t>(rng.uniform_int(-max_code, max_code));
    return x;
}

}  // namespace aimcsim
