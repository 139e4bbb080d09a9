// Keyed normal streams drawn side by side (src/core/normal_lanes.h) and the ADC's batched
// conversion built on them: the same bits as one stream at a time, the N(0,1) moments
// and tails of the closed form, and a thread pool whose results do not depend on which
// thread runs an item.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <tuple>
#include <vector>

#include "adc/cco_adc.h"
#include "aimcsim/core/registry.h"
#include "aimcsim/random_streams.h"
#include "src/core/normal_lanes.h"
#include "src/core/parallel.h"
#include "src/core/simd_clones.h"

using namespace aimcsim;

TEST_CASE("keyed normals: every stream gets its normals_f32() values bit for bit, tails included", "[rng]") {
    const RngKeyPrefix key = Rng::prefix(7, Stream::MvmNoise, {12});
    // 8197 values per stream: each of the 11 streams meets the outer strata (1 in 2048
    // halves) about four times. With AVX-512, m = 8, 11 and 13 take one vector of eight
    // lanes, 16 and 29 two side by side (29 = 16 + 8 + 4 + 1); with AVX2, 8 to 13 take two
    // groups of four, 4 and 5 one. Counts 37, 8197, 2, 15, 16 and 33 leave 3, 1, 1, 4, 0
    // and 1 draws (pairs) past the last whole eight values (written lane by lane); the odd
    // ones drop a drawn pair's second value. Even m packs the rows tight (ld = count): no
    // write past a row's end. Each kind of lanes the CPU has is checked on its own too.
    for (int m : {1, 3, 4, 5, 8, 11, 13, 16, 29}) {
        const int count = m == 11 ? 8197 : (m == 13 ? 2 : (m == 8 ? 16 : (m == 4 ? 15 : (m == 16 ? 33 : 37))));
        std::vector<std::uint64_t> ids(static_cast<std::size_t>(m));
        for (int k = 0; k < m; ++k) ids[static_cast<std::size_t>(k)] = 1000003ULL * k + 5;
        const std::size_t ld = static_cast<std::size_t>(count) + (m % 2 == 0 ? 0 : 3);
        std::vector<float> lanes(static_cast<std::size_t>(m) * ld, -99.0F), ref(lanes.size(), -99.0F);
        keyed_normals(key, ids.data(), m, count, lanes.data(), ld);
        int tails = 0;
        std::vector<float> want(static_cast<std::size_t>(count));
        for (int k = 0; k < m; ++k) {
            Rng(key, {ids[static_cast<std::size_t>(k)]}).normals_f32(want.data(), want.size());
            for (int i = 0; i < count; ++i) {
                const float got = lanes[static_cast<std::size_t>(k) * ld + static_cast<std::size_t>(i)];
                INFO("streams " << m << ", stream " << k << ", value " << i);
                REQUIRE(std::memcmp(&want[static_cast<std::size_t>(i)], &got, sizeof got) == 0);
                tails += std::fabs(got) > 3.49F ? 1 : 0;
            }
            for (std::size_t i = static_cast<std::size_t>(count); i < ld; ++i)  // nothing past the row's end
                REQUIRE(lanes[static_cast<std::size_t>(k) * ld + i] == -99.0F);
        }
        keyed_normals_scalar(key, ids.data(), m, count, ref.data(), ld);
        CHECK(std::memcmp(lanes.data(), ref.data(), lanes.size() * sizeof(float)) == 0);
        if (m == 11) CHECK(tails > 10);
        for (const auto& [lanes_of, width, has] : {std::tuple{&keyed_normals_avx512, 8, cpu_has_avx512dq()},
                                                   std::tuple{&keyed_normals_avx2, 4, cpu_has_avx2()}}) {
            std::vector<float> only(lanes.size(), -99.0F);
            const int drawn = lanes_of(key, ids.data(), m, count, only.data(), ld);
            INFO("streams " << m << ", lanes of " << width << ": drew " << drawn);
            CHECK(drawn == (has ? m - m % width : 0));
            const std::size_t end = static_cast<std::size_t>(drawn) * ld;
            CHECK(std::memcmp(only.data(), ref.data(), end * sizeof(float)) == 0);
            CHECK(std::all_of(only.begin() + static_cast<std::ptrdiff_t>(end), only.end(),
                              [](float v) { return v == -99.0F; }));
        }
    }
}

