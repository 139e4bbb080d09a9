// One set of numerics: the SystemC chip in functional mode and the batched accuracy
// path (AnalogNetwork) give bit-identical outputs for the same config, seed and
// calibration images, whatever the thread count.
#include <catch2/catch.hpp>

#include <cstring>
#include <vector>

#include "aimcsim/core/config.h"
#include "aimcsim/core/registry.h"
#include "aimcsim/tile.h"
#include "src/import/idx_dataset.h"
#include "src/import/onnx_import.h"
#include "src/functional/analog_network.h"
#include "src/functional/evaluator.h"
#include "src/chip/chip_params.h"
#include "src/chip/chip_run.h"
#include "src/mapping/mapper.h"
#include "tests/test_support.h"

using namespace aimcsim;

TEST_CASE("chip accuracy: SystemC chip and AnalogNetwork give bit-identical outputs", "[chip][accuracy]") {
    ConfigNode root = load_config_file(test::source_path("configs/hermes64.yaml"));
    apply_override(root, "tile.device={model: pcm}");
    ChipParams chip = parse_chip_params(root.at("chip"));
    chip.rows = 8;
    chip.cols = 8;
    const TileConfig tile = TileConfig::parse(root.at("tile"));
    const Network net = load_onnx(test::source_path("workloads/onnx/fmnist_cnn_hwa.onnx"));

    const int n = 8;
    const Dataset test = load_fashion_mnist(kFashionMnistDir, "t10k", n);
    const Dataset train = load_fashion_mnist(kFashionMnistDir, "train", 32);
    std::vector<std::vector<float>> inputs, calib;
    for (int i = 0; i < n; ++i) inputs.push_back(test.image(static_cast<std::size_t>(i)));
    for (std::size_t i = 0; i < train.count; ++i) calib.push_back(train.image(i));

    const double t_s = 3600.0;
    const std::uint64_t seed = 11;
    const std::uint64_t first_image = 100;

    // The batched path, on its own mapping and its own (identically programmed) tiles.
    const std::unique_ptr<TileModel> probe = tile.create();
    const Mapping map = map_network(net, probe->rows(), probe->cols(), chip.rows, chip.cols);
    AnalogNetwork analog(net, map, tile, seed, calib, 1.0, 2);
    analog.set_time(t_s);

    for (bool gdc : {true, false}) {
        std::vector<std::vector<float>> ref;
        for (int i = 0; i < n; ++i)
            ref.push_back(analog.forward(inputs[static_cast<std::size_t>(i)], first_image + i, gdc));
        for (int threads : {1, 2}) {
            INFO("gdc " << gdc << ", threads " << threads);
            ChipRunOptions opts;
            opts.seed = seed;
            opts.batch = n;
            opts.functional = true;
            opts.t_inference_s = t_s;
            opts.threads = threads;
            opts.inputs = inputs;
            opts.calibration = calib;
            opts.gdc = gdc;
            opts.first_image = first_image;
            const ChipRunResult r = run_chip(tile, chip, net, opts);
            REQUIRE(r.outputs.size() == static_cast<std::size_t>(n));
            int same_prediction = 0;
            for (int i = 0; i < n; ++i) {
                INFO("image " << i);
                CHECK(test::identical(r.outputs[static_cast<std::size_t>(i)], ref[static_cast<std::size_t>(i)]));
                same_prediction +=
                    argmax(r.outputs[static_cast<std::size_t>(i)]) == argmax(ref[static_cast<std::size_t>(i)]);
            }
            CHECK(same_prediction == n);
            CHECK(r.tile_mvms > 0);
        }
    }

    // The noise is really there: another image id changes the outputs.
    CHECK_FALSE(test::identical(analog.forward(inputs[0], first_image, true),
                                analog.forward(inputs[0], first_image + 1, true)));
}
