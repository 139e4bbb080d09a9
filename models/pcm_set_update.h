// "pcm_set": the SET-pulse response of a PCM device, the exponential-step fit aihwkit ships
// as PCMPresetDevice for the Ge2Sb2Te5 devices of Nandakumar et al., Front. Neurosci. 2020
// (mixed-precision training on PCM). Mean step of a pulse from conductance g:
//   step(g) = step_min * g_max * (1 + a * exp(-gamma * g / g_max)),
// large on an amorphous device, falling towards step_min * g_max as the device
// crystallises, and the device saturates at its own g_sat (docs/training.md).
#pragma once

#include "aimcsim/update.h"

namespace aimcsim {

class PcmSetUpdate : public UpdateModel {
public:
    static ParamSchema schema();
    explicit PcmSetUpdate(const Params& p);

    [[nodiscard]] PulseDevice draw_device(double g_max_us, Rng& rng) const override;
    [[nodiscard]] double apply_set_pulses(double g_us, int pulses, const PulseDevice& device, double g_max_us,
                                          Rng& rng) const override;
    [[nodiscard]] double mean_step_us(double g_us, double g_max_us) const override;
    [[nodiscard]] double reset_us(double g_max_us, Rng& rng) const override;
    [[nodiscard]] PulseCosts costs() const override { return costs_; }

private:
    double step_min_;  // of g_max
    double a_;
    double gamma_;
    double step_dtod_;
    double step_c2c_;
    double g_sat_dtod_;
    double reset_mean_;  // of g_max
    double reset_sigma_;
    PulseCosts costs_;
};

}  // namespace aimcsim
