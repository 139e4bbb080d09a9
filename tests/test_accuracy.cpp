// The batched accuracy path: analog network on tiles vs the float network.
#include <catch2/catch.hpp>

#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "src/import/idx_dataset.h"
#include "src/import/onnx_import.h"
#include "src/functional/analog_network.h"
#include "src/functional/evaluator.h"
#include "src/core/parallel.h"
#include "src/app/run_config.h"
#include "tests/test_support.h"

using namespace aimcsim;

namespace {

struct Fixture {
    Network net;
    Mapping map;
    Dataset test;
    std::vector<std::vector<float>> calib;
    explicit Fixture(const std::string& model, std::size_t samples) {
        net = load_onnx(test::source_path("workloads/onnx/" + model + ".onnx"));
        map = map_network(net, 256, 256, 8, 8);
        test = load_fashion_mnist(kFashionMnistDir, "t10k", samples);
        const Dataset train = load_fashion_mnist(kFashionMnistDir, "train", 64);
        for (std::size_t i = 0; i < train.count; ++i) calib.push_back(train.image(i));
    }
};

TileConfig tile_config(const std::string& yaml) {
    return TileConfig::parse(ConfigNode::parse_yaml("model: hermes\n" + yaml, "tile.yaml"));
}

}  // namespace

TEST_CASE("ideal devices and a fine ADC follow the float network", "[accuracy]") {
    Fixture f("fmnist_cnn", 300);
    const TileConfig tile =
        tile_config("device: {model: ideal}\nadc: {model: ideal, bits: 24}\ngdc: {enabled: false}\n");
    AnalogNetwork chip(f.net, f.map, tile, 1, f.calib, 1.0, 2);
    chip.set_time(3600.0);
    int agree = 0;
    double max_rel = 0.0;
    for (std::size_t i = 0; i < f.test.count; ++i) {
        const auto x = f.test.image(i);
        const auto ref = forward_float(f.net, x);
        const auto y = chip.forward(x, i, false);
        agree += argmax(ref) == argmax(y) ? 1 : 0;
        double num = 0.0, den = 0.0;
        for (std::size_t k = 0; k < y.size(); ++k) {
            num += (y[k] - ref[k]) * (y[k] - ref[k]);
            den += ref[k] * ref[k];
        }
        max_rel = std::max(max_rel, std::sqrt(num / den));
    }
    // Only the 8-bit activations differ from float: logits within a few percent, and
    // the same class for (almost) every image.
    CHECK(max_rel < 0.05);
    CHECK(agree >= static_cast<int>(f.test.count) - 3);
}

TEST_CASE("analog outputs do not depend on the thread count", "[accuracy][determinism]") {
    Fixture f("fmnist_cnn_hwa", 64);
    const TileConfig tile = tile_config("device: {model: pcm}\n");
    AnalogNetwork one(f.net, f.map, tile, 7, f.calib, 1.0, 1);
    AnalogNetwork two(f.net, f.map, tile, 7, f.calib, 1.0, 2);
    one.set_time(3600.0);
    two.set_time(3600.0);
    std::vector<std::vector<float>> a(f.test.count), b(f.test.count);
    parallel_for(f.test.count, 1, [&](std::size_t i) { a[i] = one.forward(f.test.image(i), i, true); });
    parallel_for(f.test.count, 2, [&](std::size_t i) { b[i] = two.forward(f.test.image(i), i, true); });
    for (std::size_t i = 0; i < f.test.count; ++i) {
        REQUIRE(std::memcmp(a[i].data(), b[i].data(), a[i].size() * sizeof(float)) == 0);
    }
    // Another seed programs other devices: outputs differ.
    AnalogNetwork other(f.net, f.map, tile, 8, f.calib, 1.0, 2);
    other.set_time(3600.0);
    CHECK(other.forward(f.test.image(0), 0, true) != a[0]);
}

TEST_CASE("hardware-aware training keeps accuracy under PCM noise and drift without GDC costs it", "[accuracy][slow]") {
    // pcm, two devices per polarity, 1 hour and 1 day after programming, on the first
    // 3000 test images (paired: both models and all conditions see the same images).
    const TileConfig tile = tile_config("device: {model: pcm}\ndevices_per_polarity: 2\n");
    AccuracySettings settings;
    settings.samples = 3000;
    settings.dataset_dir = kFashionMnistDir;
    auto run = [&](const std::string& model) {
        const Network net = load_onnx(test::source_path("workloads/onnx/" + model + ".onnx"));
        const Mapping map = map_network(net, 256, 256, 8, 8);
        const AccuracyJob job{&net, &map, &tile, 1, {3600.0, 86400.0}, true, 2};
        return evaluate_accuracy(job, settings);
    };
    const AccuracyResult hwa = run("fmnist_cnn_hwa");
    const AccuracyResult plain = run("fmnist_cnn");
    REQUIRE(hwa.vs_time.size() == 4);  // (1 h, 1 day) x (GDC on, off)
    const double hwa_loss = hwa.top1_float - hwa.vs_time[0].top1;
    const double plain_loss = plain.top1_float - plain.vs_time[0].top1;
    CHECK(hwa_loss < 0.015);
    CHECK(plain_loss > hwa_loss);
    // 1 day without drift compensation: conductances ~40 % lower than calibrated.
    CHECK(hwa.vs_time[3].gdc == false);
    CHECK(hwa.vs_time[3].top1 < hwa.vs_time[2].top1 - 0.01);
    CHECK(plain.vs_time[3].top1 < plain.vs_time[2].top1 - 0.01);
}

TEST_CASE("the float preset reproduces the float accuracy on the full test set", "[accuracy][slow]") {
    // configs/hermes64_float.yaml's tile: ideal devices, 24-bit ideal ADC, no GDC. Only
    // the 8-bit activations remain; top-1 must stay within 0.1 points of float.
    const RunConfig rc = load_run_config(test::source_path("configs/hermes64_float.yaml"), {});
    const Network net = load_onnx(test::source_path("workloads/onnx/fmnist_cnn_hwa.onnx"));
    const Mapping map = map_network(net, 256, 256, 8, 8);
    AccuracySettings settings;
    settings.samples = 0;  // all 10,000
    settings.dataset_dir = kFashionMnistDir;
    settings.compare_gdc = false;
    const AccuracyJob job{&net, &map, &rc.tile, rc.seed, {3600.0}, false, 2};
    const AccuracyResult r = evaluate_accuracy(job, settings);
    CHECK(r.samples == 10000);
    // The float accuracy torch measured when it exported the model.
    std::ifstream recorded(test::source_path("workloads/onnx/fmnist_cnn_hwa.json"));
    CHECK(r.top1_float == Approx(nlohmann::json::parse(recorded)["float_top1"].get<double>()).margin(1e-4));
    CHECK(std::fabs(r.vs_time[0].top1 - r.top1_float) <= 0.001);
}
