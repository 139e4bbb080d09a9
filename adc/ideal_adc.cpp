#include "adc/ideal_adc.h"

#include "aimcsim/core/rounding.h"

#include <cmath>

#include "aimcsim/core/registry.h"

namespace aimcsim {

ParamSchema IdealAdc::schema() {
    ParamSchema s;
    s.integer("bits", 16, "bits", "resolution including sign: max_count = 2^(bits-1) - 1").range(2, 24);
    s.integer("readout_cycles", 1, "cycles", "cycles after the window until the counts are latched").at_least(0);
    s.real("energy_per_conversion_pj", 0.0, "pJ", "energy of one conversion, independent of the count").at_least(0.0);
    return s;
}

IdealAdc::IdealAdc(const Params& p)
    : max_count_((1 << (p.integer("bits") - 1)) - 1), readout_cycles_(static_cast<int>(p.integer("readout_cycles"))),
      energy_per_conversion_pj_(p.real("energy_per_conversion_pj")) {}

void IdealAdc::convert(const float* value_fs, int n, std::int32_t* counts, Rng* /*noise_rng*/) const {
    const double max = max_count_;
    for (int j = 0; j < n; ++j) {
        const double x = static_cast<double>(value_fs[j]) * max;
        counts[j] = round_clamp(x, max);
    }
}

AIMCSIM_REGISTER(AdcModel, IdealAdc, "ideal", "exact signed quantizer of `bits` bits: no mismatch, no noise");

}  // namespace aimcsim
