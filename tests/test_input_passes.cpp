// Multi-pass (bit-sliced) inputs, tile.input.passes (docs/physics.md, "Multi-pass inputs"):
// the residual codes of each pass derived by hand, the passes' outputs combined with their
// weights and each pass's own noise stream, the time and energy of P passes, the chip's
// latency by hand, bad values exiting 2, and the functional chip matching the batched path.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <vector>

#include "aimcsim/core/config.h"
#include "aimcsim/core/registry.h"
#include "aimcsim/random_streams.h"
#include "aimcsim/tile.h"
#include "src/chip/chip_run.h"
#include "src/functional/analog_network.h"
#include "src/import/layer_list.h"
#include "src/mapping/mapper.h"
#include "tests/chip_test_support.h"
#include "tests/test_support.h"

using namespace aimcsim;

TEST_CASE("input passes code the residual at 2^-7 of the previous step, within half the last step", "[passes]") {
    // Scale s = 2^-6, so s1 = s 2^-7 = 2^-13 and s2 = 2^-20, all exact in float and double.
    const double s = 0x1p-6, s1 = 0x1p-13, s2 = 0x1p-20;
    // a = 30 s + 47 s1 - 19.75 s2: a / s = 30.366 -> 30; residual / s1 = 47 - 19.75/128 = 46.85
    // -> 47; residual / s2 = -19.75 -> -20; reconstruction 30 s + 47 s1 - 20 s2, 0.25 s2 off.
    const float a = static_cast<float>(30 * s + 47 * s1 - 19.75 * s2);
    // b = s / 2 exactly: 0.5 rounds away from zero to 1, leaving -s/2 = -64 s1, the largest
    // residual code (2^(k-1) = 64 <= 127: no clipping), and nothing for pass 2.
    const float b = static_cast<float>(0.5 * s);
    // c = -2.5 is beyond 127 s = 1.984375: every pass saturates at -127.
    const float c = -2.5F;
    const std::vector<float> x = {a, b, c, 0.0F};
    std::vector<std::int8_t> codes(3 * x.size());
    quantize_passes(x.data(), 4, s, 127, 8, 3, codes.data());
    const std::vector<std::int8_t> expected = {30, 1, -127, 0,     // pass 0
                                               47, -64, -127, 0,   // pass 1
                                               -20, 0, -127, 0};   // pass 2
    CHECK(codes == expected);
    CHECK(pass_weight(8, 1) == s1 / s);
    CHECK(pass_weight(8, 2) == s2 / s);
    const double rebuilt = 30 * s + 47 * s1 - 20 * s2;
    CHECK(std::fabs(a - rebuilt) == 0.25 * s2);
    CHECK(std::fabs(a - rebuilt) <= 0.5 * s2);  // the bound: half the last pass's step
    CHECK(1 * s - 64 * s1 == b);
    // One pass is the single-pass code: round(30.366) = 30.
    std::vector<std::int8_t> one(4);
    quantize_passes(x.data(), 4, s, 127, 8, 1, one.data());
    CHECK(one == std::vector<std::int8_t>{30, 1, -127, 0});
    // 4-bit inputs: k = 3, max 7; b = s/2 -> 1, residual -s/2 = -4 s 2^-3 (2^(k-1) = 4 <= 7).
    std::vector<std::int8_t> four_bit(2);
    const float half = b;
    quantize_passes(&half, 1, s, 7, 4, 2, four_bit.data());
    CHECK(four_bit == std::vector<std::int8_t>{1, -4});
}

namespace {

// y_j = (j + 1) * (sum of the codes) + one uniform draw of the noise stream.
class RampTile : public TileModel {
public:
    int rows() const override { return 2; }
    int cols() const override { return 2; }
    double clock_ghz() const override { return 1.0; }
    int input_bits() const override { return 8; }
    MvmPhases phases() const override { return {}; }
    double static_power_mw() const override { return 0.0; }
    void program(const WeightBlock&, const TileKey&) override {}
    void set_time(double) override {}
    void mvm(const std::int8_t* x, float* y, MvmEnergy& energy, Rng* noise) const override {
        const double u = noise != nullptr ? noise->uniform() : 0.0;
        for (int j = 0; j < 2; ++j) y[j] = static_cast<float>((j + 1) * (x[0] + x[1]) + u);
        energy.array_pj += 1.0;
    }
    MvmEnergy reference_mvm_energy() const override { return {}; }
};

}  // namespace

