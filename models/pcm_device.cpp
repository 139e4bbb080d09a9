#include "models/pcm_device.h"

#include <algorithm>
#include <cmath>

#include "aimcsim/core/registry.h"

namespace aimcsim {

ParamSchema PcmDevice::schema() {
    ParamSchema s;
    s.real("g_max_us", 25.0, "uS", "largest programmable conductance of one device").positive();
    s.real("t0_s", 20.0, "s",
           "time after programming of the first read that drift is measured from (the fit's programmed "
           "conductance; no drift before it)")
        .positive();
    s.real("t_read_s", 250e-9, "s", "duration of one read: lower frequency cut-off of the accumulated 1/f noise")
        .positive();
    s.real("prog_noise_scale", 1.0, "", "multiplies the fitted programming-noise std sigma_prog").at_least(0.0);
    s.real("drift_scale", 1.0, "", "multiplies each device's drift exponent nu (0 = no drift)").at_least(0.0);
    s.real("read_noise_scale", 1.0, "", "multiplies the fitted 1/f read-noise amplitude Q_s").at_least(0.0);
    ReadAsymmetry::add_params(s);
    return s;
}

PcmDevice::PcmDevice(const Params& p)
    : g_max_us_(p.real("g_max_us")), timing_{p.real("t0_s"), p.real("t_read_s")},
      prog_noise_scale_(p.real("prog_noise_scale")), drift_scale_(p.real("drift_scale")),
      read_noise_scale_(p.real("read_noise_scale")), asymmetry_(p) {}

pcm::ProgStats PcmDevice::prog_stats(double r) {
    const double ln_r = pcm::log_ratio(r);
    pcm::ProgStats s;
    s.sigma_prog_us = std::max(0.0, 0.26348 + 1.9650 * r - 1.1731 * r * r);
    s.mu_nu = pcm::clip(-0.0155 * ln_r + 0.0244, 0.049, 0.1);
    s.sigma_nu = pcm::clip(-0.0125 * ln_r - 0.0059, 0.008, 0.045);
    return s;
}

double PcmDevice::q_s(double r_prog) {
    return std::min(0.0088 / std::max(std::pow(std::max(r_prog, 0.0), 0.65), 1e-3), 0.2);
}

ProgrammedDevice PcmDevice::program(double g_target_us, const DeviceSite& /*site*/, Rng& rng) {
    pcm::ProgStats stats = prog_stats(g_target_us / g_max_us_);
    // The fit is in uS at the measured g_max: another g_max scales the noise with it (as aihwkit does).
    stats.sigma_prog_us *= g_max_us_ / kFitGMaxUs;
    return pcm::program(g_target_us, stats, prog_noise_scale_, drift_scale_, rng);
}

DeviceRead PcmDevice::read(const ProgrammedDevice& device, const DeviceSite& site, double t_inference_s,
                           Rng& rng) const {
    const double q = read_noise_scale_ * q_s(device.g_prog_us / g_max_us_);
    const double g = pcm::read(device, t_inference_s, timing_, q, rng);
    return {g, g * asymmetry_.factor(site)};
}

AIMCSIM_REGISTER(DeviceModel, PcmDevice, "pcm", "PCM statistics of Joshi et al. 2020 (aihwkit PCMLikeNoiseModel)");

}  // namespace aimcsim
