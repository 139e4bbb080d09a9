#include "models/pcm_set_update.h"

#include <algorithm>
#include <cmath>

#include "aimcsim/core/registry.h"

namespace aimcsim {

// aihwkit's PCMPresetDevice works in weight units with w in [0, w_max = 2]; here every
// value is a fraction of the device model's g_max (w / 2), so its dw_min 0.01 is 0.005,
// its z = -w (a = -1 over the range 2) with gamma_up 2.5 is exp(-5 g/g_max), and its
// reset 0.01 +- 0.02 is 0.005 +- 0.01 of g_max.
ParamSchema PcmSetUpdate::schema() {
    ParamSchema s;
    s.real("step_min", 0.005, "",
           "mean step of a SET pulse on a fully crystalline device, as a fraction of g_max (aihwkit PCMPresetDevice "
           "dw_min 0.01 of w_max 2, fit to Nandakumar et al. 2020)")
        .positive();
    s.real("a", 27.235, "",
           "how much larger the step of an amorphous device is: step(0) = step_min (1 + a) (aihwkit PCMPresetDevice "
           "A_up, sign folded)")
        .at_least(0.0);
    s.real("gamma", 5.0, "",
           "decay of the step with g/g_max (aihwkit PCMPresetDevice gamma_up 2.5 over its range of 2)")
        .at_least(0.0);
    s.real("step_dtod", 0.2, "", "device-to-device relative spread of the step (aihwkit dw_min_dtod)").at_least(0.0);
    s.real("step_c2c", 0.6, "", "cycle-to-cycle relative std of one pulse's step (aihwkit dw_min_std)").at_least(0.0);
    s.real("g_sat_dtod", 0.1, "", "device-to-device relative spread of the saturation conductance (aihwkit w_max_dtod)")
        .at_least(0.0);
    s.real("reset_mean", 0.005, "", "conductance after RESET, fraction of g_max (aihwkit reset 0.01 of w_max 2)")
        .at_least(0.0);
    s.real("reset_sigma", 0.01, "", "spread of the conductance after RESET, fraction of g_max (aihwkit reset_dtod)")
        .at_least(0.0);
    s.real("set_pulse_ns", 50.0, "ns", "duration of one SET pulse (# assumed: 50 ns, the order of PCM SET pulses)")
        .positive();
    s.real("set_pulse_pj", 7.5, "pJ",
           "energy of one SET pulse (# assumed: ~100 uA at ~1.5 V for 50 ns)")
        .at_least(0.0);
    s.real("reset_pulse_ns", 30.0, "ns", "duration of one RESET pulse (# assumed)").positive();
    s.real("reset_pulse_pj", 15.0, "pJ", "energy of one RESET pulse (# assumed: ~300 uA at ~1.7 V for 30 ns)")
        .at_least(0.0);
    s.real("verify_read_ns", 100.0, "ns", "one verify read of program-and-verify (# assumed)").positive();
    s.integer("program_iterations", 10, "",
              "program-and-verify iterations of a refresh (# assumed: the iterative programming of the inference "
              "chips needs ~10-20)")
        .range(1, 1000);
    return s;
}

PcmSetUpdate::PcmSetUpdate(const Params& p)
    : step_min_(p.real("step_min")), a_(p.real("a")), gamma_(p.real("gamma")), step_dtod_(p.real("step_dtod")),
      step_c2c_(p.real("step_c2c")), g_sat_dtod_(p.real("g_sat_dtod")), reset_mean_(p.real("reset_mean")),
      reset_sigma_(p.real("reset_sigma")) {
    costs_.set_ns = p.real("set_pulse_ns");
    costs_.set_pj = p.real("set_pulse_pj");
    costs_.reset_ns = p.real("reset_pulse_ns");
    costs_.reset_pj = p.real("reset_pulse_pj");
    costs_.verify_read_ns = p.real("verify_read_ns");
    costs_.program_iterations = static_cast<int>(p.integer("program_iterations"));
}

PulseDevice PcmSetUpdate::draw_device(double g_max_us, Rng& rng) const {
    // Both normals are always drawn, so a spread of 0 does not shift later draws.
    const double step = 1.0 + step_dtod_ * rng.normal();
    const double sat = 1.0 + g_sat_dtod_ * rng.normal();
    PulseDevice d;
    d.step_scale = static_cast<float>(std::max(0.0, step));
    d.g_sat_us = static_cast<float>(g_max_us * std::max(0.1, sat));
    return d;
}

double PcmSetUpdate::mean_step_us(double g_us, double g_max_us) const {
    return step_min_ * g_max_us * (1.0 + a_ * std::exp(-gamma_ * std::max(0.0, g_us) / g_max_us));
}

double PcmSetUpdate::apply_set_pulses(double g_us, int pulses, const PulseDevice& device, double g_max_us,
                                      Rng& rng) const {
    double g = g_us;
    for (int k = 0; k < pulses; ++k) {
        const double mean = device.step_scale * mean_step_us(g, g_max_us);
        // A SET pulse only crystallises: a step is never negative.
        g += std::max(0.0, mean * (1.0 + step_c2c_ * rng.normal()));
        g = std::min(g, static_cast<double>(device.g_sat_us));
    }
    return g;
}

double PcmSetUpdate::reset_us(double g_max_us, Rng& rng) const {
    return std::max(0.0, g_max_us * (reset_mean_ + reset_sigma_ * rng.normal()));
}

AIMCSIM_REGISTER(UpdateModel, PcmSetUpdate, "pcm_set",
                 "PCM SET-pulse response (exponential step of aihwkit PCMPresetDevice, Nandakumar et al. 2020)");

}  // namespace aimcsim
