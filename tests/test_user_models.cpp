// The models users bring (scripts/export_models.py): a torchvision-style MobileNetV2
// (depthwise convolutions, ReLU6 = Clip) and a pre-activation ResNet (BatchNorm not
// after a conv) import, match PyTorch's saved outputs through the float executor, map
// (depthwise layers block-diagonally), and run on the SystemC chip in functional mode
// with outputs bit-identical to the analog network's.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "aimcsim/core/config.h"
#include "aimcsim/tile.h"
#include "src/chip/chip_params.h"
#include "src/chip/chip_run.h"
#include "src/functional/analog_network.h"
#include "src/import/npy.h"
#include "src/import/onnx_import.h"
#include "src/mapping/mapper.h"
#include "src/network/batch_forward.h"
#include "tests/test_support.h"

using namespace aimcsim;

namespace {

std::vector<std::vector<float>> samples(const NpyArray& a) {
    const std::size_t n = a.shape.front(), per = a.data.size() / n;
    std::vector<std::vector<float>> out;
    for (std::size_t i = 0; i < n; ++i) out.emplace_back(a.data.begin() + i * per, a.data.begin() + (i + 1) * per);
    return out;
}

}  // namespace

TEST_CASE("MobileNetV2 and a pre-activation ResNet match PyTorch and run on the chip", "[onnx][chip][user_models]") {
    for (const std::string name : {"mobilenetv2_cifar", "preact_resnet_cifar"}) {
        INFO(name);
        const Network net = load_onnx(test::source_path("workloads/onnx/" + name + ".onnx"));
        CHECK(net.declared_batch == 0);  // exported with a symbolic batch
        int grouped = 0, affine = 0, clip = 0;
        for (const Layer& l : net.layers) {
            grouped += l.groups > 1 && l.groups == l.cols;
            affine += l.op == Op::ChannelAffine;
            clip += l.op == Op::Unary && l.unary.kind == UnaryKind::Clip;
        }
        if (name == "mobilenetv2_cifar") {
            CHECK(grouped == 8);  // one depthwise conv per inverted residual
            CHECK(clip > 0);
        } else {
            CHECK(affine == 4);  // each block's bn1 (its input also feeds the shortcut) and the last BN (after an Add)
        }
        const auto x = samples(read_npy(test::source_path("workloads/onnx/" + name + "_input.npy")));
        const NpyArray want = read_npy(test::source_path("workloads/onnx/" + name + "_output.npy"));
        const auto batch =
            forward_network_batch(net, x, [&](int li, int n, const float* xs, float* ys, const int*, const int*) {
                matmul_float(net.layers[li], n, xs, ys);
            });
        for (std::size_t i = 0; i < x.size(); ++i) {
            const std::vector<float> y = forward_float(net, x[i]);
            for (std::size_t k = 0; k < y.size(); ++k) {
                const float w = want.data[i * y.size() + k];
                CHECK(std::fabs(y[k] - w) <= 1e-4 + 1e-4 * std::fabs(w));
                CHECK(std::fabs(batch[i][k] - y[k]) <= 1e-4 + 1e-4 * std::fabs(y[k]));
            }
        }

        ConfigNode root = load_config_file(test::source_path("configs/hermes64.yaml"));
        const ChipParams chip = parse_chip_params(root.at("chip"));
        const TileConfig tile = TileConfig::parse(root.at("tile"));
        const Mapping map = map_network(net, 256, 256, chip.rows, chip.cols);
        // Depthwise layers hold only their diagonal: fewer programmed cells than the blocks' area.
        long long area = 0;
        for (const TileBlock& b : map.blocks) area += static_cast<long long>(b.rows) * b.cols;
        if (name == "mobilenetv2_cifar") CHECK(map.cells_used() < area);

        AnalogNetwork analog(net, map, tile, 5, x, 1.0, 2);
        analog.set_time(1.0);
        ChipRunOptions opts;
        opts.seed = 5;
        opts.batch = 2;
        opts.functional = true;
        opts.threads = 2;
        opts.inputs = {x[0], x[1]};
        opts.calibration = x;
        const ChipRunResult r = run_chip(tile, chip, net, opts);
        REQUIRE(r.outputs.size() == 2);
        for (std::size_t i = 0; i < 2; ++i)
            CHECK(test::identical(r.outputs[i], analog.forward(x[i], static_cast<std::uint64_t>(i), true)));
        CHECK(r.tile_mvms > 0);
    }
}
