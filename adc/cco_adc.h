// "cco": the HERMES current-controlled-oscillator ADC. Each column's oscillator
// runs at a frequency proportional to its current and a counter counts its edges
// during the integration window, so the count is the integrated charge:
// window_ns / ps_per_lsb levels (128 ns / 300 ps = ~427), split over the signed
// range: max_count = floor(window_ns * 1000 / ps_per_lsb / 2) = 213.
//
// count_j = clip(round(gain_j * v * max_count + offset_j + inl(v) + noise), -max_count, max_count)
// with gain_j = 1 + gain_sigma N and offset_j = offset_sigma_lsb N drawn once per column
// (the residue after digital calibration), noise = noise_lsb N drawn per conversion
// (thermal, shot and read-to-read noise, output-referred), and a smooth odd
// nonlinearity inl(v) = inl_lsb * sin(pi * clip(v, -1, 1)): zero at 0 and at the
// ends of the range (which calibration pins), largest (inl_lsb) at |v| = 1/2.
#pragma once

#include <cstdint>
#include <vector>

#include "aimcsim/adc.h"
#include "aimcsim/core/params.h"

namespace aimcsim {

class CcoAdc : public AdcModel {
public:
    static ParamSchema schema();
    explicit CcoAdc(const Params& p);

    void setup(int columns, Rng& mismatch_rng) override;
    // Requires n <= the columns of setup() (std::logic_error otherwise).
    void convert(const float* value_fs, int n, std::int32_t* counts, Rng* noise_rng) const override;

    // The reads' noise streams drawn side by side (src/core/normal_lanes.h): the counts
    // convert() gives each read with its own stream, bit for bit.
    void convert_batch(const float* value_fs, int m, std::size_t ld, int windows, int n, std::int32_t* counts,
                       const RngKeyPrefix* noise_key, const std::uint64_t* noise_ids) const override;

    [[nodiscard]] int max_count() const override { return max_count_; }
    [[nodiscard]] int readout_cycles() const override { return readout_cycles_; }
    [[nodiscard]] double energy_pj(const std::int32_t* counts, int n) const override;
    [[nodiscard]] double energy_per_conversion_pj(double abs_count) const override;

    // Per-column mismatch drawn by setup().
    [[nodiscard]] const std::vector<double>& gains() const { return gain_; }
    [[nodiscard]] const std::vector<double>& offsets_lsb() const { return offset_lsb_; }

private:
    int max_count_;
    int readout_cycles_;
    double gain_sigma_;
    double offset_sigma_lsb_;
    double noise_lsb_;
    double inl_lsb_;
    double energy_fixed_pj_;
    double energy_per_count_pj_;
    std::vector<double> gain_;
    std::vector<double> offset_lsb_;
    // The noisy hot loop's factors in float: gain_j * max_count and offset_j. Its sums stay
    // below 2^9, where float resolves 2^-15 LSB, far under the 0.5 LSB of noise.
    std::vector<float> gain_max_;
    std::vector<float> offset_f_;
};

}  // namespace aimcsim
