// "pcm": PCM statistics of Joshi et al., Nat. Commun. 2020, calibrated on IBM's
// million-device array (the equations of aihwkit's PCMLikeNoiseModel).
#pragma once

#include "aimcsim/core/params.h"
#include "aimcsim/device.h"
#include "models/pcm_statistics.h"
#include "models/read_asymmetry.h"

namespace aimcsim {

class PcmDevice : public DeviceModel {
public:
    static ParamSchema schema();
    explicit PcmDevice(const Params& p);

    [[nodiscard]] double g_max_us() const override { return g_max_us_; }
    void begin_block(const DeviceBlock& block) override { asymmetry_.begin_block(block); }
    [[nodiscard]] ProgrammedDevice program(double g_target_us, const DeviceSite& site, Rng& rng) override;
    [[nodiscard]] DeviceRead read(const ProgrammedDevice& device, const DeviceSite& site, double t_inference_s,
                                  Rng& rng) const override;
    [[nodiscard]] double state_bytes_per_device() const override { return asymmetry_.state_bytes_per_device(); }

    // g_max of the device the programming-noise fit was measured on (uS).
    static constexpr double kFitGMaxUs = 25.0;

    // The fit at r = g/g_max, without the user's scales (nor the g_max / 25 uS scaling of sigma_prog).
    [[nodiscard]] static pcm::ProgStats prog_stats(double r);
    // Read-noise amplitude Q_s at r_prog = g_prog/g_max, without read_noise_scale.
    [[nodiscard]] static double q_s(double r_prog);

private:
    double g_max_us_;
    pcm::Timing timing_;
    double prog_noise_scale_;
    double drift_scale_;
    double read_noise_scale_;
    ReadAsymmetry asymmetry_;
};

}  // namespace aimcsim
