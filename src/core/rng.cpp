#include "aimcsim/core/rng.h"

namespace aimcsim {

// Constant-initialised (no code runs at load), so a draw made during another file's
// static initialisation already sees the table.
const std::array<double, Rng::kStrata + 1> Rng::kQuantiles = {
#include "src/core/normal_quantiles.inc"
};

}  // namespace aimcsim
