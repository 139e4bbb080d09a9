// The report of a chip run: its sections of report.json and its report.txt, made
// from the run's result alone (the chip fills ChipRunResult and knows no format)
// by walking the chip's declared counters (src/chip/chip_counters.h).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "aimcsim/core/stats.h"
#include "src/app/report/bottleneck.h"
#include "src/chip/chip_counters.h"
#include "src/chip/chip_run.h"

namespace aimcsim {

// The report sections of a chip run (chip, workload, mapping, performance,
// interconnect, gdpus, layers, simulation), to merge into report.json: every
// declared counter at its path.
[[nodiscard]] nlohmann::json chip_report_json(const ChipRunResult& r,
                                              const StatDeclarations<ChipRunResult>& counters = chip_counters());

// A summary a newcomer can read (chip, tile map as a grid of layer numbers,
// per-layer table, totals), then every declared counter with its unit and meaning.
[[nodiscard]] std::string chip_report_text(const ChipRunResult& r,
                                           const StatDeclarations<ChipRunResult>& counters = chip_counters());

// The same with the bottleneck section after the summary (what `run` writes).
[[nodiscard]] std::string chip_report_text(const ChipRunResult& r, const Bottleneck& bottleneck,
                                           const StatDeclarations<ChipRunResult>& counters = chip_counters());

}  // namespace aimcsim
