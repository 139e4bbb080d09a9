#include "models/hermes_pcm_device.h"

#include <algorithm>
#include <string>

#include "aimcsim/core/error.h"
#include "aimcsim/core/registry.h"

namespace aimcsim {

namespace {
constexpr double kTReadS = 512e-9;  // same for both cell sizes
}  // namespace

ParamSchema HermesPcmDevice::schema() {
    ParamSchema s;
    s.real("prog_noise_scale", 1.0, "", "multiplies the fitted programming-noise std sigma_prog").at_least(0.0);
    s.real("drift_scale", 1.0, "", "multiplies each device's drift exponent nu (0 = no drift)").at_least(0.0);
    s.real("read_noise_scale", 1.0, "", "multiplies the fitted 1/f read-noise amplitude Q_s").at_least(0.0);
    ReadAsymmetry::add_params(s);
    return s;
}

HermesPcmDevice::HermesPcmDevice(const Params& p)
    : prog_noise_scale_(p.real("prog_noise_scale")), drift_scale_(p.real("drift_scale")),
      read_noise_scale_(p.real("read_noise_scale")), asymmetry_(p) {}

void HermesPcmDevice::configure_cell(int devices_per_polarity) {
    if (devices_per_polarity != 1 && devices_per_polarity != 2) {
        throw InputError("hermes_pcm device: the HERMES fit exists for 1 or 2 devices per polarity, not " +
                         std::to_string(devices_per_polarity));
    }
    devices_per_polarity_ = devices_per_polarity;
}

double HermesPcmDevice::g_max_us() const { return devices_per_polarity_ == 1 ? 10.35 : 20.7; }

pcm::Timing HermesPcmDevice::timing() const { return {devices_per_polarity_ == 1 ? 200.0 : 300.0, kTReadS}; }

pcm::ProgStats HermesPcmDevice::prog_stats(double r, int devices_per_polarity) {
    const double ln_r = pcm::log_ratio(r);
    const double r2 = r * r;
    const double r3 = r2 * r;
    pcm::ProgStats s;
    s.mu_nu = r < 0.0945 ? pcm::clip(-0.0387 * ln_r - 0.0182, 0.0720, 0.13) : -0.0436 * r2 - 0.0126 * r + 0.0736;
    if (devices_per_polarity == 1) {
        s.sigma_prog_us = 0.15781817 + 2.32443916 * r - 2.16310839 * r2 + 0.68841818 * r3;
        s.sigma_nu = r < 0.3039 ? pcm::clip(-0.0120 * ln_r - 0.0023, 0.0124, 0.04) : -0.0165 * r2 + 0.0116 * r + 0.0104;
    } else {
        s.sigma_prog_us = 0.16603222 + 4.71806468 * r - 8.48101252 * r2 + 4.68961419 * r3;
        s.sigma_nu = r < 0.3055 ? pcm::clip(-0.0117 * ln_r - 0.0057, 0.0091, 0.04) : -0.0118 * r2 + 0.0093 * r + 0.0073;
    }
    // The cubic fits are only calibrated on [0, 1]; keep them non-negative if a target strays past g_max.
    s.sigma_prog_us = std::max(0.0, s.sigma_prog_us);
    s.sigma_nu = std::max(0.0, s.sigma_nu);
    return s;
}

double HermesPcmDevice::q_s(double r_prog, int devices_per_polarity) {
    const double r = r_prog;
    const double ln_r = pcm::log_ratio(r);
    double q = 0.0;
    if (devices_per_polarity == 1) {
        q = r < 0.1591 ? pcm::clip(-0.0078 * ln_r + 0.0038, 0.0179, 0.04)
                       : 0.0664 * r * r * r - 0.1352 * r * r + 0.0768 * r + 0.0088;
    } else {
        q = r < 0.16 ? pcm::clip(-0.0117 * ln_r - 0.0069, 0.015, 0.04)
                     : 0.0069 * r * r * r - 0.0280 * r * r + 0.0211 * r + 0.0123;
    }
    return std::max(0.0, q);
}

ProgrammedDevice HermesPcmDevice::program(double g_target_us, const DeviceSite& /*site*/, Rng& rng) {
    return pcm::program(g_target_us, prog_stats(g_target_us / g_max_us(), devices_per_polarity_), prog_noise_scale_,
                        drift_scale_, rng);
}

DeviceRead HermesPcmDevice::read(const ProgrammedDevice& device, const DeviceSite& site, double t_inference_s,
                                 Rng& rng) const {
    const double q = read_noise_scale_ * q_s(device.g_prog_us / g_max_us(), devices_per_polarity_);
    const double g = pcm::read(device, t_inference_s, timing(), q, rng);
    return {g, g * asymmetry_.factor(site)};
}

AIMCSIM_REGISTER(DeviceModel, HermesPcmDevice, "hermes_pcm",
                 "PCM statistics fitted on the 64-core HERMES chip, 1 or 2 devices per polarity (aihwkit "
                 "HermesNoiseModel)");

}  // namespace aimcsim
