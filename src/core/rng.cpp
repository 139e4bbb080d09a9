#include "aimcsim/core/rng.h"

namespace aimcsim {

namespace {

constexpr std::array<double, Rng::kStrata + 1> kBounds = {
#include "src/core/normal_quantiles.inc"
};

constexpr Rng::StrataF32 strata_f32_of(const std::array<double, Rng::kStrata + 1>& q) {
    Rng::StrataF32 t{};
    for (unsigned k = 1; k + 1 < Rng::kStrata; ++k) {  // the outer strata 0 and kStrata - 1 stay 0
        t.bounds[k][0] = static_cast<float>(q[k]);
        t.bounds[k][1] = static_cast<float>(q[k + 1] - q[k]) * 0x1.0p-20F;
    }
    return t;
}

}  // namespace

// Constant-initialised (no code runs at load), so a draw made during another file's
// static initialisation already sees the tables.
const std::array<double, Rng::kStrata + 1> Rng::kQuantiles = kBounds;
const Rng::StrataF32 Rng::kStrataF32 = strata_f32_of(kBounds);

}  // namespace aimcsim
