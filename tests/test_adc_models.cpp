// ADC models against their closed forms. Statistical checks allow 5 standard
// errors; the variance that rounding adds is computed exactly, not assumed.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "adc/cco_adc.h"
#include "adc/ideal_adc.h"
#include "aimcsim/core/config.h"
#include "aimcsim/core/error.h"
#include "aimcsim/core/registry.h"

using namespace aimcsim;

namespace {

template <typename M> M make(const std::string& yaml) {
    return M(M::schema().parse(ConfigNode::parse_yaml(yaml, "test.yaml")));
}

const std::string kNoMismatch = "gain_sigma: 0\noffset_sigma_lsb: 0\nnoise_lsb: 0\n";

struct Moments {
    double mean = 0.0;
    double sd = 0.0;
};

template <typename T> Moments moments(const std::vector<T>& x) {
    double sum = 0.0;
    for (T v : x) sum += v;
    const double mean = sum / static_cast<double>(x.size());
    double ss = 0.0;
    for (T v : x) ss += (v - mean) * (v - mean);
    return {mean, std::sqrt(ss / static_cast<double>(x.size() - 1))};
}

double phi_cdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

// Exact std of round(mu + sigma Z): sum over the integers the normal can reach.
double rounded_normal_sd(double mu, double sigma) {
    double m1 = 0.0, m2 = 0.0;
    const int lo = static_cast<int>(std::floor(mu - 12 * sigma)) - 1;
    const int hi = static_cast<int>(std::ceil(mu + 12 * sigma)) + 1;
    for (int k = lo; k <= hi; ++k) {
        const double p = phi_cdf((k + 0.5 - mu) / sigma) - phi_cdf((k - 0.5 - mu) / sigma);
        m1 += k * p;
        m2 += static_cast<double>(k) * k * p;
    }
    return std::sqrt(m2 - m1 * m1);
}

std::vector<std::int32_t> convert_all(const AdcModel& adc, const std::vector<float>& v, Rng* noise) {
    std::vector<std::int32_t> c(v.size());
    adc.convert(v.data(), static_cast<int>(v.size()), c.data(), noise);
    return c;
}

}  // namespace

TEST_CASE("cco: 300 ps per LSB over 128 ns gives max_count 213", "[adc]") {
    const auto adc = make<CcoAdc>("");
    CHECK(adc.max_count() == 213);  // floor(128000 / 300 / 2)
    CHECK(adc.readout_cycles() == 1);
    CHECK(adc.conversion_cycles() == 0);
    CHECK(make<CcoAdc>("ps_per_lsb: 250\n").max_count() == 256);
    CHECK(make<CcoAdc>("window_ns: 512\n").max_count() == 853);
}

TEST_CASE("cco: without mismatch and noise the count is round(v * 213), clipped", "[adc]") {
    auto adc = make<CcoAdc>(kNoMismatch);
    std::vector<float> v;
    for (int i = -300; i <= 300; ++i) v.push_back(static_cast<float>(i * 0.005));  // -1.5 .. 1.5
    Rng mismatch(1, Stream::AdcMismatch);
    adc.setup(static_cast<int>(v.size()), mismatch);
    Rng noise(1, Stream::MvmNoise);
    const auto c = convert_all(adc, v, &noise);  // noise_lsb = 0: the rng must not matter
    for (std::size_t i = 0; i < v.size(); ++i) {
        const double expected = std::min(213.0, std::max(-213.0, std::round(static_cast<double>(v[i]) * 213.0)));
        CAPTURE(v[i]);
        REQUIRE(c[i] == static_cast<std::int32_t>(expected));
    }
    CHECK(convert_all(adc, {1.0F, -1.0F, 7.0F, -1e30F}, nullptr) == std::vector<std::int32_t>{213, -213, 213, -213});
}

