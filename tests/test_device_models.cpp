// Device models against the closed forms of docs/physics.md ("PCM device statistics", "HERMES fit"). The expected
// values are computed here from the equations, independently of the models'
// code; statistical checks allow 5 standard errors of the sample size.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "aimcsim/core/config.h"
#include "aimcsim/core/error.h"
#include "aimcsim/core/registry.h"
#include "models/hermes_pcm_device.h"
#include "models/ideal_device.h"
#include "models/pcm_device.h"

using namespace aimcsim;

namespace {

template <typename M> M make(const std::string& yaml) {
    return M(M::schema().parse(ConfigNode::parse_yaml(yaml, "test.yaml")));
}

struct Moments {
    double mean = 0.0;
    double sd = 0.0;
};

Moments moments(const std::vector<double>& x) {
    double sum = 0.0;
    for (double v : x) sum += v;
    const double mean = sum / static_cast<double>(x.size());
    double ss = 0.0;
    for (double v : x) ss += (v - mean) * (v - mean);
    return {mean, std::sqrt(ss / static_cast<double>(x.size() - 1))};
}

constexpr double kPi = 3.14159265358979323846;

double clip(double x, double lo, double hi) { return std::min(std::max(x, lo), hi); }
double phi_cdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

// E[a^(-|mu + sigma Z|)], Z ~ N(0,1), by Simpson's rule over z in [-10, 10].
double expected_drift_factor(double a, double mu, double sigma) {
    const int n = 4000;
    const double lo = -10.0;
    const double h = 20.0 / n;
    double sum = 0.0;
    for (int i = 0; i <= n; ++i) {
        const double z = lo + i * h;
        const double f = std::exp(-0.5 * z * z) / std::sqrt(2.0 * kPi) * std::pow(a, -std::abs(mu + sigma * z));
        sum += f * (i == 0 || i == n ? 1.0 : (i % 2 == 1 ? 4.0 : 2.0));
    }
    return sum * h / 3.0;
}

// Mean and std of the folded normal |mu + sigma Z|.
Moments folded_normal(double mu, double sigma) {
    const double mean = sigma * std::sqrt(2.0 / kPi) * std::exp(-mu * mu / (2 * sigma * sigma)) +
                        mu * (1.0 - 2.0 * phi_cdf(-mu / sigma));
    return {mean, std::sqrt(mu * mu + sigma * sigma - mean * mean)};
}

// Reference fits typed from docs/physics.md.
double joshi_sigma_prog(double r) { return std::max(0.0, 0.26348 + 1.9650 * r - 1.1731 * r * r); }
double joshi_mu_nu(double r) { return clip(-0.0155 * std::log(r) + 0.0244, 0.049, 0.1); }
double joshi_sigma_nu(double r) { return clip(-0.0125 * std::log(r) - 0.0059, 0.008, 0.045); }
double joshi_q_s(double r) { return std::min(0.0088 / std::max(std::pow(r, 0.65), 1e-3), 0.2); }

double hermes_sigma_prog(double r, int n) {
    return n == 1 ? 0.15781817 + 2.32443916 * r - 2.16310839 * r * r + 0.68841818 * r * r * r
                  : 0.16603222 + 4.71806468 * r - 8.48101252 * r * r + 4.68961419 * r * r * r;
}
double hermes_mu_nu(double r) {
    return r < 0.0945 ? clip(-0.0387 * std::log(r) - 0.0182, 0.0720, 0.13) : -0.0436 * r * r - 0.0126 * r + 0.0736;
}
double hermes_sigma_nu(double r, int n) {
    if (n == 1)
        return r < 0.3039 ? clip(-0.0120 * std::log(r) - 0.0023, 0.0124, 0.04) : -0.0165 * r * r + 0.0116 * r + 0.0104;
    return r < 0.3055 ? clip(-0.0117 * std::log(r) - 0.0057, 0.0091, 0.04) : -0.0118 * r * r + 0.0093 * r + 0.0073;
}
double hermes_q_s(double r, int n) {
    if (n == 1)
        return r < 0.1591 ? clip(-0.0078 * std::log(r) + 0.0038, 0.0179, 0.04)
                          : 0.0664 * r * r * r - 0.1352 * r * r + 0.0768 * r + 0.0088;
    return r < 0.16 ? clip(-0.0117 * std::log(r) - 0.0069, 0.015, 0.04)
                    : 0.0069 * r * r * r - 0.0280 * r * r + 0.0211 * r + 0.0123;
}

constexpr int kN = 200000;

std::vector<ProgrammedDevice> program_many(DeviceModel& m, double g_us, std::uint64_t seed) {
    Rng rng(seed, Stream::Programming);
    std::vector<ProgrammedDevice> d(kN);
    for (auto& x : d) x = m.program(g_us, DeviceSite{}, rng);
    return d;
}

// Checks the sample std of g_prog at target g against sigma_prog (and the mean against g).
void check_prog_noise(DeviceModel& m, double g_us, double sigma_expected) {
    std::vector<double> g;
    for (const auto& d : program_many(m, g_us, 11)) g.push_back(d.g_prog_us);
    const Moments s = moments(g);
    CAPTURE(g_us, sigma_expected, s.mean, s.sd);
    CHECK(std::abs(s.mean - g_us) < 5.0 * sigma_expected / std::sqrt(kN));
    CHECK(std::abs(s.sd - sigma_expected) < 5.0 * sigma_expected / std::sqrt(2.0 * kN));
}

// Relative std of g(t)/g_prog at t (the model must have no drift and no prog noise).
Moments read_ratio(DeviceModel& m, double g_us, double t_s) {
    Rng read_rng(5, Stream::ReadNoise1f);
    std::vector<double> ratio;
    for (const auto& d : program_many(m, g_us, 12))
        ratio.push_back(m.read(d, DeviceSite{}, t_s, read_rng).g_us / d.g_prog_us);
    return moments(ratio);
}

}  // namespace

