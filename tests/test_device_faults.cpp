// Stuck-at device faults in the crossbar: how many, what each realises (worked out by
// hand on noise-free devices), and that they disturb nothing else.
#include <catch2/catch.hpp>

#include <cmath>
#include <set>

#include "aimcsim/core/config.h"
#include "aimcsim/core/error.h"
#include "aimcsim/core/registry.h"
#include "aimcsim/tile.h"
#include "tiles/hermes_tile.h"
#include "tests/test_support.h"

#include <nlohmann/json.hpp>

using namespace aimcsim;

namespace {

std::unique_ptr<TileModel> tile(const std::string& yaml) {
    return Registry<TileModel>::instance().create(ConfigNode::parse_yaml(yaml, "tile.yaml"));
}

const Crossbar& xbar(const TileModel& t) { return dynamic_cast<const HermesTile&>(t).crossbar(); }

// Weights +-0.25, +-0.5, +-0.75, +-1 over a 64 x 64 block.
WeightBlock levels() {
    WeightBlock b;
    b.rows = 64;
    b.cols = 64;
    for (int i = 0; i < b.rows * b.cols; ++i)
        b.weights.push_back(static_cast<float>(((i % 2) ? -1 : 1) * (1 + i % 4) * 0.25));
    return b;
}

}  // namespace

TEST_CASE("faults: stuck fractions are drawn per physical device", "[faults]") {
    auto t = tile("devices_per_polarity: 2\nstuck_low_fraction: 0.01\nstuck_high_fraction: 0.005\n");
    WeightBlock b = levels();
    b.rows = b.cols = 256;
    b.weights.assign(256 * 256, 0.5F);
    t->program(b, TileKey{4, 0});
    const double devices = 256.0 * 256 * 2 * 2;
    for (auto [count, p] : {std::pair<long, double>{xbar(*t).stuck_low_devices(), 0.01},
                            std::pair<long, double>{xbar(*t).stuck_high_devices(), 0.005}}) {
        CAPTURE(count, p);
        CHECK(std::abs(count / devices - p) < 5.0 * std::sqrt(p * (1 - p) / devices));
    }
}

TEST_CASE("faults: what a stuck device realises, by hand, one device per polarity", "[faults]") {
    // Ideal devices (g_max 25 uS), half of them stuck high. A weight w > 0 is w on the
    // positive device and 0 on the negative one; a stuck-high device conducts g_max (1 in
    // weight units) instead: w_eff = (pos stuck ? 1 : w) - (neg stuck ? 1 : 0).
    auto t = tile("device: {model: ideal}\ndevices_per_polarity: 1\nstuck_high_fraction: 0.5\nadc: {model: ideal, "
                  "bits: 20}\n");
    const WeightBlock b = levels();
    t->program(b, TileKey{1, 0});
    t->set_time(0.0);
    int combos[4] = {0, 0, 0, 0};
    double distinct = 0;  // weights with |w| < 1, where the four combinations differ
    for (int i = 0; i < b.rows * b.cols; ++i) {
        const double w = b.weights[static_cast<std::size_t>(i)], a = std::fabs(w), s = w > 0 ? 1.0 : -1.0;
        const double got = xbar(*t).w_eff(i / b.cols, i % b.cols);
        // (on stuck, off stuck): (0,0) w; (1,0) sign; (0,1) w - sign; (1,1) 0.
        const double options[4] = {s * a, s * 1.0, s * (a - 1.0), 0.0};
        int match = -1;
        for (int k = 0; k < 4; ++k) {
            if (std::abs(got - options[k]) < 1e-6 && match < 0) match = k;
        }
        REQUIRE(match >= 0);
        if (a < 1.0) {
            ++combos[match];
            ++distinct;
        }
    }
    // Each combination has probability 1/4.
    const double n = distinct;
    CHECK(std::abs(combos[3] / n - 0.25) < 5.0 * std::sqrt(0.25 * 0.75 / n));
    CHECK(std::abs(combos[2] / n - 0.25) < 5.0 * std::sqrt(0.25 * 0.75 / n));
}

