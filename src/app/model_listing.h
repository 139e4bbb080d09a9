// `aimcsim models [AXIS]`: every registered model of every axis (core/axes.h), with
// its description, origin (plugins) and parameter schema.
#pragma once

#include <ostream>
#include <string>

namespace aimcsim {

// Lists the models of `axis` ("" = every axis, by axis name); an unknown axis is an
// InputError naming the known ones.
void list_models(std::ostream& out, const std::string& axis);

}  // namespace aimcsim