TEST_CASE("pcm: programming noise std follows sigma_prog(r)", "[device]") {
    auto m = make<PcmDevice>("drift_scale: 0\nread_noise_scale: 0\n");
    for (double r : {0.1, 0.5, 0.9}) check_prog_noise(m, r * 25.0, joshi_sigma_prog(r));
}

TEST_CASE("pcm: mean drift factor at 1 h after programming matches E[(t/t0)^-|nu|]", "[device]") {
    auto m = make<PcmDevice>("prog_noise_scale: 0\nread_noise_scale: 0\n");
    const double t_s = 3600.0;
    const double a = t_s / 20.0;  // time counts from the end of programming, drift from t0 = 20 s
    // r = 0.5: mu_nu and sigma_nu at their lower clips; 0.1: both unclipped; 0.01: |nu| folds a visible tail.
    for (double r : {0.5, 0.1, 0.01}) {
        Rng read_rng(3, Stream::ReadNoise1f);
        std::vector<double> factor;
        for (const auto& d : program_many(m, r * 25.0, 21)) {
            const double g = m.read(d, DeviceSite{}, t_s, read_rng).g_us;
            // Without read noise each device drifts exactly by its own nu.
            REQUIRE(g == Approx(d.g_prog_us * std::pow(a, -static_cast<double>(d.nu))).epsilon(1e-12));
            factor.push_back(g / d.g_prog_us);
        }
        const Moments s = moments(factor);
        const double expected = expected_drift_factor(a, joshi_mu_nu(r), joshi_sigma_nu(r));
        CAPTURE(r, expected, s.mean, s.sd);
        CHECK(std::abs(s.mean - expected) < 5.0 * s.sd / std::sqrt(kN));
    }
}

TEST_CASE("pcm: no drift before t0, read noise there as at t0", "[device]") {
    auto m = make<PcmDevice>("prog_noise_scale: 0\nread_noise_scale: 0\n");
    Rng rng(4, Stream::Programming);
    for (int i = 0; i < 100; ++i) {
        const ProgrammedDevice d = m.program(10.0, DeviceSite{}, rng);
        REQUIRE(d.nu > 0.0F);
        for (double t_s : {0.0, 1.0, 20.0}) REQUIRE(m.read(d, DeviceSite{}, t_s, rng).g_us == d.g_prog_us);
        REQUIRE(m.read(d, DeviceSite{}, 40.0, rng).g_us ==
                Approx(d.g_prog_us * std::pow(2.0, -static_cast<double>(d.nu))));
    }
}

TEST_CASE("pcm: programming noise scales with g_max / 25 uS (aihwkit)", "[device]") {
    auto m = make<PcmDevice>("g_max_us: 10\ndrift_scale: 0\nread_noise_scale: 0\n");
    for (double r : {0.1, 0.5, 0.9}) check_prog_noise(m, r * 10.0, joshi_sigma_prog(r) * 10.0 / 25.0);
}

