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

TEST_CASE("rng: normals() gives the draws of normal(), tails included, and leaves the same state", "[rng]") {
    Rng a(11, Stream::MvmNoise, {3, 4});
    Rng b(11, Stream::MvmNoise, {3, 4});
    // 200k draws hit the two outer strata (exact tail method) about 100 times.
    std::vector<double> batch(200000);
    a.normals(batch.data(), 17);  // odd sizes and several calls
    a.normals(batch.data() + 17, batch.size() - 17);
    int tails = 0;
    for (double v : batch) {
        const double ref = b.normal();
        REQUIRE(std::memcmp(&v, &ref, sizeof v) == 0);
        tails += std::fabs(v) > 3.49;
    }
    CHECK(tails > 20);
    CHECK(a.next_u64() == b.next_u64());
    a.normals(batch.data(), 0);
    CHECK(a.next_u64() == b.next_u64());
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

TEST_CASE("cco: chunked conversion equals one normal() per column in column order", "[adc]") {
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
        for (int j = 0; j < cols; ++j) {
            const double x = cco->gains()[j] * max * v[j] + cco->offsets_lsb()[j] + 0.5 * ref_noise.normal();
            REQUIRE(counts[j] == round_clamp_reference(x, max));
        }
        CHECK(noise.next_u64() == ref_noise.next_u64());
    }
}
