// The batched accuracy path: analog network on tiles vs the float network.
#include <catch2/catch.hpp>

#include <cstring>

#include "aimcsim/workload/idx_dataset.h"
#include "aimcsim/workload/onnx_import.h"
#include "src/accuracy/analog_network.h"
#include "src/accuracy/evaluator.h"
#include "src/core/parallel.h"
#include "tests/test_support.h"

using namespace aimcsim;

namespace {

struct Fixture {
    Network net;
    Mapping map;
    Dataset test;
    std::vector<std::vector<float>> calib;
    explicit Fixture(const std::string& model, std::size_t samples) {
        net = load_onnx(test::source_path("workloads/models/" + model + ".onnx"));
        map = map_network(net, 256, 256, 8, 8);
        test = load_fashion_mnist(kFashionMnistDir, "t10k", samples);
        const Dataset train = load_fashion_mnist(kFashionMnistDir, "train", 64);
        for (std::size_t i = 0; i < train.count; ++i) calib.push_back(train.image(i));
    }
};

ConfigNode tile_config(const std::string& yaml) { return ConfigNode::parse_yaml("model: hermes\n" + yaml, "tile.yaml"); }

}  // namespace

TEST_CASE("ideal devices and a fine ADC follow the float network", "[accuracy]") {
    Fixture f("fmnist_cnn", 300);
    const ConfigNode tile = tile_config("device: {model: ideal}\nadc: {model: ideal, bits: 24}\ngdc: {enabled: false}\n");
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
    const ConfigNode tile = tile_config("device: {model: pcm}\n");
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
