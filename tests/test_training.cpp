// In-memory training (src/training/, docs/training.md): the update rules derived by hand on a
// tiny layer, the stochastic rounding of analog_sgd against its binomial statistics, the
// tile's transposed read against the exact W^T x within the converters' closed-form noise,
// and bad input.
#include <catch2/catch.hpp>

#include <atomic>
#include <cmath>
#include <memory>

#include "aimcsim/core/config.h"
#include "aimcsim/core/error.h"
#include "aimcsim/update.h"
#include "src/import/onnx_import.h"
#include "src/training/device_pairs.h"
#include "src/training/trainer.h"
#include "src/training/training_settings.h"
#include "test_support.h"
#include "tiles/hermes_tile.h"

using namespace aimcsim;
using Catch::Matchers::Contains;

namespace {

// A device of 4 uS without noise, and a linear pulse response of exactly 1 uS per pulse:
// the conductances after an update can be counted by hand.
std::unique_ptr<DeviceModel> ideal_device() {
    return Registry<DeviceModel>::instance().create(ConfigNode::parse_yaml("{model: ideal, g_max_us: 4}", "<test>"));
}
std::unique_ptr<UpdateModel> linear_update() {
    return Registry<UpdateModel>::instance().create(ConfigNode::parse_yaml(
        "{model: pcm_set, step_min: 0.25, a: 0, step_dtod: 0, step_c2c: 0, g_sat_dtod: 0, reset_mean: 0, "
        "reset_sigma: 0}",
        "<test>"));
}

}  // namespace

TEST_CASE("mixed precision: floor(chi/epsilon) pulses on the group of chi's sign, the remainder kept", "[training]") {
    auto device = ideal_device();
    auto update = linear_update();
    DevicePairs pairs(1, 3, 1, *device, *update);
    Rng rng(1, Stream::Training, {99});
    pairs.program({0.0F, 0.0F, 0.0F}, 1.0, rng, 0.0);
    // epsilon 1 uS of a 4 uS group: 0.25 in weight units (weight_scale 1).
    const double eps_w = 0.25;
    std::vector<float> chi(3, 0.0F);
    const float dw1[3] = {0.625F, -0.3125F, 0.125F};
    PulseTally t = pairs.update_mixed_precision(dw1, chi, eps_w, rng, 1.0);
    // 0.625/0.25 = 2.5: 2 pulses on G+, 0.125 kept; -0.3125: 1 pulse on G-, -0.0625 kept; 0.125: none.
    CHECK(t.pulses == 3);
    CHECK(t.refreshes == 0);
    CHECK(t.pulse_rows_max_sum == 2);
    CHECK(pairs.g_pos(0) == 2.0);
    CHECK(pairs.g_neg(0) == 0.0);
    CHECK(pairs.g_pos(1) == 0.0);
    CHECK(pairs.g_neg(1) == 1.0);
    CHECK(pairs.g_pos(2) == 0.0);
    CHECK(pairs.g_neg(2) == 0.0);
    CHECK(chi[0] == 0.125F);
    CHECK(chi[1] == -0.0625F);
    CHECK(chi[2] == 0.125F);
    // The remainders count: 0.125 + 0.125 = 0.25 is one more pulse on w2's G+.
    const float dw2[3] = {-0.375F, 0.0F, 0.125F};
    t = pairs.update_mixed_precision(dw2, chi, eps_w, rng, 2.0);
    // w0: 0.125 - 0.375 = -0.25 -> 1 pulse on G-, chi 0.
    CHECK(t.pulses == 2);
    CHECK(pairs.g_neg(0) == 1.0);
    CHECK(pairs.g_pos(2) == 1.0);
    CHECK(chi[0] == 0.0F);
    CHECK(chi[2] == 0.0F);
    CHECK(pairs.weight(0) == 0.25);  // (2 - 1) / 4
}

