// "projected_pcm": projected phase-change memory, as an aimcsim device plugin.
//
// A projected PCM cell puts a non-insulating projection segment in parallel with the
// amorphous phase-change volume, so the read current flows mostly through the
// projection: the device's resistance no longer follows the drifting, noisy
// amorphous state (Koelmans et al., Nat. Commun. 6, 8181 (2015): drift exponent
// reduced by about an order of magnitude, read noise much lower). With iterative
// program-and-verify it reaches precision comparable to 8-bit fixed point
// (Giannopoulos et al., IEDM 2018, "8-bit precision in-memory multiplication with
// projected phase-change memory").
//
// Same equations as the built-in `pcm` model (natural log throughout), r = g / g_max:
//   programming:  g_prog = max(0, g + prog_sigma_us * N(0,1))
//   drift:        nu = |nu_mean + nu_sigma * N(0,1)|,  g_drift = g_prog ((t + t0) / t0)^(-nu)
//   1/f noise:    Q_s = min(q_s / max(r_prog^0.65, 1e-3), q_s_max)
//                 sigma_read = Q_s sqrt(ln((t + t0 + t_read) / (2 t_read)))
//                 g = max(0, g_drift (1 + sigma_read N(0,1)))
// Defaults next to `pcm`: nu about 0.005 instead of about 0.05, Q_s 10x lower, and a
// programming error of one 8-bit step of g_max/255 instead of 0.3 to 1 uS.
#include <aimcsim/device.h>
#include <aimcsim/plugin.h>

#include <algorithm>
#include <cmath>

namespace {

using aimcsim::Params;
using aimcsim::ParamSchema;
using aimcsim::DeviceRead;
using aimcsim::DeviceSite;
using aimcsim::ProgrammedDevice;
using aimcsim::Rng;

class ProjectedPcmDevice : public aimcsim::DeviceModel {
public:
    static ParamSchema schema() {
        ParamSchema s;
        s.real("g_max_us", 25.0, "uS",
               "largest programmable conductance (assumed: the same 25 uS as `pcm`, so a tile maps weights alike)")
            .positive();
        s.real("prog_sigma_us", 0.1, "uS",
               "programming error std after program-and-verify; 0.1 uS = g_max/255, one 8-bit step (8-bit "
               "precision: Giannopoulos et al., IEDM 2018)")
            .at_least(0.0);
        s.real("nu_mean", 0.005, "",
               "mean drift exponent; ~10x below plain PCM's ~0.05 (Koelmans et al., Nat. Commun. 2015)")
            .at_least(0.0);
        s.real("nu_sigma", 0.002, "",
               "device-to-device std of the drift exponent (assumed: same ratio to the mean as PCM)")
            .at_least(0.0);
        s.real("q_s", 0.00088, "",
               "1/f read-noise coefficient; 10x below PCM's 0.0088 (assumed from the order-of-magnitude lower read "
               "noise of projected cells)")
            .at_least(0.0);
        s.real("q_s_max", 0.02, "", "cap of Q_s at low conductance (PCM: 0.2, scaled by the same 10x)").at_least(0.0);
        s.real("t0_s", 20.0, "s", "time from programming to the reference read that drift is measured from").positive();
        s.real("t_read_s", 250e-9, "s", "duration of one read: lower cut-off of the accumulated 1/f noise").positive();
        return s;
    }

    explicit ProjectedPcmDevice(const Params& p)
        : g_max_us_(p.real("g_max_us")), prog_sigma_us_(p.real("prog_sigma_us")), nu_mean_(p.real("nu_mean")),
          nu_sigma_(p.real("nu_sigma")), q_s_(p.real("q_s")), q_s_max_(p.real("q_s_max")), t0_s_(p.real("t0_s")),
          t_read_s_(p.real("t_read_s")) {}

    [[nodiscard]] double g_max_us() const override { return g_max_us_; }

    [[nodiscard]] ProgrammedDevice program(double g_target_us, const DeviceSite& /*site*/, Rng& rng) override {
        ProgrammedDevice d;
        // Always two draws per device, so one parameter never shifts another's draws.
        const double n_prog = rng.normal();
        const double n_nu = rng.normal();
        d.g_prog_us = static_cast<float>(std::max(0.0, g_target_us + prog_sigma_us_ * n_prog));
        d.nu = static_cast<float>(std::fabs(nu_mean_ + nu_sigma_ * n_nu));
        return d;
    }

    // A projected cell conducts through its projection liner: read the same under V+ and V-
    // (assumed: the liner's I-V is ohmic, which is why projection suppresses drift and noise).
    [[nodiscard]] DeviceRead read(const ProgrammedDevice& d, const DeviceSite& /*site*/, double t_s,
                                  Rng& rng) const override {
        const double g = conductance(d, t_s, rng);
        return {g, g};
    }

private:
    [[nodiscard]] double conductance(const ProgrammedDevice& d, double t_s, Rng& rng) const {
        const double n_read = rng.normal();
        if (d.g_prog_us <= 0.0F) return 0.0;
        const double g_drift = d.g_prog_us * std::pow((t_s + t0_s_) / t0_s_, -static_cast<double>(d.nu));
        const double r = std::max(0.0, static_cast<double>(d.g_prog_us) / g_max_us_);
        const double q = std::min(q_s_ / std::max(std::pow(r, 0.65), 1e-3), q_s_max_);
        const double sigma_read = q * std::sqrt(std::log((t_s + t0_s_ + t_read_s_) / (2.0 * t_read_s_)));
        return std::max(0.0, g_drift * (1.0 + sigma_read * n_read));
    }

    double g_max_us_, prog_sigma_us_, nu_mean_, nu_sigma_, q_s_, q_s_max_, t0_s_, t_read_s_;
};

}  // namespace

AIMCSIM_PLUGIN() {
    aimcsim::register_model<aimcsim::DeviceModel, ProjectedPcmDevice>(
        "projected_pcm", "projected PCM (Koelmans 2015, Giannopoulos 2018): ~10x lower drift and 1/f noise, 8-bit "
                         "programming precision");
}