TEST_CASE("pcm: drift exponents are |N(mu_nu, sigma_nu)|", "[device]") {
    auto m = make<PcmDevice>("");
    for (double r : {0.01, 0.1, 0.5}) {
        std::vector<double> nu;
        for (const auto& d : program_many(m, r * 25.0, 32)) nu.push_back(d.nu);
        const Moments s = moments(nu);
        const Moments e = folded_normal(joshi_mu_nu(r), joshi_sigma_nu(r));
        CAPTURE(r, e.mean, e.sd, s.mean, s.sd);
        CHECK(std::abs(s.mean - e.mean) < 5.0 * e.sd / std::sqrt(kN));
        CHECK(std::abs(s.sd - e.sd) < 5.0 * e.sd / std::sqrt(2.0 * kN));
    }
}

TEST_CASE("pcm: relative read noise after one day matches sigma_read", "[device]") {
    auto m = make<PcmDevice>("prog_noise_scale: 0\ndrift_scale: 0\n");
    const double t_s = 86400.0;
    for (double r : {0.5, 0.9}) {
        const double sigma_read = joshi_q_s(r) * std::sqrt(std::log((t_s + 250e-9) / (2 * 250e-9)));
        const Moments s = read_ratio(m, r * 25.0, t_s);
        CAPTURE(r, sigma_read, s.mean, s.sd);
        CHECK(std::abs(s.mean - 1.0) < 5.0 * sigma_read / std::sqrt(kN));
        CHECK(std::abs(s.sd - sigma_read) < 5.0 * sigma_read / std::sqrt(2.0 * kN));
    }
}

TEST_CASE("pcm: a device programmed to 0 stays finite and non-negative", "[device]") {
    auto m = make<PcmDevice>("");
    Rng rng(1, Stream::Programming);
    for (int i = 0; i < 1000; ++i) {
        const ProgrammedDevice d = m.program(0.0, DeviceSite{}, rng);
        REQUIRE(std::isfinite(d.g_prog_us));
        REQUIRE(d.g_prog_us >= 0.0F);
        REQUIRE(std::isfinite(d.nu));
        for (double t_s : {0.0, 1.0, 1e6}) {
            const double g = m.read(d, DeviceSite{}, t_s, rng).g_us;
            REQUIRE(std::isfinite(g));
            REQUIRE(g >= 0.0);
        }
    }
}

TEST_CASE("pcm: same seed gives the same devices", "[device]") {
    auto m = make<PcmDevice>("");
    Rng a(7, Stream::Programming, {1}), b(7, Stream::Programming, {1}), c(7, Stream::Programming, {2});
    const ProgrammedDevice da = m.program(10.0, DeviceSite{}, a), db = m.program(10.0, DeviceSite{}, b),
                           dc = m.program(10.0, DeviceSite{}, c);
    CHECK(da.g_prog_us == db.g_prog_us);
    CHECK(da.nu == db.nu);
    CHECK(da.g_prog_us != dc.g_prog_us);
}

TEST_CASE("hermes_pcm: g_max, t0 and programming noise for one and two devices per polarity", "[device]") {
    auto m = make<HermesPcmDevice>("drift_scale: 0\nread_noise_scale: 0\n");
    CHECK(m.g_max_us() == Approx(20.7));  // default: two devices per polarity
    for (int n : {1, 2}) {
        m.configure_cell(n);
        const double g_max = n == 1 ? 10.35 : 20.7;
        CHECK(m.g_max_us() == Approx(g_max));
        CHECK(m.t0_s() == Approx(n == 1 ? 200.0 : 300.0));
        for (double r : {0.2, 0.5, 0.9}) {
            CAPTURE(n, r);
            check_prog_noise(m, r * g_max, hermes_sigma_prog(r, n));
        }
    }
    CHECK_THROWS_AS(m.configure_cell(3), InputError);
}

TEST_CASE("hermes_pcm: drift exponents on both sides of the piecewise breakpoints", "[device]") {
    auto m = make<HermesPcmDevice>("");
    for (int n : {1, 2}) {
        m.configure_cell(n);
        // 0.05: log branches of mu_nu and sigma_nu; 0.2: polynomial mu_nu, log sigma_nu; 0.5: both polynomial.
        for (double r : {0.05, 0.2, 0.5}) {
            std::vector<double> nu;
            for (const auto& d : program_many(m, r * m.g_max_us(), 31)) nu.push_back(d.nu);
            const Moments s = moments(nu);
            const Moments e = folded_normal(hermes_mu_nu(r), hermes_sigma_nu(r, n));
            CAPTURE(n, r, e.mean, e.sd, s.mean, s.sd);
            CHECK(std::abs(s.mean - e.mean) < 5.0 * e.sd / std::sqrt(kN));
            CHECK(std::abs(s.sd - e.sd) < 5.0 * e.sd / std::sqrt(2.0 * kN));
        }
    }
}