TEST_CASE("mixed precision: a group past the refresh threshold is RESET and the difference reprogrammed",
          "[training]") {
    auto device = ideal_device();
    auto update = linear_update();
    DevicePairs pairs(1, 1, 1, *device, *update);
    pairs.set_refresh_threshold(0.9);  // 3.6 uS of the device's 4 uS saturation
    Rng rng(1, Stream::Training, {98});
    pairs.program({0.0F}, 1.0, rng, 0.0);
    std::vector<float> chi(1, 0.0F);
    const float up3 = 0.75F, down1 = -0.25F, up1 = 0.25F;
    pairs.update_mixed_precision(&up3, chi, 0.25, rng, 1.0);    // G+ = 3
    pairs.update_mixed_precision(&down1, chi, 0.25, rng, 1.0);  // G- = 1
    CHECK(pairs.g_pos(0) == 3.0);
    CHECK(pairs.g_neg(0) == 1.0);
    const PulseTally t = pairs.update_mixed_precision(&up1, chi, 0.25, rng, 2.0);  // G+ = 4 > 3.6: refresh
    CHECK(t.pulses == 1);
    CHECK(t.refreshes == 1);
    // RESET both to 0, then G+ programmed to the difference 4 - 1 = 3: the weight survives.
    CHECK(pairs.g_pos(0) == 3.0);
    CHECK(pairs.g_neg(0) == 0.0);
    CHECK(pairs.weight(0) == 0.75);
}

TEST_CASE("analog_sgd rounds |dw|/epsilon stochastically: binomial mean and spread", "[training]") {
    auto device = ideal_device();
    auto update = linear_update();
    const int n = 10000;
    DevicePairs pairs(100, 100, 1, *device, *update);
    Rng rng(3, Stream::Training, {97});
    pairs.program(std::vector<float>(n, 0.0F), 1.0, rng, 0.0);
    // 0.3 epsilon each: 0 or 1 pulse, 1 with probability 0.3; negative updates pulse G-.
    std::vector<float> dw(n);
    for (int i = 0; i < n; ++i) dw[i] = (i % 2 ? -0.3F : 0.3F) * 0.25F;
    const PulseTally t = pairs.update_analog_sgd(dw.data(), 0.25, rng, 1.0);
    const double sd = std::sqrt(n * 0.3 * 0.7);
    CHECK(std::fabs(t.pulses - 0.3 * n) < 5.0 * sd);
    long pos = 0, neg = 0;
    for (int i = 0; i < n; ++i) {
        CHECK((pairs.g_pos(i) == 0.0 || pairs.g_pos(i) == 1.0));
        pos += pairs.g_pos(i) > 0.0;
        neg += pairs.g_neg(i) > 0.0;
        if (i % 2) CHECK(pairs.g_pos(i) == 0.0);
        if (i % 2 == 0) CHECK(pairs.g_neg(i) == 0.0);
    }
    CHECK(pos + neg == t.pulses);
    CHECK(DevicePairs::take_pulses(*std::make_unique<float>(-0.99F), 0.25) == -3);
}

