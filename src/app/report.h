// The report of a run: report.json (schema "aimcsim.report/1"), a readable text
// version, and the resolved config, written to the output folder.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "src/app/run_config.h"
#include "src/app/tile_bench.h"

namespace aimcsim {

inline constexpr const char* kReportSchema = "aimcsim.report/1";

// Report of the single-tile MVM characterisation.
[[nodiscard]] nlohmann::json tile_bench_report(const RunConfig& rc, const TileBenchResult& r);

// {"<stat>": {"value", "unit", "description"}} of one component's counters.
[[nodiscard]] nlohmann::json stats_json(const StatGroup& group);

// The accuracy section of a report as a readable table.
[[nodiscard]] std::string render_accuracy_text(const nlohmann::json& accuracy);

// Readable text version of any report.
[[nodiscard]] std::string render_text(const nlohmann::json& report);

// Writes report.json, report.txt and resolved_config.yaml into `dir` (created).
void write_outputs(const std::string& dir, const nlohmann::json& report, const std::string& text, const RunConfig& rc);

}  // namespace aimcsim
