// The counters of a multi-chip run beyond the chip run's own (src/chip/chip_counters.h):
// the partition, per chip, per chip-to-chip link and for the whole system, each
// declared once with its place in report.json ("system."), its unit and meaning.
#pragma once

#include "aimcsim/core/stats.h"
#include "src/system/system_run.h"

namespace aimcsim {

[[nodiscard]] const StatDeclarations<SystemRunResult>& system_counters();

}  // namespace aimcsim