TEST_CASE("transposed read: W^T x through the devices, error within the row converters' noise", "[training]") {
    const ConfigNode tile_yaml = ConfigNode::parse_yaml(
        "{model: hermes, rows: 64, cols: 32, devices_per_polarity: 1, device: {model: ideal, g_max_us: 4}, "
        "adc: {model: cco, gain_sigma: 0, offset_sigma_lsb: 0, noise_lsb: 1.0}, gdc: {enabled: false}}",
        "<test>");
    const std::unique_ptr<TileModel> tile = TileConfig::parse(tile_yaml).create();
    auto* trainable = dynamic_cast<TrainableTile*>(tile.get());
    REQUIRE(trainable != nullptr);
    const int rows = 64, cols = 32, n = 200;
    Rng rng(5, Stream::Other, {1});
    ConductanceBlock cb;
    cb.rows = rows;
    cb.cols = cols;
    for (int i = 0; i < rows * cols; ++i) {
        cb.g_pos_us.push_back(static_cast<float>(4.0 * rng.uniform()));
        cb.g_neg_us.push_back(static_cast<float>(4.0 * rng.uniform()));
    }
    cb.weight_scale = 0.5;
    cb.transposed_range = 32.0;  // no row can clip: |sum_j w_norm x_norm| <= 32
    trainable->load_conductances(cb, {1, 7});
    std::vector<std::int8_t> x(static_cast<std::size_t>(n) * cols);
    for (auto& v : x) v = static_cast<std::int8_t>(rng.uniform_int(-127, 127));
    std::vector<float> y(static_cast<std::size_t>(n) * rows);
    std::vector<std::uint64_t> ids(n);
    for (int k = 0; k < n; ++k) ids[k] = static_cast<std::uint64_t>(k);
    const RngKeyPrefix key = Rng::prefix(1, Stream::MvmNoise, {7});
    MvmEnergy energy;
    trainable->mvm_transposed_batch(x.data(), n, cols, y.data(), rows, &energy, &key, ids.data());
    // One count = range / max_count of row value, times the weight scale and the largest code.
    const int max_count = dynamic_cast<HermesTile&>(*tile).adc().max_count();
    const double lsb = 32.0 / max_count * 0.5 * 127;
    double sum = 0.0, sum2 = 0.0;
    for (int k = 0; k < n; ++k) {
        for (int i = 0; i < rows; ++i) {
            double exact = 0.0;
            for (int j = 0; j < cols; ++j) {
                const std::size_t w = static_cast<std::size_t>(i) * cols + j;
                exact += 0.5 * (cb.g_pos_us[w] - cb.g_neg_us[w]) / 4.0 * x[static_cast<std::size_t>(k) * cols + j];
            }
            const double e = (y[static_cast<std::size_t>(k) * rows + i] - exact) / lsb;
            sum += e;
            sum2 += e * e;
        }
    }
    const double m = n * rows;
    const double mean = sum / m, sd = std::sqrt(sum2 / m - mean * mean);
    // Each count: Gaussian noise of 1 LSB plus rounding (uniform, 1/12 LSB^2).
    const double expected_sd = std::sqrt(1.0 + 1.0 / 12.0);
    CHECK(std::fabs(mean) < 4.0 * expected_sd / std::sqrt(m));
    CHECK(sd == Approx(expected_sd).epsilon(0.03));
    CHECK(energy.adc_pj > 0.0);
    CHECK(energy.array_pj > 0.0);
}

TEST_CASE("training refuses bad input: unsupported ops, zero epochs, a NaN learning rate, a tile without training",
          "[training]") {
    const Network vit = load_onnx(test::source_path("workloads/onnx/fmnist_vit.onnx"));
    CHECK_THROWS_WITH(training_stages(vit), Contains("training supports Conv, Dense"));
    const Network cnn = load_onnx(test::source_path("workloads/onnx/fmnist_cnn.onnx"));
    const std::vector<StageSpec> stages = training_stages(cnn);
    REQUIRE(stages.size() == 10);  // conv relu pool conv relu pool flatten dense relu dense
    CHECK(stages[0].kind == StageKind::Conv);
    CHECK(stages[0].rows == 9);
    CHECK(stages[0].pixels() == 784);
    CHECK(stages[2].kind == StageKind::MaxPool);
    CHECK(stages[3].rows == 144);
    CHECK(stages[3].pixels() == 196);
    CHECK(stages[7].rows == 1568);
    const Network mlp = load_onnx(test::source_path("workloads/onnx/fmnist_mlp.onnx"));
    const std::vector<StageSpec> layers = training_stages(mlp);
    REQUIRE(layers.size() == 6);  // flatten dense relu dense relu dense
    CHECK(layers[1].rows == 784);
    CHECK(layers[5].cols == 10);
    const auto parse = [](const std::string& yaml) {
        return TrainingSettings::from(TrainingSettings::schema().parse(ConfigNode::parse_yaml(yaml, "t.yaml"), {}));
    };
    CHECK_THROWS_WITH(parse("{epochs: 0}"), Contains("t.yaml") && Contains("epochs"));
    CHECK_THROWS_WITH(parse("{learning_rate: .nan}"), Contains("learning_rate"));
    CHECK_THROWS_WITH(parse("{rule: analogue_sgd}"), Contains("analog_sgd"));
    CHECK_THROWS_WITH(parse("{epoch: 3}"), Contains("epochs"));  // did-you-mean
    CHECK(parse("{rule: float}").rule == TrainingRule::Float);

    const auto r = test::run_cli("train " + test::source_path("configs/training_fmnist.yaml") + " --workload " +
                                 test::source_path("workloads/onnx/fmnist_vit.onnx") + " -q");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Contains("training supports"));
    const auto z = test::run_cli("train " + test::source_path("configs/training_fmnist.yaml") + " --workload " +
                                 test::source_path("workloads/onnx/fmnist_mlp.onnx") + " --epochs 0 -q");
    CHECK(z.exit_code == 2);
    CHECK_THAT(z.output, Contains("epochs"));
}

