// Runs the `mvm_random` workload on one tile in SystemC: a controller programs the
// tile over TLM, moves it to the inference time, issues the MVMs back to back and
// collects the results, then compares them with the exact product.
#pragma once

#include <cstdint>

#include "aimcsim/core/stats.h"
#include "aimcsim/tile.h"
#include "src/functional/mvm_error.h"
#include "src/import/mvm_workload.h"
#include "src/app/run_config.h"

namespace aimcsim {

struct TileBenchResult {
    int rows = 0, cols = 0;  // block used
    int tile_rows = 0, tile_cols = 0;
    double clock_ghz = 1.0;
    MvmPhases phases;
    std::uint64_t mvms = 0;
    double simulated_ns = 0.0;     // first request to last result
    double first_result_ns = 0.0;  // latency of the first MVM
    MvmEnergy dynamic;             // summed over all MVMs
    MvmEnergy reference;           // one MVM at the reference operating point
    double static_power_mw = 0.0;
    int input_passes = 1;  // tile.input.passes: each MVM sends its inputs this many times
    TileArea area;  // by component; empty when the model does not declare it
    double gdc_factor = 1.0;
    std::vector<std::pair<std::string, bool>> effects;  // TileModel::effects() after programming
    double relative_rms_error = 0.0;                    // ||y - y_exact|| / ||y_exact|| over all MVMs (functional mode)
    MvmErrorMetrics error;  // every metric (functional mode); full scale = largest |y_exact|
    bool functional = true;
    double t_inference_s = 0.0;
    StatGroup tile_stats{"tile0"};  // the tile module's counters
};

[[nodiscard]] TileBenchResult run_tile_bench(const RunConfig& rc, const ConfigNode& workload_file_node);

}  // namespace aimcsim
