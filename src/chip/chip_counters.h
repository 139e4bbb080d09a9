// The counters of a chip run, each declared once with its place in the report, its
// unit and its meaning (core/stats.h). The report writer (src/app/report/) walks
// this list: a new report field is one declaration in chip_counters.cpp (and, if
// the run does not compute it yet, the ChipRunResult field it reads).
#pragma once

#include "aimcsim/core/stats.h"
#include "src/chip/chip_run.h"

namespace aimcsim {

// Fields (chip, workload, mapping, performance, interconnect, simulation) and
// tables (mapping.tiles, gdpus, layers) of report.json.
[[nodiscard]] const StatDeclarations<ChipRunResult>& chip_counters();

}  // namespace aimcsim
