// Read-polarity asymmetry (docs/physics.md, "Read-polarity asymmetry"): which devices a
// one-phase read applies V+ to, hand-computed on a noiseless 2x1 block, and that the
// asymmetry draws leave every other draw (and so four-phase reads) unchanged.
#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "aimcsim/core/config.h"
#include "aimcsim/core/registry.h"
#include "aimcsim/device.h"
#include "tiles/crossbar.h"

using namespace aimcsim;

namespace {

std::unique_ptr<DeviceModel> pcm(const std::string& extra) {
    auto d = Registry<DeviceModel>::instance().create(ConfigNode::parse_yaml("model: pcm\n" + extra, "d.yaml"));
    d->configure_cell(1);
    return d;
}

}  // namespace

TEST_CASE("read asymmetry: one-phase rows read the opposite polarity's devices under V+", "[device][asymmetry]") {
    // No noise or drift, G(V+) = 1.1 G(V-) for every device, one device per polarity.
    auto dev = pcm("prog_noise_scale: 0\ndrift_scale: 0\nread_noise_scale: 0\nread_asymmetry_mean: 1.1\n");
    Crossbar xb(2, 1, 1, *dev);
    Rng prog(1, Stream::Programming), read(1, Stream::ReadNoise1f);
    xb.program({0.5F, -0.25F}, 2, 1, prog, nullptr, {1, 0});
    xb.set_time(3600.0, read);
    REQUIRE(xb.asymmetric());
    // Four-phase (every device under V-): the programmed weights.
    CHECK(xb.w_eff(0, 0) == Approx(0.5));
    CHECK(xb.w_eff(1, 0) == Approx(-0.25));
    // x > 0: G+ under V-, G- under V+; x < 0: G+ under V+, G- under V-.
    CHECK(xb.w_one_phase(0, 0, +1) == Approx(0.5));
    CHECK(xb.w_one_phase(0, 0, -1) == Approx(0.55));
    CHECK(xb.w_one_phase(1, 0, +1) == Approx(-0.275));
    CHECK(xb.w_one_phase(1, 0, -1) == Approx(-0.25));
    float y = 0.0F;
    const std::int8_t a[2] = {127, -127}, b[2] = {-127, 127};
    xb.integrate(a, 1.0F / 127.0F, &y);
    CHECK(y == Approx(0.5 + 0.25));  // both rows read the weight's own device under V-
    xb.integrate(b, 1.0F / 127.0F, &y);
    CHECK(y == Approx(-0.55 - 0.275));  // both rows read it under V+: 1.1 x the ideal -0.75
    // Energy: row 0 conducts 0.5 g_max under x > 0 and 0.55 g_max under x < 0 (devices at 0 add nothing).
    CHECK(xb.activity(a).conduction == Approx(127 * (0.5 + 0.25)));  // four-phase view: all under V-
    CHECK(xb.integrate_active(b, 1.0F / 127.0F, &y).conduction == Approx(127 * (0.55 + 0.275)));
}

TEST_CASE("read asymmetry: drawn from its own stream, so the V- conductances do not move", "[device][asymmetry]") {
    auto plain = pcm(""), asym = pcm("read_asymmetry_mean: 1.03\nread_asymmetry_sigma: 0.05\n");
    Crossbar x1(16, 8, 1, *plain), x2(16, 8, 1, *asym);
    std::vector<float> w(16 * 8);
    Rng wr(3, Stream::Weights);
    for (float& v : w) v = static_cast<float>(2.0 * wr.uniform() - 1.0);
    for (Crossbar* x : {&x1, &x2}) {
        Rng prog(2, Stream::Programming), read(2, Stream::ReadNoise1f);
        x->program(w, 16, 8, prog, nullptr, {2, 5});
        x->set_time(86400.0, read);
    }
    CHECK_FALSE(x1.asymmetric());
    CHECK(x2.asymmetric());
    for (int r = 0; r < 16; ++r) {
        for (int c = 0; c < 8; ++c) {
            CHECK(x1.w_eff(r, c) == x2.w_eff(r, c));
            CHECK(x1.w_one_phase(r, c, +1) == x1.w_one_phase(r, c, -1));
        }
    }
}
