#include "models/pcm_statistics.h"

namespace aimcsim::pcm {

ProgrammedDevice program(double g_target_us, const ProgStats& stats, double prog_noise_scale, double drift_scale,
                         Rng& rng) {
    const double n_prog = rng.normal();
    const double n_nu = rng.normal();
    ProgrammedDevice d;
    d.g_prog_us = static_cast<float>(std::max(0.0, g_target_us + prog_noise_scale * stats.sigma_prog_us * n_prog));
    d.nu = static_cast<float>(drift_scale * std::abs(stats.mu_nu + stats.sigma_nu * n_nu));
    return d;
}

double drift_factor(double t_s, double t0_s, double nu) { return std::pow(std::max(t_s, t0_s) / t0_s, -nu); }

double read_time_factor(double t_s, const Timing& timing) {
    const double arg = (std::max(t_s, timing.t0_s) + timing.t_read_s) / (2.0 * timing.t_read_s);
    return arg > 1.0 ? std::sqrt(std::log(arg)) : 0.0;
}

double read(const ProgrammedDevice& device, double t_s, const Timing& timing, double q_s, Rng& rng) {
    t_s = std::max(0.0, t_s);
    const double n_read = rng.normal();
    const double g_drift = device.g_prog_us * drift_factor(t_s, timing.t0_s, device.nu);
    const double sigma_read = q_s * read_time_factor(t_s, timing);
    return std::max(0.0, g_drift * (1.0 + sigma_read * n_read));
}

}  // namespace aimcsim::pcm
