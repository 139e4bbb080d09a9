// The timeline of a chip run in the Chrome / Perfetto trace-event format.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "src/chip/chip_run.h"

namespace aimcsim {

// Open in ui.perfetto.dev or chrome://tracing: per tile an array track (a slice
// per MVM from input load to readout, named by layer) and an LDPU track (readout to
// result, overlapping the array's next MVM); per GDPU a track (a slice per
// operation) and per link that carried traffic (a slice per packet). No two slices
// of a track partly overlap (a viewer would mis-nest them): a resource that
// pipelines gets extra lanes ("gdpu 3 at (3,4) #2"). Needs a run with
// ChipRunOptions::trace.
[[nodiscard]] nlohmann::json chip_trace_json(const ChipRunResult& r);

}  // namespace aimcsim
