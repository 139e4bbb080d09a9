// Column ADC models. Pluggable axis "adc" (`tile.adc.model`).
// The tile hands the ADC each column's integrated value normalised to the ADC's
// full scale (1.0 = the charge that gives the largest count); the ADC returns counts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "aimcsim/core/params.h"
#include "aimcsim/core/registry.h"
#include "aimcsim/random_streams.h"

namespace aimcsim {

class AdcModel {
public:
    static constexpr const char* kAxis = "adc";
    static constexpr const char* kDefaultModel = "cco";
    virtual ~AdcModel() = default;

    // Draws what is fixed per column (gain/offset mismatch, nonlinearity) once.
    virtual void setup(int columns, Rng& mismatch_rng) = 0;

    // Converts `n` columns. `noise_rng` supplies per-conversion noise (nullptr: no noise).
    // Counts are clipped to [-max_count(), max_count()].
    virtual void convert(const float* value_fs, int n, std::int32_t* counts, Rng* noise_rng) const = 0;

    // convert() of m reads at once. Read k has `windows` conversions of n columns each
    // (window w's values at value_fs + k * ld + w * n, its counts at the same offset of
    // `counts`), all drawing their noise, window after window, from one stream
    // Rng(*noise_key, {noise_ids[k]}); noise_key nullptr: no noise. Default: convert()
    // window by window with that stream; a model may draw the streams side by side.
    virtual void convert_batch(const float* value_fs, int m, std::size_t ld, int windows, int n, std::int32_t* counts,
                               const RngKeyPrefix* noise_key, const std::uint64_t* noise_ids) const {
        for (int k = 0; k < m; ++k) {
            const std::size_t row = static_cast<std::size_t>(k) * ld;
            if (noise_key == nullptr) {
                for (int w = 0; w < windows; ++w)
                    convert(value_fs + row + static_cast<std::size_t>(w) * n, n, counts + row + static_cast<std::size_t>(w) * n,
                            nullptr);
                continue;
            }
            Rng noise(*noise_key, {noise_ids[k]});
            for (int w = 0; w < windows; ++w)
                convert(value_fs + row + static_cast<std::size_t>(w) * n, n, counts + row + static_cast<std::size_t>(w) * n,
                        &noise);
        }
    }

    // Largest magnitude of a count; value_fs = 1.0 maps to this count.
    [[nodiscard]] virtual int max_count() const = 0;

    // Cycles after the integration window ends until the counts are latched.
    [[nodiscard]] virtual int readout_cycles() const = 0;

    // Extra cycles the conversion adds to the integration window itself
    // (0 for a CCO, which converts while integrating; a SAR converts after).
    [[nodiscard]] virtual int conversion_cycles() const { return 0; }

    // Energy of converting these counts, in pJ (fixed part plus count-dependent part).
    [[nodiscard]] virtual double energy_pj(const std::int32_t* counts, int n) const = 0;

    // Energy of one conversion at a given |count| (for peak-efficiency figures).
    [[nodiscard]] virtual double energy_per_conversion_pj(double abs_count) const = 0;
};

}  // namespace aimcsim