TEST_CASE("cco: count noise of a constant input is noise_lsb plus rounding", "[adc]") {
    for (double noise_lsb : {0.5, 2.0}) {
        auto adc = make<CcoAdc>("gain_sigma: 0\noffset_sigma_lsb: 0\nnoise_lsb: " + std::to_string(noise_lsb) + "\n");
        Rng mismatch(1, Stream::AdcMismatch);
        adc.setup(1, mismatch);
        Rng noise(2, Stream::MvmNoise);
        const float v = 0.3F;
        const int n = 200000;
        std::vector<std::int32_t> c(n);
        for (auto& x : c) adc.convert(&v, 1, &x, &noise);
        const Moments s = moments(c);
        const double mu = static_cast<double>(v) * 213.0;
        const double sd = rounded_normal_sd(mu, noise_lsb);
        // For noise >~ 1 LSB rounding adds the uniform 1/12 LSB^2.
        if (noise_lsb >= 1.0) CHECK(sd == Approx(std::sqrt(noise_lsb * noise_lsb + 1.0 / 12.0)).epsilon(1e-6));
        CAPTURE(noise_lsb, sd, s.mean, s.sd);
        CHECK(std::abs(s.mean - mu) < 5.0 * sd / std::sqrt(n));
        CHECK(std::abs(s.sd - sd) < 5.0 * sd / std::sqrt(2.0 * n));
    }
}

TEST_CASE("cco: per-column gain and offset spread", "[adc]") {
    const int columns = 10000;
    SECTION("gain") {
        auto adc = make<CcoAdc>("gain_sigma: 0.02\noffset_sigma_lsb: 0\nnoise_lsb: 0\n");
        Rng mismatch(3, Stream::AdcMismatch);
        adc.setup(columns, mismatch);
        const Moments g = moments(adc.gains());
        CHECK(std::abs(g.mean - 1.0) < 5.0 * 0.02 / std::sqrt(columns));
        CHECK(std::abs(g.sd - 0.02) < 5.0 * 0.02 / std::sqrt(2.0 * columns));
        // Seen through the counts at half scale: sd = sqrt((0.02 * 106.5)^2 + 1/12).
        const auto c = convert_all(adc, std::vector<float>(columns, 0.5F), nullptr);
        const Moments s = moments(c);
        const double sd = std::sqrt(std::pow(0.02 * 106.5, 2) + 1.0 / 12.0);
        CHECK(std::abs(s.sd - sd) < 5.0 * sd / std::sqrt(2.0 * columns));
    }
    SECTION("offset") {
        auto adc = make<CcoAdc>("gain_sigma: 0\noffset_sigma_lsb: 3\nnoise_lsb: 0\n");
        Rng mismatch(4, Stream::AdcMismatch);
        adc.setup(columns, mismatch);
        const auto c = convert_all(adc, std::vector<float>(columns, 0.0F), nullptr);
        const Moments s = moments(c);
        const double sd = std::sqrt(9.0 + 1.0 / 12.0);
        CHECK(std::abs(s.mean) < 5.0 * sd / std::sqrt(columns));
        CHECK(std::abs(s.sd - sd) < 5.0 * sd / std::sqrt(2.0 * columns));
    }
}

TEST_CASE("cco: mismatch is reproducible from the seed", "[adc]") {
    auto a = make<CcoAdc>(""), b = make<CcoAdc>(""), c = make<CcoAdc>("");
    Rng ra(9, Stream::AdcMismatch, {0}), rb(9, Stream::AdcMismatch, {0}), rc(9, Stream::AdcMismatch, {1});
    a.setup(256, ra);
    b.setup(256, rb);
    c.setup(256, rc);
    CHECK(a.gains() == b.gains());
    CHECK(a.offsets_lsb() == b.offsets_lsb());
    CHECK(a.gains() != c.gains());
    CHECK(a.offsets_lsb() != c.offsets_lsb());
    const std::vector<float> v(256, 0.7F);
    CHECK(convert_all(a, v, nullptr) == convert_all(b, v, nullptr));
    CHECK(convert_all(a, v, nullptr) != convert_all(c, v, nullptr));
}

TEST_CASE("cco: nonlinearity is inl_lsb * sin(pi v)", "[adc]") {
    auto adc = make<CcoAdc>(kNoMismatch + "inl_lsb: 2\n");
    Rng mismatch(1, Stream::AdcMismatch);
    const std::vector<float> v{0.0F, 0.25F, -0.25F, 0.6F, 1.0F, -1.0F};
    adc.setup(static_cast<int>(v.size()), mismatch);
    const auto c = convert_all(adc, v, nullptr);
    for (std::size_t i = 0; i < v.size(); ++i) {
        const double x = static_cast<double>(v[i]);
        CHECK(c[i] == std::lround(x * 213.0 + 2.0 * std::sin(3.14159265358979323846 * x)));
    }
}

