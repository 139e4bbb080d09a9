// `aimcsim models [AXIS]`: every registered model of every axis (core/axes.h), with
// its description, origin (plugins) and parameter schema.
#pragma once

#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

namespace aimcsim {

// Lists the models of `axis` ("" = every axis, by axis name); an unknown axis is an
// InputError naming the known ones.
void list_models(std::ostream& out, const std::string& axis);

// The same listing as data (the Python API's aimcsim.models()): axis -> model name ->
// {description, origin, params: name -> {type, unit, default, min, max, choices,
// required, description, params (a section's own)}}, in declaration order.
[[nodiscard]] nlohmann::ordered_json models_json(const std::string& axis);

}  // namespace aimcsim
