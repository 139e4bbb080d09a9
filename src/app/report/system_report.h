// The report of a multi-chip run: the chip run's sections (the system as one grid
// of all chips' tiles) plus the `system` section from the system's declared
// counters (src/system/system_counters.h), and its trace with tracks for the chips
// and the chip-to-chip links.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "src/app/report/bottleneck.h"
#include "src/system/system_run.h"

namespace aimcsim {

[[nodiscard]] nlohmann::json system_report_json(const SystemRunResult& s);

// The chip run's text, then the system's summary and its tables.
[[nodiscard]] std::string system_report_text(const SystemRunResult& s, const Bottleneck& bottleneck);

// The chip trace (tiles, GDPUs, every link) plus a track per chip (its weight
// layers of inference 0, one lane each) and per chip-to-chip link (its packets).
[[nodiscard]] nlohmann::json system_trace_json(const SystemRunResult& s);

}  // namespace aimcsim
