// The files of a run: report.json (schema "aimcsim.report/1"), report.txt,
// resolved_config.yaml and, for chip runs, layers.csv, written to the output
// folder; the trace of a chip run, written to its own path.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "src/app/run_config.h"
#include "src/chip/chip_run.h"

namespace aimcsim {

inline constexpr const char* kReportSchema = "aimcsim.report/1";

// The keys every report starts with: schema, name, seed.
void put_report_header(nlohmann::json& report, const RunConfig& rc);

// Writes report.json, report.txt, resolved_config.yaml and (unless empty)
// layers.csv and report.html into `dir` (created).
void write_outputs(const std::string& dir, const nlohmann::json& report, const std::string& text,
                   const std::string& layers_csv, const RunConfig& rc, const std::string& html = "");

// The Chrome / Perfetto trace of a run made with ChipRunOptions::trace.
void write_trace(const std::string& path, const ChipRunResult& r);

}  // namespace aimcsim