TEST_CASE("a stopped training keeps the finished epochs, each with its loss, pulses, time and energy", "[training]") {
    const Network mlp = load_onnx(test::source_path("workloads/onnx/fmnist_mlp.onnx"));
    TrainingJob job;
    job.net = &mlp;
    job.tile = TileConfig::parse(ConfigNode::parse_yaml("{devices_per_polarity: 1}", "<test>"));
    job.seed = 3;
    job.settings = TrainingSettings::from(TrainingSettings::schema().parse(
        ConfigNode::parse_yaml("{epochs: 3, samples: 256, test_samples: 100, batch: 32}", "<test>"), {}));
    std::atomic<bool> stop{false};
    job.stop = &stop;
    job.on_epoch = [&](const TrainingResult&) { stop.store(true); };  // as SIGINT during epoch 2
    const TrainingResult r = train_network(job);
    CHECK(r.interrupted);
    REQUIRE(r.epochs.size() == 1);
    const EpochRecord& e = r.epochs.front();
    CHECK(e.cost.images == 256);
    CHECK(e.cost.steps == 8);
    CHECK(e.cost.pulses > 0);
    CHECK(e.train_loss > 0.0);
    // 256 images, layer after layer, each layer's MVM as long as its tiles' (784x256, 256x128 and
    // 128x10: 256, 128 and 10 columns); the backward pass skips the first layer.
    const std::unique_ptr<TileModel> tile = job.tile.create();
    const auto ns = [&](int cols) { return tile->phases_for_columns(cols).latency() / tile->clock_ghz(); };
    CHECK(e.cost.forward_ns == Approx(256.0 * (ns(256) + ns(128) + ns(10))));
    CHECK(e.cost.backward_ns == Approx(256.0 * (ns(128) + ns(10))));
    CHECK(e.cost.pulse_pj == Approx(e.cost.pulses * 7.5));  // pcm_set's SET pulse energy
    CHECK(r.drift.empty());  // stopped before the drift evaluation
}

TEST_CASE("a tile with IR drop or stuck devices refuses set conductances instead of ignoring them", "[training]") {
    for (const char* extra : {"ir_drop: {enabled: true}", "stuck_low_fraction: 0.01"}) {
        const std::string yaml = std::string("{model: hermes, rows: 8, cols: 4, devices_per_polarity: 1, ") + extra + "}";
        const std::unique_ptr<TileModel> tile = TileConfig::parse(ConfigNode::parse_yaml(yaml, "<test>")).create();
        ConductanceBlock cb;
        cb.rows = 8;
        cb.cols = 4;
        cb.g_pos_us.assign(32, 1.0F);
        cb.g_neg_us.assign(32, 0.0F);
        CHECK_THROWS_WITH(dynamic_cast<TrainableTile&>(*tile).load_conductances(cb, {1, 1}),
                          Contains("not modelled under in-memory training"));
    }
}
