// Local digital processing unit of a tile: turns ADC counts back into real units
// (per-column affine: scale, offset), and, for the layer, adds partial sums, bias,
// applies the activation and requantises to the next layer's input codes.
#pragma once

#include <cmath>
#include <cstdint>

#include "aimcsim/core/params.h"
#include "aimcsim/core/rounding.h"

namespace aimcsim {

enum class Activation { None, Relu };

class Ldpu {
public:
    static ParamSchema schema();
    explicit Ldpu(const Params& p);

    // Cycles to post-process `cols` columns: columns go through `lanes` parallel
    // lanes, each op (affine, bias, activation, requantisation) in cycles_per_column.
    [[nodiscard]] int cycles(int cols) const { return ((cols + lanes_ - 1) / lanes_) * cycles_per_column_; }
    [[nodiscard]] double energy_pj(int cols) const { return cols * energy_per_column_pj_; }
    [[nodiscard]] double partial_sum_energy_pj(int cols) const { return cols * energy_per_add_pj_; }
    // Combining the counts of `phases` conversions per column into one signed value
    // (four-phase: c(x+,w+) - c(x+,w-) - c(x-,w+) + c(x-,w-)) takes phases - 1 adds per
    // column, each like a partial-sum add; one phase needs none.
    [[nodiscard]] double phase_combine_energy_pj(int cols, int phases) const {
        return cols * (phases - 1) * energy_per_add_pj_;
    }
    [[nodiscard]] double static_power_mw() const { return static_power_mw_; }
    [[nodiscard]] int lanes() const { return lanes_; }

    // y = scale * (count - offset), in single precision as the LDPU's datapath (and the
    // float outputs) hold it: one rounding of the scale, one of the product.
    static void affine(const std::int32_t* counts, int n, double scale, const float* offset, float* y) {
        const auto s = static_cast<float>(scale);
        for (int j = 0; j < n; ++j) y[j] = s * (static_cast<float>(counts[j]) - (offset ? offset[j] : 0.0F));
    }
    // The drift compensation of outputs, y * gdc in single precision (as affine()).
    static void compensate(float* y, int n, double gdc) {
        const auto g = static_cast<float>(gdc);
        for (int j = 0; j < n; ++j) y[j] *= g;
    }
    // affine() without offset, then compensate(), in one pass: the same roundings.
    static void affine_compensate(const std::int32_t* counts, int n, double scale, double gdc, float* y) {
        const auto s = static_cast<float>(scale), g = static_cast<float>(gdc);
        for (int j = 0; j < n; ++j) y[j] = s * static_cast<float>(counts[j]) * g;
    }

    static float activate(float v, Activation a) { return a == Activation::Relu && v < 0.0F ? 0.0F : v; }

    // Real value -> signed code of `bits` bits (sign + magnitude), saturating.
    static std::int8_t requantize(float v, float scale, int bits) {
        return static_cast<std::int8_t>(round_clamp(v / scale, (1 << (bits - 1)) - 1));
    }

private:
    int lanes_;
    int cycles_per_column_;
    double energy_per_column_pj_;
    double energy_per_add_pj_;
    double static_power_mw_;
};

}  // namespace aimcsim
