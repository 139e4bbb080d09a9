// "hermes_pcm": PCM statistics fitted on IBM's 64-core HERMES chip (Le Gallo et
// al., Nat. Electron. 2023; aihwkit's HermesNoiseModel). The fit depends on how
// many devices share one polarity of a weight: configure_cell() picks the set.
// Both fits were measured on the programmed polarity group (for 2 devices the pair
// as one conductance up to 20.7 uS), so the tile draws once per polarity.
#pragma once

#include "aimcsim/core/params.h"
#include "aimcsim/device.h"
#include "models/pcm_statistics.h"
#include "models/read_asymmetry.h"

namespace aimcsim {

class HermesPcmDevice : public DeviceModel {
public:
    static ParamSchema schema();
    explicit HermesPcmDevice(const Params& p);

    // 1 or 2 (the default); anything else is an InputError.
    void configure_cell(int devices_per_polarity) override;

    [[nodiscard]] double g_max_us() const override;
    void begin_block(const DeviceBlock& block) override { asymmetry_.begin_block(block); }
    [[nodiscard]] ProgrammedDevice program(double g_target_us, const DeviceSite& site, Rng& rng) override;
    [[nodiscard]] DeviceRead read(const ProgrammedDevice& device, const DeviceSite& site, double t_inference_s,
                                  Rng& rng) const override;
    [[nodiscard]] double state_bytes_per_device() const override { return asymmetry_.state_bytes_per_device(); }
    [[nodiscard]] bool polarity_level_fit() const override { return true; }

    [[nodiscard]] int devices_per_polarity() const { return devices_per_polarity_; }
    [[nodiscard]] double t0_s() const { return timing().t0_s; }

    // The fit at r = g/g_max for a cell of 1 or 2 devices per polarity, without the user's scales.
    [[nodiscard]] static pcm::ProgStats prog_stats(double r, int devices_per_polarity);
    [[nodiscard]] static double q_s(double r_prog, int devices_per_polarity);

private:
    [[nodiscard]] pcm::Timing timing() const;

    int devices_per_polarity_ = 2;
    double prog_noise_scale_;
    double drift_scale_;
    double read_noise_scale_;
    ReadAsymmetry asymmetry_;
};

}  // namespace aimcsim