TEST_CASE("mvm_passes adds each pass's MVM weighted 2^-7p, each with its own noise stream", "[passes]") {
    const RampTile tile;
    CHECK(input_passes(tile) == 1);  // a tile that does not derive from MultiPassInput
    // Three planes of 2 codes: sums 5, -3 and 64.
    const std::vector<std::int8_t> x = {2, 3, -1, -2, 60, 4};
    const RngKeyPrefix key = Rng::prefix(3, Stream::MvmNoise, {7});
    std::vector<float> y(2);
    MvmEnergy e;
    mvm_passes(tile, 3, x.data(), 2, 2, y.data(), e, nullptr, 0);
    CHECK(e.array_pj == 3.0);  // three MVMs
    for (int j = 0; j < 2; ++j) CHECK(y[j] == static_cast<float>((j + 1) * (5 - 3 / 128.0 + 64 / 16384.0)));
    mvm_passes(tile, 3, x.data(), 2, 2, y.data(), e, &key, 11);
    Rng n0(key, {11}), n1(key, {11 ^ (1ULL << 60)}), n2(key, {11 ^ (2ULL << 60)});
    const double u0 = n0.uniform(), u1 = n1.uniform(), u2 = n2.uniform();
    CHECK(u0 != u1);
    for (int j = 0; j < 2; ++j) {
        const double out0 = static_cast<float>((j + 1) * 5 + u0);
        const double out1 = static_cast<float>((j + 1) * -3 + u1);
        const double out2 = static_cast<float>((j + 1) * 64 + u2);
        CHECK(y[j] == static_cast<float>(out0 + out1 / 128.0 + out2 / 16384.0));
    }
    // One pass is mvm() itself, with the stream of the id.
    std::vector<float> single(2), direct(2);
    mvm_passes(tile, 1, x.data(), 2, 2, single.data(), e, &key, 11);
    Rng same(key, {11});
    tile.mvm(x.data(), direct.data(), e, &same);
    CHECK(single == direct);
}

TEST_CASE("an MVM of two input passes takes twice the array cycles and energy of one", "[passes]") {
    // hermes64.yaml: input load 1 + window 128 + readout 4 = 133 array cycles per pass; the
    // 128-lane LDPU takes 256 columns in 2 cycles, once: it runs pass 1's counts while the
    // array runs pass 2, so 2 x 133 + 2 = 268 cycles.
    const test::ChipConfig one = test::hermes64_chip(1, 2);
    const test::ChipConfig two = test::hermes64_chip(1, 2, {"tile.input.passes=2"});
    const auto t1 = one.tile().create();
    const auto t2 = two.tile().create();
    CHECK(input_passes(*t1) == 1);
    CHECK(input_passes(*t2) == 2);
    CHECK(t1->phases().array_busy() == 133);
    CHECK(t2->phases().array_busy() == 2 * 133);
    CHECK(t2->phases().latency() == 268);
    CHECK(t2->phases().integrate == 256);
    CHECK(t2->reference_mvm_energy().total_pj() == Approx(2.0 * t1->reference_mvm_energy().total_pj()));

    // The chip of test_chip.cpp's "two dense layers, latency by hand": each MVM's array time
    // doubles, 294 + 2 x 133 = 560 cycles. fc1 result at 8 + 266 + 1 = 275, at tile 1 at
    // 275 + 2 + 8 = 285, fc2 result at 285 + 266 + 1 = 552, back at tile 0 at 558, out at 560.
    const Network net = test::layer_list_net(
        "input: {c: 64}\nlayers:\n  - {name: fc1, type: dense, out: 32}\n  - {name: fc2, type: dense, out: 16}\n");
    const ChipRunResult r1 = run_chip(one.tile(), one.chip, net, 1, 1);
    const ChipRunResult r2 = run_chip(two.tile(), two.chip, net, 1, 1);
    CHECK(r1.latency_cycles == 294);
    CHECK(r2.latency_cycles == 560);
    CHECK(r2.tile_mvms == 2);  // an MVM of two passes is one MVM of the schedule
    // Timing only: every MVM costs the reference energy, twice with two passes.
    const double dyn1 = r1.energy_pj.input + r1.energy_pj.pwm + r1.energy_pj.array + r1.energy_pj.adc + r1.energy_pj.ldpu;
    const double dyn2 = r2.energy_pj.input + r2.energy_pj.pwm + r2.energy_pj.array + r2.energy_pj.adc + r2.energy_pj.ldpu;
    CHECK(dyn2 == Approx(2.0 * dyn1));
}

TEST_CASE("tile.input.passes out of 1 to 4 exits 2 naming the key, and training refuses passes > 1", "[passes]") {
    const std::string config = test::source_path("configs/hermes64.yaml");
    for (const char* bad : {"0", "5", "1.5", "two"}) {
        INFO(bad);
        const test::CommandResult r =
            test::run_cli("run " + config + " --set tile.input.passes=" + bad + " --set accuracy.enabled=false -q");
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.output, Catch::Contains("passes"));
    }
    const test::CommandResult t = test::run_cli("train " + test::source_path("configs/training_fmnist.yaml") +
                                                " --set tile.input.passes=2");
    CHECK(t.exit_code == 2);
    CHECK_THAT(t.output, Catch::Contains("tile.input.passes must be 1"));
}

