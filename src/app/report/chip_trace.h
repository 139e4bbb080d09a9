// The timeline of a chip run in the Chrome / Perfetto trace-event format.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "src/chip/chip_run.h"

namespace aimcsim {

// Open in ui.perfetto.dev or chrome://tracing: one track per tile (a slice per
// MVM, array start to LDPU result, named by layer), per GDPU (a slice per
// operation) and per link that carried traffic (a slice per packet). Needs a run
// with ChipRunOptions::trace.
[[nodiscard]] nlohmann::json chip_trace_json(const ChipRunResult& r);

}  // namespace aimcsim