TEST_CASE("keyed normals: mean, variance, fourth moment and tail mass of N(0,1)", "[rng]") {
    // 2^20 draws over 4096 streams of 256: the sample moments against the closed form
    // within 5 standard errors (Var of the sample mean 1/N, of the sample variance 2/N,
    // of the sample fourth moment (105 - 9)/N), and P(|z| > 3) = erfc(3/sqrt 2) = 0.0026998.
    const int m = 4096, count = 256;
    const double n = static_cast<double>(m) * count;
    std::vector<std::uint64_t> ids(m);
    for (int k = 0; k < m; ++k) ids[static_cast<std::size_t>(k)] = static_cast<std::uint64_t>(k);
    std::vector<float> z(static_cast<std::size_t>(m) * count);
    keyed_normals(Rng::prefix(3, Stream::MvmNoise, {1}), ids.data(), m, count, z.data(), count);
    double s1 = 0, s2 = 0, s4 = 0, beyond3 = 0, beyond4 = 0;
    for (double v : z) {
        s1 += v;
        s2 += v * v;
        s4 += v * v * v * v;
        beyond3 += std::fabs(v) > 3.0 ? 1 : 0;
        beyond4 += std::fabs(v) > 4.0 ? 1 : 0;
    }
    CHECK(std::fabs(s1 / n) < 5 * std::sqrt(1.0 / n));
    CHECK(std::fabs(s2 / n - 1.0) < 5 * std::sqrt(2.0 / n));
    CHECK(std::fabs(s4 / n - 3.0) < 5 * std::sqrt(96.0 / n));
    const double p3 = std::erfc(3.0 / std::sqrt(2.0)), p4 = std::erfc(4.0 / std::sqrt(2.0));
    CHECK(std::fabs(beyond3 - n * p3) < 5 * std::sqrt(n * p3));
    CHECK(std::fabs(beyond4 - n * p4) < 5 * std::sqrt(n * p4) + 1);
    CHECK(beyond4 > 0);  // the exact tail method is exercised
}

TEST_CASE("normals_f32: its table's exact variance, and the distribution of normal() in two samples", "[rng]") {
    // The closed form of the distributions normal() and normals_f32() sample: inner
    // stratum k uniform on [lo, lo + width] (E z^2 = lo^2 + lo width + width^2 / 3), each
    // with probability 1/4096; the outer strata exact tails beyond a = -q[1], where
    // Q(a) = 1/4096 and E[z^2 | z > a] = 1 + a phi(a) / Q(a). Flat strata make the variance
    // 1 + 6.693e-5 (Python's statistics.NormalDist quantiles, the same sums); the float
    // table must not move it further.
    const Rng::StrataF32& t = Rng::strata_f32();
    const double* q = Rng::normal_quantiles();
    const double a = -q[1];
    const double p = 1.0 / Rng::kStrata, pi = 3.14159265358979323846;
    const double tails = 2 * p * (1.0 + a * std::exp(-a * a / 2) / std::sqrt(2 * pi) / p);
    double mean_f = 0.0, second_f = tails, second_d = tails;
    for (unsigned k = 1; k + 1 < Rng::kStrata; ++k) {
        const double b = t.bounds[k][0], s = t.bounds[k][1] * 1048576.0;  // slope per 2^-20
        mean_f += p * (b + s / 2);
        second_f += p * (b * b + b * s + s * s / 3);
        const double lo = q[k], width = q[k + 1] - q[k];
        second_d += p * (lo * lo + lo * width + width * width / 3);
    }
    CHECK(std::fabs(second_d - (1.0 + 6.693e-5)) < 1e-8);
    // Slope 0 marks the outer strata, and them alone (the lanes find tails by it).
    CHECK(t.bounds[0][1] == 0.0F);
    CHECK(t.bounds[Rng::kStrata - 1][1] == 0.0F);
    for (unsigned k = 1; k + 1 < Rng::kStrata; ++k) REQUIRE(t.bounds[k][1] > 0.0F);
    CHECK(std::fabs(mean_f) < 1e-7);
    CHECK(std::fabs(second_f - second_d) < 1e-7);

    // 2^20 values of each generator: the same moments within 5 standard errors of their
    // difference, and a two-sample Kolmogorov-Smirnov distance below its 1 % critical
    // value 1.63 sqrt(2 / n).
    const std::size_t n = std::size_t{1} << 20;
    std::vector<float> fast(n);
    Rng(9, Stream::MvmNoise, {1}).normals_f32(fast.data(), n);
    std::vector<double> ref(n);
    Rng slow(9, Stream::MvmNoise, {2});
    for (double& z : ref) z = slow.normal();
    const auto moments = [&](auto& v) {
        std::array<double, 3> m{};
        for (double z : v) m[0] += z, m[1] += z * z, m[2] += z * z * z * z;
        for (double& x : m) x /= static_cast<double>(n);
        return m;
    };
    const std::array<double, 3> mf = moments(fast), mr = moments(ref);
    CHECK(std::fabs(mf[0] - mr[0]) < 5 * std::sqrt(2.0 / n));
    CHECK(std::fabs(mf[1] - mr[1]) < 5 * std::sqrt(4.0 / n));
    CHECK(std::fabs(mf[2] - mr[2]) < 5 * std::sqrt(192.0 / n));
    std::vector<double> f(fast.begin(), fast.end());
    std::sort(f.begin(), f.end());
    std::sort(ref.begin(), ref.end());
    double ks = 0.0;
    for (std::size_t i = 0, j = 0; i < n && j < n;) {  // the largest gap of the two empirical CDFs
        if (f[i] <= ref[j]) ++i; else ++j;
        ks = std::max(ks, std::fabs(static_cast<double>(i) - static_cast<double>(j)) / static_cast<double>(n));
    }
    CHECK(ks < 1.63 * std::sqrt(2.0 / n));
}

