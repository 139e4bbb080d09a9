// Equations shared by the PCM device models ("pcm", "hermes_pcm"): programming
// noise, drift and accumulated 1/f read noise (docs/physics.md, "PCM device statistics"). The fits
// differ only in their coefficients, which the models compute and pass in.
#pragma once

#include <algorithm>
#include <cmath>

#include "aimcsim/core/rng.h"
#include "aimcsim/device.h"

namespace aimcsim::pcm {

// Smallest g/g_max used inside a logarithm: a device programmed to 0 (or drifted
// there) still gets finite, clipped statistics instead of ln(0) = -inf.
inline constexpr double kMinRatio = 1e-7;

[[nodiscard]] inline double clip(double x, double lo, double hi) { return std::min(std::max(x, lo), hi); }
[[nodiscard]] inline double log_ratio(double r) { return std::log(std::max(r, kMinRatio)); }

// Fitted statistics of one device at a target g/g_max, before the user's scales.
struct ProgStats {
    double sigma_prog_us = 0.0;  // programming noise std
    double mu_nu = 0.0;          // drift exponent mean
    double sigma_nu = 0.0;       // drift exponent std
};

// Times of a PCM fit. Time t counts from the end of programming (the one time origin
// of the simulator); the fit's programmed conductance is the one measured at t0, so a
// device read at any t <= t0 has not drifted yet, and at t > t0 by (t / t0)^-nu.
// aihwkit counts its t_inference from t0 instead: t_inference = max(t, t0) - t0.
struct Timing {
    double t0_s = 20.0;        // time from programming to the first read the fit is relative to
    double t_read_s = 250e-9;  // duration of one read (lower cut-off of the 1/f noise)
};

// g_prog = max(0, g + scale*sigma_prog*N); nu = drift_scale*|mu_nu + sigma_nu*N|.
// Both normals are always drawn, so a scale of 0 does not shift later draws.
[[nodiscard]] ProgrammedDevice program(double g_target_us, const ProgStats& stats, double prog_noise_scale,
                                       double drift_scale, Rng& rng);

// (max(t, t0) / t0)^(-nu).
[[nodiscard]] double drift_factor(double t_s, double t0_s, double nu);

// sqrt(ln((max(t, t0) + t_read) / (2 t_read))): the accumulated 1/f noise grows with
// the log of the observed bandwidth; 0 where the log would be negative.
[[nodiscard]] double read_time_factor(double t_s, const Timing& timing);

// max(0, g_drift (1 + q_s*time_factor*N)) with g_drift = g_prog (max(t, t0)/t0)^-nu.
// `q_s` already includes the user's read_noise_scale. Negative times count as 0.
[[nodiscard]] double read(const ProgrammedDevice& device, double t_s, const Timing& timing, double q_s, Rng& rng);

}  // namespace aimcsim::pcm