TEST_CASE("hermes_pcm: drift uses t0 of the cell size, read noise follows Q_s", "[device]") {
    SECTION("drift") {
        auto m = make<HermesPcmDevice>("prog_noise_scale: 0\nread_noise_scale: 0\n");
        for (int n : {1, 2}) {
            m.configure_cell(n);
            const double t0_s = n == 1 ? 200.0 : 300.0;
            Rng rng(2, Stream::Programming);
            for (int i = 0; i < 100; ++i) {
                const ProgrammedDevice d = m.program(0.3 * m.g_max_us(), DeviceSite{}, rng);
                const double g = m.read(d, DeviceSite{}, 1000.0, rng).g_us;
                REQUIRE(g == Approx(d.g_prog_us * std::pow(1000.0 / t0_s, -static_cast<double>(d.nu))).epsilon(1e-12));
            }
        }
    }
    SECTION("read noise") {
        auto m = make<HermesPcmDevice>("prog_noise_scale: 0\ndrift_scale: 0\n");
        const double t_s = 86400.0;
        for (int n : {1, 2}) {
            m.configure_cell(n);
            for (double r : {0.1, 0.5}) {  // both sides of the Q_s breakpoint (~0.16)
                const float g_us = static_cast<float>(r * m.g_max_us());
                const double sigma_read =
                    hermes_q_s(g_us / m.g_max_us(), n) * std::sqrt(std::log((t_s + 512e-9) / (2 * 512e-9)));
                const Moments s = read_ratio(m, g_us, t_s);
                CAPTURE(n, r, sigma_read, s.mean, s.sd);
                CHECK(std::abs(s.mean - 1.0) < 5.0 * sigma_read / std::sqrt(kN));
                CHECK(std::abs(s.sd - sigma_read) < 5.0 * sigma_read / std::sqrt(2.0 * kN));
            }
        }
    }
}

TEST_CASE("ideal device returns exactly what was programmed", "[device]") {
    auto m = make<IdealDevice>("");
    CHECK(m.is_ideal());
    CHECK(m.g_max_us() == 25.0);
    Rng rng(1, Stream::Programming);
    for (int i = 0; i < 1000; ++i) {
        const double g_us = static_cast<float>(25.0 * rng.uniform());  // representable in the stored float
        const ProgrammedDevice d = m.program(g_us, DeviceSite{}, rng);
        CHECK(d.g_prog_us == g_us);
        CHECK(d.nu == 0.0F);
        for (double t_s : {0.0, 3600.0, 3.15e7}) CHECK(m.read(d, DeviceSite{}, t_s, rng).g_us == g_us);
    }
}

TEST_CASE("device models are registered and built from config", "[device]") {
    auto& reg = Registry<DeviceModel>::instance();
    CHECK(reg.has("pcm"));
    CHECK(reg.has("hermes_pcm"));
    CHECK(reg.has("ideal"));
    const auto m = reg.create(ConfigNode::parse_yaml("model: pcm\ng_max_us: 30\n", "test.yaml"));
    CHECK(m->g_max_us() == 30.0);
    CHECK_FALSE(m->is_ideal());
    CHECK(reg.create(ConfigNode::parse_yaml("model: ideal\n", "test.yaml"))->is_ideal());
    CHECK(reg.create(ConfigNode::parse_yaml("model: hermes_pcm\n", "test.yaml"))->g_max_us() == Approx(20.7));
}

TEST_CASE("device schema rejects out-of-range values with key and range", "[device]") {
    const ParamSchema schema = PcmDevice::schema();
    std::string range;
    for (const auto& s : schema.specs()) {
        CHECK_FALSE(s.description.empty());
        if (s.name == "g_max_us") range = s.range_str();
    }
    REQUIRE_FALSE(range.empty());
    try {
        (void)schema.parse(ConfigNode::parse_yaml("g_max_us: -1\n", "test.yaml"));
        FAIL("g_max_us: -1 was accepted");
    } catch (const ConfigError& e) {
        const std::string msg = e.what();
        CHECK_THAT(msg, Catch::Contains("g_max_us"));
        CHECK_THAT(msg, Catch::Contains(range));
    }
    CHECK_THROWS_AS(schema.parse(ConfigNode::parse_yaml("drift_scale: -0.5\n", "test.yaml")), ConfigError);
    CHECK_THROWS_AS(HermesPcmDevice::schema().parse(ConfigNode::parse_yaml("read_noise_scale: -1\n", "test.yaml")),
                    ConfigError);
}