TEST_CASE("normal strata: the generated bounds are the normal quantiles at k over 4096", "[rng]") {
    // The table is generated with a correctly rounded erfc (scripts/gen_normal_quantiles.py);
    // glibc's erfc is within an ulp or so, so Phi(q[k]) by it must give k / 4096 back to
    // about 1e-16 relative, and the same bisection on it must land within a few ulps.
    const double* q = Rng::normal_quantiles();
    REQUIRE(q[0] == 0.0);
    REQUIRE(q[Rng::kStrata] == 0.0);
    for (unsigned k = 1; k < Rng::kStrata; ++k) {
        const double p = static_cast<double>(k) / Rng::kStrata;
        CHECK(0.5 * std::erfc(-q[k] / std::sqrt(2.0)) == Approx(p).epsilon(1e-12));
        if (k > 1) CHECK(q[k] > q[k - 1]);
        CHECK(q[k] == Approx(-q[Rng::kStrata - k]).margin(1e-14));  // symmetric about 0
    }
    CHECK(q[Rng::kStrata / 2] == Approx(0.0).margin(1e-15));
    CHECK(q[2048 + 1024] == Approx(0.6744897501960817).epsilon(1e-14));  // Phi^-1(0.75), tables
}

TEST_CASE("cco: convert_batch gives every read the counts convert() gives it with its own stream", "[adc]") {
    const auto adc = Registry<AdcModel>::instance().create(ConfigNode::parse_yaml("model: cco\n", "a.yaml"));
    const int cols = 70;
    Rng mismatch(1, Stream::AdcMismatch);
    adc->setup(cols, mismatch);
    const RngKeyPrefix key = Rng::prefix(4, Stream::MvmNoise, {2});
    for (int windows : {1, 4}) {
        const int m = 13, c = windows == 1 ? cols : 17;
        const std::size_t ld = static_cast<std::size_t>(windows) * c + 5;
        Rng values(2, Stream::Inputs, {static_cast<std::uint64_t>(windows)});
        std::vector<float> v(static_cast<std::size_t>(m) * ld);
        for (float& x : v) x = static_cast<float>(2.4 * values.uniform() - 1.2);  // beyond the rails too
        std::vector<std::uint64_t> ids(m);
        for (int k = 0; k < m; ++k) ids[static_cast<std::size_t>(k)] = 77 + 3 * static_cast<std::uint64_t>(k);
        for (bool noisy : {true, false}) {
            std::vector<std::int32_t> batch(v.size(), 0), one(v.size(), 0);
            adc->convert_batch(v.data(), m, ld, windows, c, batch.data(), noisy ? &key : nullptr, ids.data());
            for (int k = 0; k < m; ++k) {
                Rng noise(key, {ids[static_cast<std::size_t>(k)]});
                for (int w = 0; w < windows; ++w) {
                    const std::size_t at = static_cast<std::size_t>(k) * ld + static_cast<std::size_t>(w) * c;
                    adc->convert(&v[at], c, &one[at], noisy ? &noise : nullptr);
                }
            }
            INFO("windows " << windows << ", noisy " << noisy);
            CHECK(batch == one);
        }
    }
}

TEST_CASE("parallel_for: every item runs once on kept threads, nested loops and errors included", "[parallel]") {
    for (int round = 0; round < 3; ++round) {
        for (int threads : {1, 2, 3}) {
            std::vector<std::atomic<int>> hits(1000);
            parallel_for(hits.size(), threads, [&](std::size_t i) {
                hits[i].fetch_add(1);
                if (i % 250 == 0) {  // a nested loop runs on threads of its own
                    std::vector<int> inner(8, 0);
                    parallel_for(inner.size(), 2, [&](std::size_t j) { inner[j] = static_cast<int>(j); });
                    for (std::size_t j = 0; j < inner.size(); ++j) REQUIRE(inner[j] == static_cast<int>(j));
                }
            });
            for (auto& h : hits) REQUIRE(h.load() == 1);
        }
    }
    CHECK_THROWS_AS(parallel_for(100, 2,
                                 [](std::size_t i) {
                                     if (i == 37) throw std::runtime_error("item 37");
                                 }),
                    std::runtime_error);
    // The kept threads still serve loops after an error.
    std::vector<int> after(50, 0);
    parallel_for(after.size(), 2, [&](std::size_t i) { after[i] = 1; });
    for (int a : after) CHECK(a == 1);
}
