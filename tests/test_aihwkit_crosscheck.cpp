// Statistical cross-check of the tile's effective weights against reference values
// derived here from the equations of aihwkit's PCMLikeNoiseModel, HermesNoiseModel and
// GlobalDriftCompensation (written out below, independently of models/ and tiles/):
// the drift scale (mean effective weight / target), the residual noise (std of the
// effective weight) and, with drift compensation, the GDC factor and compensated gain,
// for pcm and hermes_pcm with 1 and 2 devices per polarity, over several seeds. The
// expectations are one-dimensional integrals (Simpson's rule); the tolerances are 5
// standard errors of the sample statistic (closed forms, given per check).
//
// Time: aimcsim counts t from the end of programming; aihwkit's t_inference counts from
// the fit's first read t0, so aihwkit is evaluated at t_inference = max(t, t0) - t0.
// Cells: aihwkit maps a weight on one conductance per polarity (SinglePairConductance-
// Converter), the other polarity programmed to 0. HermesNoiseModel's 2-device fit
// describes the pair as that one conductance (g_max 20.7 uS). PCMLikeNoiseModel
// describes one device; aimcsim's pcm with 2 devices per polarity sums two independent
// such devices and divides by 2 g_max (a modelling choice: same mean, half the variance).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "aimcsim/core/config.h"
#include "aimcsim/core/registry.h"
#include "aimcsim/tile.h"
#include "tiles/hermes_tile.h"

using namespace aimcsim;

