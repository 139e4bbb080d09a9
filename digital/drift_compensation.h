// Global drift compensation (GDC): right after programming the tile is read with a
// fixed set of calibration inputs and the mean |output| is kept as a reference; at
// inference time the same inputs are read again and outputs are scaled digitally by
// reference / now. One scalar per tile, applied in the LDPU.
#pragma once

#include <cstdint>
#include <vector>

#include "aimcsim/core/params.h"
#include "aimcsim/core/rng.h"

namespace aimcsim {

class DriftCompensation {
public:
    static ParamSchema schema();
    explicit DriftCompensation(const Params& p);

    [[nodiscard]] bool enabled() const { return enabled_; }
    [[nodiscard]] double t_reference_s() const { return t_reference_s_; }
    [[nodiscard]] int vectors() const { return vectors_; }

    // The calibration inputs: `vectors` random signed codes per row, fixed per tile
    // (signed, like real activations into a signed-input crossbar, so no polarity
    // partial sum saturates in four-phase mode).
    [[nodiscard]] std::vector<std::int8_t> calibration_inputs(int rows, int max_code, const Rng& base) const;

    // Scale applied at inference: reference / now (1 if `now` is 0).
    [[nodiscard]] static double factor(double reference, double now) { return now > 0.0 ? reference / now : 1.0; }

private:
    bool enabled_;
    int vectors_;
    double t_reference_s_;
};

}  // namespace aimcsim
