// The accuracy section of a report: the mapped network's top-1 on a dataset,
// against time after programming, as report.json keys and a readable table.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "src/functional/evaluator.h"

namespace aimcsim {

[[nodiscard]] nlohmann::json accuracy_json(const AccuracyResult& a);

// Why an accuracy was not evaluated, for report.json.
[[nodiscard]] nlohmann::json accuracy_not_evaluated_json(const std::string& reason);

// The accuracy section as a readable table.
[[nodiscard]] std::string accuracy_text(const nlohmann::json& accuracy);

}  // namespace aimcsim