TEST_CASE("faults: a stuck device of a HERMES pair takes its half of the pair's conductance", "[faults]") {
    // hermes_pcm, 2 devices per polarity, noise-free: the pair is one draw of 20.7 uS full
    // scale; a stuck-low device keeps half of it, a stuck-high one adds a device at 10.35 uS
    // (0.5 in weight units): pos = w (1 - l/2) + h/2 for l low and h high devices in the pair.
    auto t = tile("device: {model: hermes_pcm, prog_noise_scale: 0, drift_scale: 0, read_noise_scale: 0}\n"
                  "devices_per_polarity: 2\nstuck_low_fraction: 0.3\nstuck_high_fraction: 0.2\n"
                  "adc: {model: ideal, bits: 20}\n");
    const WeightBlock b = levels();
    t->program(b, TileKey{2, 0});
    t->set_time(0.0);
    for (int i = 0; i < b.rows * b.cols; ++i) {
        const double w = b.weights[static_cast<std::size_t>(i)], a = std::fabs(w), s = w > 0 ? 1.0 : -1.0;
        std::set<long> allowed;  // every (pos low, pos high, neg high) in the pair, in 1e-6 units
        for (int pl = 0; pl <= 2; ++pl)
            for (int ph = 0; ph + pl <= 2; ++ph)
                for (int nh = 0; nh <= 2; ++nh)
                    allowed.insert(std::lround(1e6 * s * (a * (2 - pl - ph) / 2.0 + ph * 0.5 - nh * 0.5)));
        const double got = xbar(*t).w_eff(i / b.cols, i % b.cols);
        CAPTURE(i, w, got);
        REQUIRE(allowed.count(std::lround(1e6 * got)) == 1);
    }
}

TEST_CASE("faults: healthy weights are the ones of a fault-free tile, bad fractions are refused", "[faults]") {
    const std::string base = "devices_per_polarity: 1\n";
    auto clean = tile(base);
    auto faulty = tile(base + "stuck_low_fraction: 0.02\nstuck_high_fraction: 0.01\n");
    auto zero = tile(base + "stuck_low_fraction: 0\n");
    const WeightBlock b = levels();
    for (auto* t : {clean.get(), faulty.get(), zero.get()}) {
        t->program(b, TileKey{5, 3});
        t->set_time(3600.0);
    }
    int same = 0;
    for (int r = 0; r < b.rows; ++r) {
        for (int c = 0; c < b.cols; ++c) {
            REQUIRE(xbar(*zero).w_eff(r, c) == xbar(*clean).w_eff(r, c));
            same += xbar(*faulty).w_eff(r, c) == xbar(*clean).w_eff(r, c);
        }
    }
    // Both devices of a weight healthy: (1 - 0.03)^2 = 0.9409 of the 4096 weights.
    const double n = b.rows * b.cols;
    CHECK(std::abs(same / n - 0.9409) < 5.0 * std::sqrt(0.9409 * 0.0591 / n));
    CHECK_THROWS_WITH(tile("stuck_low_fraction: 0.7\nstuck_high_fraction: 0.4\n"),
                      Catch::Contains("stuck_high_fraction") && Catch::Contains("at most 1"));
    CHECK_THROWS_AS(tile("stuck_low_fraction: 1.5\n"), ConfigError);
}

TEST_CASE("faults: the chip report counts each tile's faulty devices, and null when timing-only", "[faults][cli]") {
    // hermes64's CNN, functional, 1% stuck low + 0.5% stuck high: every tile's count is
    // binomial over its block's physical devices (rows x cols x 2 polarities x 2 per polarity).
    const std::string config = test::source_path("configs/hermes64.yaml");
    const std::string sets = " --set accuracy.enabled=false --set tile.stuck_low_fraction=0.01"
                             " --set tile.stuck_high_fraction=0.005 --batch 1 -q";
    const test::TempDir out, timing;
    test::CommandResult r =
        test::run_cli("run " + config + sets + " --set simulation.functional=true --out " + out.str());
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    const auto j = nlohmann::json::parse(test::slurp(out.str() + "/report.json"));
    const auto& tiles = j["mapping"]["tiles"];
    REQUIRE(tiles.size() >= 2);
    const double p = 0.015;
    for (const auto& t : tiles) {
        const double devices = t["rows"].get<double>() * t["cols"].get<double>() * 4.0;
        const double count = t["faulty_devices"].get<double>();
        CAPTURE(t["tile"].get<int>(), devices, count);
        CHECK(std::abs(count - devices * p) < 5.0 * std::sqrt(devices * p * (1 - p)) + 1.0);
    }
    r = test::run_cli("run " + config + sets + " --set simulation.functional=false --out " + timing.str());
    REQUIRE(r.exit_code == 0);
    const auto jt = nlohmann::json::parse(test::slurp(timing.str() + "/report.json"));
    CHECK(jt["mapping"]["tiles"][0]["faulty_devices"].is_null());
}
