// The training's report: report.json (`training.*`) and a readable report.txt, both
// from one table of declared keys (name, unit, meaning) in training_report.cpp.
#pragma once

#include <string>

#include "src/training/trainer.h"

namespace aimcsim {

[[nodiscard]] std::string training_report_json(const TrainingResult& r, const std::string& config_name);
[[nodiscard]] std::string training_report_text(const TrainingResult& r, const std::string& config_name);

// The declared keys, one per line ("training.epochs[].pulses (count): ..."), for docs and tests.
[[nodiscard]] std::string training_report_keys();

}  // namespace aimcsim