namespace {

constexpr double kPi = 3.14159265358979323846;
double clip(double x, double lo, double hi) { return std::min(std::max(x, lo), hi); }
double phi(double z) { return std::exp(-0.5 * z * z) / std::sqrt(2.0 * kPi); }
double cdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

// E[f(Z)], Z ~ N(0, 1), Simpson's rule on [-10, 10].
double expect(const std::function<double(double)>& f) {
    const int n = 4000;
    const double h = 20.0 / n;
    double sum = 0.0;
    for (int i = 0; i <= n; ++i) {
        const double z = -10.0 + i * h;
        sum += phi(z) * f(z) * (i == 0 || i == n ? 1.0 : (i % 2 == 1 ? 4.0 : 2.0));
    }
    return sum * h / 3.0;
}

// One aihwkit noise model: the fits as functions of g/g_max (uS for sigma_prog).
struct Fit {
    double g_max = 25.0, t0 = 20.0, t_read = 250e-9;
    std::function<double(double)> sigma_prog, mu_nu, sigma_nu, q_s;
};

Fit pcm_like() {
    Fit f;
    f.sigma_prog = [](double r) { return (0.26348 + 1.9650 * r - 1.1731 * r * r) * (25.0 / 25.0); };
    f.mu_nu = [](double r) { return clip(-0.0155 * std::log(std::max(r, 1e-7)) + 0.0244, 0.049, 0.1); };
    f.sigma_nu = [](double r) { return clip(-0.0125 * std::log(std::max(r, 1e-7)) - 0.0059, 0.008, 0.045); };
    f.q_s = [](double r) { return std::min(0.0088 / std::max(std::pow(r, 0.65), 1e-3), 0.2); };
    return f;
}

Fit hermes(int n) {
    Fit f;
    f.g_max = n == 1 ? 10.35 : 20.7;
    f.t0 = n == 1 ? 200.0 : 300.0;
    f.t_read = 512e-9;
    f.sigma_prog = [n](double r) {
        return n == 1 ? 0.15781817 + 2.32443916 * r - 2.16310839 * r * r + 0.68841818 * r * r * r
                      : 0.16603222 + 4.71806468 * r - 8.48101252 * r * r + 4.68961419 * r * r * r;
    };
    f.mu_nu = [](double r) {
        const double lr = std::log(std::max(r, 1e-7));
        return r < 0.0945 ? clip(-0.0387 * lr - 0.0182, 0.0720, 0.13) : -0.0436 * r * r - 0.0126 * r + 0.0736;
    };
    f.sigma_nu = [n](double r) {
        const double lr = std::log(std::max(r, 1e-7));
        if (n == 1)
            return r < 0.3039 ? clip(-0.0120 * lr - 0.0023, 0.0124, 0.04) : -0.0165 * r * r + 0.0116 * r + 0.0104;
        return r < 0.3055 ? clip(-0.0117 * lr - 0.0057, 0.0091, 0.04) : -0.0118 * r * r + 0.0093 * r + 0.0073;
    };
    f.q_s = [n](double r) {
        const double lr = std::log(std::max(r, 1e-7));
        if (n == 1)
            return r < 0.1591 ? clip(-0.0078 * lr + 0.0038, 0.0179, 0.04)
                              : 0.0664 * r * r * r - 0.1352 * r * r + 0.0768 * r + 0.0088;
        return r < 0.16 ? clip(-0.0117 * lr - 0.0069, 0.015, 0.04)
                        : 0.0069 * r * r * r - 0.0280 * r * r + 0.0211 * r + 0.0123;
    };
    return f;
}

struct TwoMoments {
    double m1 = 0.0, m2 = 0.0;  // E[g], E[g^2] in uS, uS^2
};

// One conductance of aihwkit's model programmed to g_target, read at aimcsim time t
// (t < 0: right after programming, without drift or read noise, as GDC's baseline).
// g_prog = max(0, g + sigma_prog N1); nu = |mu + sigma N2|; g(t) = max(0, g_prog a^-nu (1 + s N3))
// with a = T / t0, T = t_inference + t0, s = q_s(g_prog/g_max) sqrt(ln((T + t_read) / (2 t_read))).
TwoMoments conductance(const Fit& f, double g_target, double t) {
    const double r = g_target / f.g_max;
    const double sp = f.sigma_prog(r);
    const auto g_prog = [&](double z) { return std::max(0.0, g_target + sp * z); };
    if (t < 0.0) return {expect(g_prog), expect([&](double z) { return g_prog(z) * g_prog(z); })};
    const double t_inference = std::max(t, f.t0) - f.t0;
    const double T = t_inference + f.t0;
    const double a = T / f.t0;
    const double mu = f.mu_nu(r), sn = f.sigma_nu(r);
    const double d1 = expect([&](double z) { return std::pow(a, -std::abs(mu + sn * z)); });
    const double d2 = expect([&](double z) { return std::pow(a, -2.0 * std::abs(mu + sn * z)); });
    const double tf = std::sqrt(std::log((T + f.t_read) / (2.0 * f.t_read)));
    // E[max(0, 1 + sN)] and E[max(0, 1 + sN)^2].
    const auto c1 = [](double s) { return s <= 0.0 ? 1.0 : cdf(1.0 / s) + s * phi(1.0 / s); };
    const auto c2 = [](double s) { return s <= 0.0 ? 1.0 : (1.0 + s * s) * cdf(1.0 / s) + s * phi(1.0 / s); };
    const double e1 = expect([&](double z) {
        const double g = g_prog(z);
        return g * c1(f.q_s(g / f.g_max) * tf);
    });
    const double e2 = expect([&](double z) {
        const double g = g_prog(z);
        return g * g * c2(f.q_s(g / f.g_max) * tf);
    });
    return {d1 * e1, d2 * e2};
}

// Mean and variance of the normalised weight of a cell at target level r in (0, 1]:
// `k` independent conductances per polarity, summed and divided by k g_max.
struct WeightStats {
    double mean = 0.0, var = 0.0;
};
WeightStats weight(const Fit& f, int k, double r, double t) {
    const TwoMoments on = conductance(f, r * f.g_max, t), off = conductance(f, 0.0, t);
    const double norm = k * f.g_max;
    return {k * (on.m1 - off.m1) / norm, k * ((on.m2 - on.m1 * on.m1) + (off.m2 - off.m1 * off.m1)) / (norm * norm)};
}

// Sample moments of one level: mean, std, and the fourth central moment.
struct Sample {
    double n = 0, mean = 0, sd = 0, m4 = 0;
};
Sample sample(const std::vector<double>& x) {
    Sample s;
    s.n = static_cast<double>(x.size());
    for (double v : x) s.mean += v;
    s.mean /= s.n;
    double m2 = 0.0;
    for (double v : x) {
        const double d = (v - s.mean) * (v - s.mean);
        m2 += d;
        s.m4 += d * d;
    }
    s.sd = std::sqrt(m2 / (s.n - 1));
    s.m4 /= s.n;
    return s;
}

const std::vector<double> kLevels = {0.25, 0.5, 0.75, 1.0};

// A 256 x 256 block cycling through +-level: every level has the same number of cells.
WeightBlock level_block() {
    WeightBlock b;
    b.rows = 256;
    b.cols = 256;
    for (int i = 0; i < b.rows * b.cols; ++i) {
        const double level = kLevels[static_cast<std::size_t>(i % 4)];
        b.weights.push_back(static_cast<float>((i / 4) % 2 == 0 ? level : -level));
    }
    return b;
}

std::unique_ptr<TileModel> make_tile(const std::string& device, int n, bool gdc) {
    const std::string yaml =
        "device: {model: " + device + "}\ndevices_per_polarity: " + std::to_string(n) +
        "\nadc: {model: ideal, bits: 20}\noutput_range: 64\ngdc: {enabled: " + (gdc ? "true" : "false") +
        ", reference: aihwkit}\n";
    return Registry<TileModel>::instance().create(ConfigNode::parse_yaml(yaml, "tile.yaml"));
}

// The effective weights of each level (sign folded in), read from the crossbar.
std::vector<std::vector<double>> level_weights(const TileModel& tile, const WeightBlock& b) {
    const auto& xb = dynamic_cast<const HermesTile&>(tile).crossbar();
    std::vector<std::vector<double>> out(kLevels.size());
    for (int i = 0; i < b.rows * b.cols; ++i) {
        const double sign = b.weights[static_cast<std::size_t>(i)] > 0 ? 1.0 : -1.0;
        out[static_cast<std::size_t>(i % 4)].push_back(sign * xb.w_eff(i / b.cols, i % b.cols));
    }
    return out;
}

void cross_check(const std::string& device, int n, const Fit& fit, int k) {
    const WeightBlock b = level_block();
    for (std::uint64_t seed : {1, 2, 3}) {
        for (double t : {1.0, 3600.0, 86400.0}) {
            CAPTURE(device, n, seed, t);
            // GDC off: drift scale and residual noise of every level.
            auto off = make_tile(device, n, false);
            off->program(b, TileKey{seed, 0});
            off->set_time(t);
            const auto levels = level_weights(*off, b);
            double sum_prog = 0.0, sum_now = 0.0, var_prog = 0.0, var_now = 0.0;
            std::vector<WeightStats> ref(kLevels.size());
            for (std::size_t l = 0; l < kLevels.size(); ++l) {
                const double r = kLevels[l];
                ref[l] = weight(fit, k, r, t);
                const WeightStats prog = weight(fit, k, r, -1.0);
                sum_prog += prog.mean;
                sum_now += ref[l].mean;
                var_prog += prog.var / kLevels.size();
                var_now += ref[l].var / kLevels.size();
                const Sample s = sample(levels[l]);
                CAPTURE(r, ref[l].mean / r, s.mean / r, std::sqrt(ref[l].var), s.sd);
                // Mean: SE = sd / sqrt(N). Std: SE = sqrt((m4 - sd^4) / N) / (2 sd).
                CHECK(std::abs(s.mean - ref[l].mean) < 5.0 * std::sqrt(ref[l].var / s.n));
                const double se_sd = std::sqrt(std::max(s.m4 - std::pow(s.sd, 4), 0.0) / s.n) / (2.0 * s.sd);
                CHECK(std::abs(s.sd - std::sqrt(ref[l].var)) < 5.0 * se_sd);
            }
            // GDC on (aihwkit protocol): factor = mean |w_prog| / mean |w(t)| over the block. The
            // levels are >= 0.25, where P(w < 0) < 1e-3, so E|w| = E[w] to well below the SE.
            // SE of the ratio (delta method, the covariance term dropped: it only narrows it).
            auto on = make_tile(device, n, true);
            on->program(b, TileKey{seed, 0});
            on->set_time(t);
            const double cells = static_cast<double>(b.rows) * b.cols;
            const double alpha = sum_prog / sum_now;
            const double mp = sum_prog / kLevels.size(), mt = sum_now / kLevels.size();
            const double se_alpha = alpha * std::sqrt(var_prog / (cells * mp * mp) + var_now / (cells * mt * mt));
            CAPTURE(alpha, on->gdc_factor());
            CHECK(std::abs(on->gdc_factor() - alpha) < 5.0 * se_alpha);
            // Compensated gain of each level: factor * mean w / r against alpha E[w] / r.
            const auto comp = level_weights(*on, b);
            for (std::size_t l = 0; l < kLevels.size(); ++l) {
                const Sample s = sample(comp[l]);
                const double gain = on->gdc_factor() * s.mean / kLevels[l];
                const double expected = alpha * ref[l].mean / kLevels[l];
                const double se = expected * (se_alpha / alpha + std::sqrt(ref[l].var / s.n) / ref[l].mean);
                CAPTURE(kLevels[l], gain, expected);
                CHECK(std::abs(gain - expected) < 5.0 * se);
            }
        }
    }
}

}  // namespace

TEST_CASE("aihwkit cross-check: pcm, 1 device per polarity (PCMLikeNoiseModel)", "[crosscheck][device][gdc]") {
    cross_check("pcm", 1, pcm_like(), 1);
}

TEST_CASE("aihwkit cross-check: pcm, 2 devices per polarity (two PCMLikeNoiseModel devices summed)",
          "[crosscheck][device][gdc]") {
    cross_check("pcm", 2, pcm_like(), 2);
}

TEST_CASE("aihwkit cross-check: hermes_pcm, 1 device per polarity (HermesNoiseModel num_devices=1)",
          "[crosscheck][device][gdc]") {
    cross_check("hermes_pcm", 1, hermes(1), 1);
}

TEST_CASE("aihwkit cross-check: hermes_pcm, 2 devices per polarity (HermesNoiseModel num_devices=2)",
          "[crosscheck][device][gdc]") {
    cross_check("hermes_pcm", 2, hermes(2), 1);
}
