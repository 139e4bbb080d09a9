// "ideal": a signed uniform quantizer of `bits` bits, no mismatch, no noise:
// count = clip(round(v * max_count), -max_count, max_count), max_count = 2^(bits-1) - 1.
#pragma once

#include <cstdint>

#include "aimcsim/adc.h"
#include "aimcsim/core/params.h"

namespace aimcsim {

class IdealAdc : public AdcModel {
public:
    static ParamSchema schema();
    explicit IdealAdc(const Params& p);

    void setup(int /*columns*/, Rng& /*mismatch_rng*/) override {}
    void convert(const float* value_fs, int n, std::int32_t* counts, Rng* noise_rng) const override;

    [[nodiscard]] int max_count() const override { return max_count_; }
    [[nodiscard]] int readout_cycles() const override { return readout_cycles_; }
    [[nodiscard]] double energy_pj(const std::int32_t* /*counts*/, int n) const override {
        return energy_per_conversion_pj_ * n;
    }
    [[nodiscard]] double energy_per_conversion_pj(double /*abs_count*/) const override {
        return energy_per_conversion_pj_;
    }

private:
    int max_count_;
    int readout_cycles_;
    double energy_per_conversion_pj_;
};

}  // namespace aimcsim