TEST_CASE("cco: energy is a fixed part plus a part linear in |count|", "[adc]") {
    const auto adc = make<CcoAdc>("");
    CHECK(adc.energy_per_conversion_pj(0) == Approx(1.5));
    CHECK(adc.energy_per_conversion_pj(100) == Approx(1.5 + 0.02 * 100));
    CHECK(adc.energy_per_conversion_pj(200) - adc.energy_per_conversion_pj(100) ==
          Approx(adc.energy_per_conversion_pj(100) - adc.energy_per_conversion_pj(0)));
    const std::vector<std::int32_t> counts{0, 100, -100, 213};
    CHECK(adc.energy_pj(counts.data(), 4) == Approx(4 * 1.5 + 0.02 * 413));
    CHECK(make<CcoAdc>("energy_fixed_pj: 0\nenergy_per_count_pj: 1\n").energy_pj(counts.data(), 4) == Approx(413));
}

TEST_CASE("cco: misuse and bad parameters are errors", "[adc]") {
    auto adc = make<CcoAdc>("");
    Rng mismatch(1, Stream::AdcMismatch);
    adc.setup(4, mismatch);
    const std::vector<float> v(8, 0.1F);
    std::vector<std::int32_t> c(8);
    CHECK_THROWS_AS(adc.convert(v.data(), 8, c.data(), nullptr), std::logic_error);
    CHECK_THROWS_AS(make<CcoAdc>("ps_per_lsb: 0\n"), ConfigError);
    CHECK_THROWS_AS(make<CcoAdc>("gain_sigma: -0.1\n"), ConfigError);
    CHECK_THROWS_AS(make<CcoAdc>("window_ns: 0.5\n"), ConfigError);  // under 2 periods: max_count 0
}

TEST_CASE("ideal adc: exact rounding to 2^(bits-1) - 1", "[adc]") {
    const auto adc16 = make<IdealAdc>("");
    CHECK(adc16.max_count() == 32767);
    CHECK(adc16.readout_cycles() == 1);
    CHECK(adc16.energy_per_conversion_pj(100) == 0.0);
    auto adc8 = make<IdealAdc>("bits: 8\nenergy_per_conversion_pj: 0.5\n");
    CHECK(adc8.max_count() == 127);
    Rng mismatch(1, Stream::AdcMismatch);
    adc8.setup(601, mismatch);
    std::vector<float> v;
    for (int i = -300; i <= 300; ++i) v.push_back(static_cast<float>(i * 0.005));
    Rng noise(1, Stream::MvmNoise);
    const auto c = convert_all(adc8, v, &noise);
    for (std::size_t i = 0; i < v.size(); ++i) {
        const double expected = std::min(127.0, std::max(-127.0, std::round(static_cast<double>(v[i]) * 127.0)));
        REQUIRE(c[i] == static_cast<std::int32_t>(expected));
    }
    CHECK(adc8.energy_pj(c.data(), 601) == Approx(0.5 * 601));
    CHECK(make<IdealAdc>("bits: 24\n").max_count() == 8388607);
    CHECK_THROWS_AS(make<IdealAdc>("bits: 1\n"), ConfigError);
    CHECK_THROWS_AS(make<IdealAdc>("bits: 25\n"), ConfigError);
}

TEST_CASE("adc models are registered and built from config", "[adc]") {
    auto& reg = Registry<AdcModel>::instance();
    CHECK(reg.has("cco"));
    CHECK(reg.has("ideal"));
    const auto cco = reg.create(ConfigNode::parse_yaml("model: cco\nps_per_lsb: 250\n", "test.yaml"));
    CHECK(cco->max_count() == 256);
    CHECK(reg.create(ConfigNode::parse_yaml("model: ideal\nbits: 10\n", "test.yaml"))->max_count() == 511);
    for (const char* name : {"cco", "ideal"}) {
        for (const auto& spec : reg.entries().at(name).schema.specs()) {
            CAPTURE(name, spec.name);
            CHECK_FALSE(spec.description.empty());
        }
    }
}