TEST_CASE("with input passes the functional chip gives AnalogNetwork::forward's bits and the batched path its values",
          "[passes][chip]") {
    const test::ChipConfig c = test::hermes64_chip(2, 2, {"tile.device={model: pcm}", "tile.input.passes=3"});
    const Network net = test::layer_list_net(
        "input: {c: 300}\nlayers:\n  - {name: fc1, type: dense, out: 40, relu: true}\n"
        "  - {name: fc2, type: dense, out: 10}\n",
        "random");
    const TileConfig tile = c.tile();
    const Mapping map = map_network(net, 256, 256, c.chip.rows, c.chip.cols);
    REQUIRE(map.placement(0)->row_blocks == 2);  // 300 rows: partial sums of two tiles
    std::vector<std::vector<float>> inputs, calib;
    Rng rng(1, Stream::Other, {});
    for (int i = 0; i < 6; ++i) {
        std::vector<float> v(300);
        for (float& x : v) x = static_cast<float>(rng.uniform());
        (i < 3 ? inputs : calib).push_back(v);
    }
    AnalogNetwork analog(net, map, tile, 5, calib, 1.0, 2);
    REQUIRE(analog.input_passes() == 3);
    analog.set_time(3600.0);
    ChipRunOptions opts;
    opts.seed = 5;
    opts.batch = 3;
    opts.functional = true;
    opts.t_inference_s = 3600.0;
    opts.inputs = inputs;
    opts.calibration = calib;
    opts.first_image = 20;
    const ChipRunResult r = run_chip(tile, c.chip, net, opts);
    REQUIRE(r.outputs.size() == 3);
    for (int i = 0; i < 3; ++i) {
        const std::vector<float> ref = analog.forward(inputs[static_cast<std::size_t>(i)], 20 + i, true);
        CHECK(test::identical(r.outputs[static_cast<std::size_t>(i)], ref));
    }
    // Each pass draws its own read noise: another image id moves the outputs.
    CHECK_FALSE(test::identical(analog.forward(inputs[0], 21, true), analog.forward(inputs[0], 20, true)));
}

TEST_CASE("the float preset's three input passes give the float network, batched or not, to 1e-5", "[passes]") {
    // configs/hermes64_float.yaml: ideal devices, 24-bit ideal ADC, 3 passes (22-bit inputs,
    // error <= 2^-15 of an input's step of 1/127 of its calibrated largest value).
    ConfigNode root = load_config_file(test::source_path("configs/hermes64_float.yaml"));
    const TileConfig tile = TileConfig::parse(root.at("tile"));
    const Network net = test::layer_list_net(
        "input: {c: 300}\nlayers:\n  - {name: fc1, type: dense, out: 40, relu: true}\n"
        "  - {name: fc2, type: dense, out: 10}\n",
        "random");
    const Mapping map = map_network(net, 256, 256, 2, 2);
    std::vector<std::vector<float>> inputs;
    Rng rng(2, Stream::Other, {});
    for (int i = 0; i < 4; ++i) {
        std::vector<float> v(300);
        for (float& x : v) x = static_cast<float>(rng.uniform());
        inputs.push_back(v);
    }
    AnalogNetwork analog(net, map, tile, 5, inputs, 1.0, 2);
    REQUIRE(analog.input_passes() == 3);
    analog.set_time(3600.0);
    const std::uint64_t ids[4] = {0, 1, 2, 3};
    const auto batched = analog.forward_batch(inputs, ids, true);
    double worst = 0, worst_batched = 0, scale = 0;
    for (int i = 0; i < 4; ++i) {
        const std::vector<float> ref = forward_float(net, inputs[static_cast<std::size_t>(i)]);
        const std::vector<float> y = analog.forward(inputs[static_cast<std::size_t>(i)], ids[i], true);
        for (std::size_t j = 0; j < ref.size(); ++j) {
            scale = std::max(scale, static_cast<double>(std::fabs(ref[j])));
            worst = std::max(worst, static_cast<double>(std::fabs(y[j] - ref[j])));
            worst_batched = std::max(worst_batched, static_cast<double>(std::fabs(batched[static_cast<std::size_t>(i)][j] - ref[j])));
        }
    }
    INFO("largest |output| " << scale << ", error " << worst << ", batched " << worst_batched);
    REQUIRE(scale > 0.1);
    CHECK(worst <= 1e-5 * scale);
    CHECK(worst_batched <= 1e-5 * scale);
}
