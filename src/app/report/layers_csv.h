// layers.csv of a chip run: the per-layer table, one line per layer.
#pragma once

#include <string>

#include "src/chip/chip_run.h"

namespace aimcsim {

[[nodiscard]] std::string layers_csv(const ChipRunResult& r);

}  // namespace aimcsim
