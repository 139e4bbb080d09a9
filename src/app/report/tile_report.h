// The report of the single-tile MVM characterisation (workload mvm_random).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "aimcsim/core/stats.h"
#include "src/app/run_config.h"
#include "src/app/tile_bench.h"

namespace aimcsim {

// Its report.json.
[[nodiscard]] nlohmann::json tile_bench_report(const RunConfig& rc, const TileBenchResult& r);

// {"<stat>": {"value", "unit", "description"}} of one component's counters.
[[nodiscard]] nlohmann::json stats_json(const StatGroup& group);

// Its report.txt, read from its report.json.
[[nodiscard]] std::string tile_report_text(const nlohmann::json& report);

}  // namespace aimcsim
