// The fast forms of the accuracy path's hot loops (batched normal draws, branch-free
// rounding, keyed streams from a cached prefix, register-blocked crossbar
// integration, chunked ADC conversion) give the same values, bit for bit, as the
// plain forms they replace.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "adc/cco_adc.h"
#include "aimcsim/core/registry.h"
#include "aimcsim/core/rng.h"
#include "aimcsim/core/rounding.h"
#include "aimcsim/device.h"
#include "tiles/crossbar.h"

using namespace aimcsim;

namespace {

// round_clamp as first written: clamp, then round half away from zero with a branch.
int round_clamp_reference(double x, double limit) {
    if (!(x >= -limit)) x = -limit;
    if (x > limit) x = limit;
    return x >= 0.0 ? static_cast<int>(x + 0.5) : -static_cast<int>(-x + 0.5);
}

bool same_bits(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; }

}  // namespace

namespace {

// normals_f32() as its contract states it, from the stream's raw draws and the double
// strata table: each 32-bit half (low first) picks stratum u >> 20 and position
// (u & (2^20 - 1)) / 2^20; inner strata give float(q[k]) + f * float(q[k + 1] - q[k]) in
// float arithmetic, outer ones the exact tail draw of normal_outer().
float spec_normal_f32(Rng& twin, std::uint32_t u) {
    const unsigned k = u >> 20;
    if (k == 0 || k == Rng::kStrata - 1) return static_cast<float>(twin.normal_outer(k));
    const double* q = Rng::normal_quantiles();
    const float base = static_cast<float>(q[k]);
    const float step = static_cast<float>(q[k + 1] - q[k]);
    const float f = static_cast<float>(static_cast<double>(u % (1u << 20)) / 1048576.0);
    const float scaled = f * step;
    return base + scaled;
}

}  // namespace

TEST_CASE("rng: normals_f32() follows its contract, two per draw, tails and odd counts included", "[rng]") {
    Rng a(11, Stream::MvmNoise, {3, 4});
    Rng twin(11, Stream::MvmNoise, {3, 4});
    // 400k values hit the two outer strata (exact tail method) about 200 times. An odd
    // call (17) draws its ninth pair whole and drops the second value.
    std::vector<float> got(400000);
    a.normals_f32(got.data(), 17);
    a.normals_f32(got.data() + 17, got.size() - 17);
    std::vector<float> want;
    int tails = 0;
    while (want.size() < got.size()) {
        const std::uint64_t r = twin.next_u64();
        const float low = spec_normal_f32(twin, static_cast<std::uint32_t>(r));
        const float high = spec_normal_f32(twin, static_cast<std::uint32_t>(r >> 32));
        want.push_back(low);
        if (want.size() != 17) want.push_back(high);
    }
    for (std::size_t i = 0; i < got.size(); ++i) {
        INFO("value " << i);
        REQUIRE(same_bits(got[i], want[i]));
        tails += std::fabs(got[i]) > 3.49F;
    }
    CHECK(tails > 100);
    CHECK(a.next_u64() == twin.next_u64());
    a.normals_f32(got.data(), 0);
    CHECK(a.next_u64() == twin.next_u64());
}

TEST_CASE("rng: a stream from a cached key prefix is the stream of the full key", "[rng]") {
    const RngKeyPrefix tile = Rng::prefix(5, Stream::MvmNoise, {42});
    for (std::uint64_t id : {0ULL, 1ULL, 123456789ULL, ~0ULL}) {
        Rng full(5, Stream::MvmNoise, {42, id});
        Rng cached(tile, {id});
        for (int i = 0; i < 8; ++i) REQUIRE(full.next_u64() == cached.next_u64());
    }
    Rng plain(5, Stream::Programming);
    Rng from_prefix(Rng::prefix(5, Stream::Programming), {});
    CHECK(plain.next_u64() == from_prefix.next_u64());
    // keyed_states() seeds many such streams at once (eight side by side, then the
    // rest): each as Rng(tile, {id}) does.
    const std::uint64_t ids[11] = {0, 1, 2, 3, 123456789ULL, ~0ULL, 77, 78, 79, 5, 1ULL << 40};
    Rng::State states[11];
    Rng::keyed_states(tile, ids, 11, states);
    for (int i = 0; i < 11; ++i) {
        Rng from_state(states[i]), direct(tile, {ids[i]});
        for (int d = 0; d < 4; ++d) REQUIRE(from_state.next_u64() == direct.next_u64());
    }
    Rng other(Rng::prefix(5, Stream::MvmNoise, {43}), {0});
    CHECK(other.next_u64() != Rng(tile, {0}).next_u64());
}

