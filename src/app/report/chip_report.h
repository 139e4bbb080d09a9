// The report of a chip run: its sections of report.json and its report.txt, made
// from the run's result alone (the chip fills ChipRunResult and knows no format).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "src/chip/chip_run.h"

namespace aimcsim {

// The report sections of a chip run (chip, workload, mapping, performance,
// interconnect, gdpus, layers), to merge into report.json.
[[nodiscard]] nlohmann::json chip_report_json(const ChipRunResult& r);

// A summary a newcomer can read: chip, tile map (a grid of layer numbers),
// per-layer table, totals.
[[nodiscard]] std::string chip_report_text(const ChipRunResult& r);

}  // namespace aimcsim
