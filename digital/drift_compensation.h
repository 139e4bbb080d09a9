// Global drift compensation (GDC): a reference read is kept per tile and at inference
// time outputs are scaled digitally by reference / now. One scalar per tile, applied
// in the LDPU. Two reference protocols (docs/physics.md, "Drift compensation"):
//   chip    - as the silicon does it: right after programming (t_reference_s) the tile
//             reads a fixed set of calibration vectors through its ADCs and keeps the
//             sum of |outputs|; the same vectors are read again at inference time. The
//             calibration reads use an ADC range of their own, set from the target
//             weights, so they never clip whatever range the block's data calibrated.
//   aihwkit - aihwkit's GlobalDriftCompensation: the mean |y| of one-hot reads of the
//             freshly programmed weights (no drift, no read noise), against the mean |y|
//             of one-hot reads at inference time (read from the array, before the ADC).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "aimcsim/core/params.h"
#include "aimcsim/core/rng.h"

namespace aimcsim {

enum class GdcReference { Chip, Aihwkit };

class DriftCompensation {
public:
    static ParamSchema schema();
    explicit DriftCompensation(const Params& p);

    [[nodiscard]] bool enabled() const { return enabled_; }
    [[nodiscard]] GdcReference reference() const { return reference_; }
    [[nodiscard]] double t_reference_s() const { return t_reference_s_; }
    [[nodiscard]] int vectors() const { return vectors_; }

    // The chip protocol's calibration inputs: `vectors` random signed codes per row,
    // fixed per tile (signed, like real activations into a signed-input crossbar).
    [[nodiscard]] std::vector<std::int8_t> calibration_inputs(int rows, int max_code, const Rng& base) const;

    // Column full scale (sum of w_norm * x_norm) for the chip protocol's calibration
    // reads: kHeadroom times the largest ideal |column value| of the calibration inputs
    // on the target weights w_norm (rows x cols) - or, with `unipolar_ratio` > 0 (four-phase
    // mode, whose partial sums of one sign pair are converted at ratio * range), the
    // largest partial sum / ratio if that is larger. Noise and drift move outputs by a few
    // percent, and drift only lowers them, so the reads stay inside the range.
    [[nodiscard]] static double calibration_range(const std::vector<float>& w_norm, int rows, int cols,
                                                  const std::vector<std::int8_t>& x, int max_code,
                                                  double unipolar_ratio);
    static constexpr double kHeadroom = 1.25;

    // Scale applied at inference: reference / now (1 if `now` is 0).
    [[nodiscard]] static double factor(double reference, double now) { return now > 0.0 ? reference / now : 1.0; }

private:
    bool enabled_;
    GdcReference reference_;
    int vectors_;
    double t_reference_s_;
};

}  // namespace aimcsim
