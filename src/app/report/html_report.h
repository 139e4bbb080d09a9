// report.html of a chip run: one self-contained page (inline CSS, SVG drawn by an
// inline script, no network) with the key figures and their meaning, the
// bottleneck section, the tile map coloured by layer, per-layer latency and energy,
// the energy breakdown, the pipeline timeline of the first inferences and, when
// the run evaluated it, accuracy against time with and without drift compensation.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "src/app/report/bottleneck.h"
#include "src/chip/chip_run.h"

namespace aimcsim {

// Inferences the timeline shows at most.
inline constexpr int kTimelineInferences = 4;

// Per inference (the first kTimelineInferences) and layer: first start and last
// end in ns, from the run's spans (ChipRunOptions::trace); without spans,
// inference 0 from the layer table. Plus each inference's completion time.
[[nodiscard]] nlohmann::json pipeline_timeline_json(const ChipRunResult& r);

// The page, from the run's report.json (which the run's accuracy is part of), its
// bottleneck and its timeline.
[[nodiscard]] std::string report_html(const nlohmann::json& report, const Bottleneck& bottleneck,
                                      const nlohmann::json& timeline);

}  // namespace aimcsim