TEST_CASE("round_clamp: branch-free form equals the branchy one, halves and edges included", "[rng]") {
    std::vector<double> xs = {0.0,
                              -0.0,
                              0.5,
                              -0.5,
                              1.5,
                              -1.5,
                              2.5,
                              -2.5,
                              0.49999999999999994,
                              -0.49999999999999994,
                              212.5,
                              -212.5,
                              213.0,
                              -213.0,
                              213.4,
                              -213.6,
                              1e300,
                              -1e300,
                              std::numeric_limits<double>::infinity(),
                              -std::numeric_limits<double>::infinity(),
                              std::numeric_limits<double>::quiet_NaN(),
                              std::numeric_limits<double>::denorm_min()};
    Rng rng(1, Stream::Other);
    for (int i = 0; i < 100000; ++i) xs.push_back(600.0 * rng.uniform() - 300.0);
    for (int k = -300; k <= 300; ++k) xs.push_back(k + 0.5);
    for (double limit : {127.0, 213.0}) {
        for (double x : xs) REQUIRE(round_clamp(x, limit) == round_clamp_reference(x, limit));
    }
}

TEST_CASE("crossbar: register-blocked integration equals the row-by-row sum bit for bit", "[tile][crossbar]") {
    const auto device = Registry<DeviceModel>::instance().create(ConfigNode::parse_yaml("model: pcm\n", "d.yaml"));
    device->configure_cell(2);
    Crossbar xb(512, 256, 2, *device);
    Rng rng(3, Stream::Weights);
    const std::pair<int, int> shapes[] = {{1, 1},     {9, 16},   {9, 3},     {144, 32},
                                          {256, 128}, {300, 37}, {512, 256}, {40, 10}};
    for (const auto& [rows, cols] : shapes) {
        std::vector<float> w(static_cast<std::size_t>(rows) * cols);
        for (float& v : w) v = static_cast<float>(2.0 * rng.uniform() - 1.0);
        Rng prog(4, Stream::Programming, {static_cast<std::uint64_t>(rows)});
        xb.program(w, rows, cols, prog);
        Rng read(4, Stream::ReadNoise1f, {static_cast<std::uint64_t>(rows)});
        xb.set_time(3600.0, read);
        for (double zeros : {0.0, 0.5, 1.0}) {
            std::vector<std::int8_t> x(static_cast<std::size_t>(rows));
            for (auto& v : x) v = rng.uniform() < zeros ? 0 : static_cast<std::int8_t>(rng.uniform_int(-127, 127));
            const float scale = 1.0F / (127.0F * 16.0F);
            std::vector<float> y(static_cast<std::size_t>(cols), -1.0F), ref(static_cast<std::size_t>(cols), 0.0F);
            for (int i = 0; i < rows; ++i) {
                if (x[i] == 0) continue;
                const float xi = static_cast<float>(x[i]) * scale;
                for (int j = 0; j < cols; ++j) ref[j] += xb.w_eff(i, j) * xi;
            }
            const Crossbar::Activity act = xb.integrate_active(x.data(), scale, y.data());
            for (int j = 0; j < cols; ++j) REQUIRE(same_bits(y[j], ref[j]));
            std::vector<float> y2(static_cast<std::size_t>(cols));
            xb.integrate(x.data(), scale, y2.data());
            CHECK(y2 == y);
            const Crossbar::Activity alone = xb.activity(x.data());
            CHECK(act.active_rows == alone.active_rows);
            CHECK(act.pulse_lsbs == alone.pulse_lsbs);
            CHECK(act.conduction == alone.conduction);
            double active = 0, pulses = 0;
            for (auto v : x) active += v != 0, pulses += std::abs(v);
            CHECK(act.active_rows == active);
            CHECK(act.pulse_lsbs == pulses);
            CHECK((pulses > 0 ? act.conduction > 0.0 : act.conduction == 0.0));
        }
    }
}

TEST_CASE("cco: chunked conversion equals one run of normals_f32() over the columns in order", "[adc]") {
    const auto adc = Registry<AdcModel>::instance().create(ConfigNode::parse_yaml("model: cco\n", "a.yaml"));
    const auto* cco = dynamic_cast<const CcoAdc*>(adc.get());
    REQUIRE(cco != nullptr);
    const int n = 300;  // several chunks and a partial one
    Rng mismatch(1, Stream::AdcMismatch);
    adc->setup(n, mismatch);
    Rng values(2, Stream::Inputs);
    std::vector<float> v(n);
    for (float& x : v) x = static_cast<float>(2.4 * values.uniform() - 1.2);  // beyond the rails too
    for (int cols : {1, 16, 64, 65, 300}) {
        Rng noise(3, Stream::MvmNoise, {static_cast<std::uint64_t>(cols)});
        Rng ref_noise(3, Stream::MvmNoise, {static_cast<std::uint64_t>(cols)});
        std::vector<std::int32_t> counts(static_cast<std::size_t>(cols));
        adc->convert(v.data(), cols, counts.data(), &noise);
        const double max = adc->max_count();
        std::vector<float> z(static_cast<std::size_t>(cols));
        ref_noise.normals_f32(z.data(), z.size());  // chunks of 64 take whole pairs: one run
        for (int j = 0; j < cols; ++j) {
            // In float, as the noisy loop computes it: float factors, then mul, add, mul, add.
            const auto gain_max = static_cast<float>(cco->gains()[j] * max);
            const auto offset = static_cast<float>(cco->offsets_lsb()[j]);
            const float sum = gain_max * v[j] + offset;
            const float x = sum + 0.5F * z[j];
            REQUIRE(counts[j] == round_clamp_reference(x, max));
        }
        CHECK(noise.next_u64() == ref_noise.next_u64());
    }
}
