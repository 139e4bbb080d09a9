// Softmax: the numerics against the hand formula, the ONNX and layer-list front
// ends, the chip timeline on a GDPU derived by hand in cycles, the functional chip
// against the batched numerics, and accuracy / infer on a model that ends in Softmax.
#include <onnx/onnx_pb.h>
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <fstream>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "aimcsim/core/config.h"
#include "aimcsim/core/error.h"
#include "aimcsim/core/registry.h"
#include "aimcsim/core/rng.h"
#include "aimcsim/tile.h"
#include "src/import/idx_dataset.h"
#include "aimcsim/network.h"
#include "src/import/onnx_import.h"
#include "src/functional/analog_network.h"
#include "src/functional/evaluator.h"
#include "src/chip/chip_params.h"
#include "src/app/report/chip_report.h"
#include "src/app/report/chip_trace.h"
#include "src/app/report/layers_csv.h"
#include "src/chip/chip_run.h"
#include "src/import/layer_list.h"
#include "src/mapping/mapper.h"
#include "src/app/infer.h"
#include "src/import/npy.h"
#include "tests/onnx_model_builder.h"
#include "tests/chip_test_support.h"
#include "tests/test_support.h"

using namespace aimcsim;
using test::onnx_model::add_init;
using test::onnx_model::add_node;
using test::onnx_model::new_model;
using test::onnx_model::save;
using test::onnx_model::set_int;

namespace {

using test::ChipConfig;
using test::layer_list_net;

// hermes64's tile and links (timing in tests/chip_test_support.h) on a smaller grid.
ChipConfig hermes64(int rows, int cols, int gdpus) {
    return test::hermes64_chip(rows, cols, {"chip.interconnect.model=hermes", "chip.gdpus=" + std::to_string(gdpus)});
}

// A flat input of x.size() features straight into a softmax.
std::vector<float> softmax_of(const std::vector<float>& x) {
    Network net;
    net.add_softmax("sm", net.add_input("x", Shape{static_cast<int>(x.size()), 1, 1}));
    return forward_float(net, x);
}

double sum_of(const std::vector<float>& v) { return std::accumulate(v.begin(), v.end(), 0.0); }

// The hand formula, in double: exp(x_k) / sum_j exp(x_j) (x small enough not to overflow).
std::vector<double> softmax_by_hand(const std::vector<double>& x) {
    double sum = 0.0;
    for (double v : x) sum += std::exp(v);
    std::vector<double> p;
    for (double v : x) p.push_back(std::exp(v) / sum);
    return p;
}

std::vector<float> random_input(std::size_t n, std::uint64_t stream) {
    Rng rng(11, Stream::Inputs, {stream});
    std::vector<float> x(n);
    for (float& v : x) v = static_cast<float>(rng.uniform());
    return x;
}

// The shipped MLP with a Softmax appended after its logits, saved in `dir`.
std::string mlp_with_softmax(const test::TempDir& dir) {
    onnx::ModelProto m;
    std::ifstream in(test::source_path("workloads/onnx/fmnist_mlp.onnx"), std::ios::binary);
    REQUIRE(m.ParseFromIstream(&in));
    auto* out = m.mutable_graph()->mutable_output(0);
    const std::string logits = out->name();
    add_node(m, "Softmax", "probs", {logits}, "probs");
    out->set_name("probs");
    const std::string path = (dir.path / "mlp_softmax.onnx").string();
    std::ofstream f(path, std::ios::binary);
    REQUIRE(m.SerializeToOstream(&f));
    return path;
}

}  // namespace

TEST_CASE("softmax: values equal the hand formula, sum to 1 and survive large inputs", "[softmax]") {
    // 1/(1 + e^-1 + e^-2) = 1/1.5032147 = 0.6652410; e^-1 times that 0.2447285; e^-2 times it 0.0900306.
    const std::vector<float> p = softmax_of({1.0f, 2.0f, 3.0f});
    REQUIRE(p.size() == 3);
    CHECK(p[0] == Approx(0.0900306).epsilon(1e-5));
    CHECK(p[1] == Approx(0.2447285).epsilon(1e-5));
    CHECK(p[2] == Approx(0.6652410).epsilon(1e-5));
    CHECK(sum_of(p) == Approx(1.0).epsilon(1e-6));
    // Shifting every input by 1000 changes nothing (exp(1000) alone overflows a float).
    const std::vector<float> big = softmax_of({1001.0f, 1002.0f, 1003.0f});
    for (std::size_t k = 0; k < 3; ++k) CHECK(big[k] == Approx(p[k]).epsilon(1e-5));
    const std::vector<float> neg = softmax_of({-1000.0f, -999.0f, -998.0f});
    for (std::size_t k = 0; k < 3; ++k) CHECK(neg[k] == Approx(p[k]).epsilon(1e-5));
    // 1000 against 0: e^-1000 underflows to 0, the winner takes exactly 1.
    const std::vector<float> far = softmax_of({1000.0f, 0.0f});
    CHECK(far[0] == 1.0f);
    CHECK(far[1] == 0.0f);
    // Equal inputs: 1/4 each, exactly.
    for (float v : softmax_of({7.0f, 7.0f, 7.0f, 7.0f})) CHECK(v == 0.25f);
}

TEST_CASE("softmax: an NCHW tensor is normalised over its channels at every pixel", "[softmax]") {
    // Two channels, two pixels. CHW: channel 0 = (0, 1), channel 1 = (ln 3, 1).
    // Pixel 0: (1, 3) / 4; pixel 1: (e, e) / 2e.
    Network net;
    const int out = net.add_softmax("sm", net.add_input("x", Shape{2, 1, 2}));
    CHECK(net.shape(out) == Shape{2, 1, 2});
    const std::vector<float> y = forward_float(net, {0.0f, 1.0f, std::log(3.0f), 1.0f});
    REQUIRE(y.size() == 4);
    CHECK(y[0] == Approx(0.25).epsilon(1e-6));
    CHECK(y[1] == Approx(0.5).epsilon(1e-6));
    CHECK(y[2] == Approx(0.75).epsilon(1e-6));
    CHECK(y[3] == Approx(0.5).epsilon(1e-6));
}

TEST_CASE("softmax: a layer list's `type: softmax`", "[softmax]") {
    const Network net =
        layer_list_net("input: {c: 8}\nlayers:\n  - {name: fc, type: dense, out: 5}\n  - {name: sm, type: softmax}\n");
    REQUIRE(net.layers.size() == 2);
    CHECK(net.layers[1].op == Op::Softmax);
    CHECK(std::string(op_name(Op::Softmax)) == "Softmax");
    CHECK(net.output_shape() == Shape{5, 1, 1});
    CHECK(net.macs_per_inference() == 8u * 5u);  // the softmax is digital
    CHECK_THAT(net.summary(), Catch::Contains("sm Softmax 5x1x1 -> 5x1x1"));
}

TEST_CASE("softmax: an ONNX model ending in Softmax equals the hand-computed float reference", "[softmax][onnx]") {
    // x = (1, 2); W = [[1, 0, -1], [0, 1, 1]], b = (0, 0, 0.5): logits (1, 2, 1.5).
    const test::TempDir dir;
    const std::vector<double> expected = softmax_by_hand({1.0, 2.0, 1.5});
    auto model = [&](int64_t opset, const std::vector<int64_t>& axis) {
        onnx::ModelProto m = new_model({1, 2}, opset);
        add_init(m, "W", {2, 3}, {1, 0, -1, 0, 1, 1}, true);
        add_init(m, "b", {3}, {0, 0, 0.5f}, false);
        add_node(m, "Gemm", "fc", {"input", "W", "b"}, "logits");
        onnx::NodeProto* sm = add_node(m, "Softmax", "sm", {"logits"}, "output");
        for (int64_t a : axis) set_int(sm, "axis", a);
        return load_onnx(save(m, dir.path, "sm.onnx"));
    };
    // Opset 13 (default axis -1), opset 11 (default 1), and both axes given: all the features of [1, 3].
    for (const Network& net : {model(13, {}), model(11, {}), model(13, {1}), model(11, {-1})}) {
        REQUIRE(net.layers.size() == 2);
        CHECK(net.layers[1].op == Op::Softmax);
        const std::vector<float> y = forward_float(net, {1.0f, 2.0f});
        REQUIRE(y.size() == 3);
        for (std::size_t k = 0; k < 3; ++k) CHECK(y[k] == Approx(expected[k]).epsilon(1e-6));
        CHECK(argmax(y) == 1);
    }
    CHECK_THAT(onnx_supported_ops(), Catch::Contains("Softmax"));

    // NCHW at opset 13, axis 1: per pixel over the channels (the numbers of the NCHW case above).
    onnx::ModelProto m = new_model({1, 2, 1, 2});
    set_int(add_node(m, "Softmax", "sm", {"input"}, "output"), "axis", 1);
    const std::vector<float> y =
        forward_float(load_onnx(save(m, dir.path, "nchw.onnx")), {0.0f, 1.0f, std::log(3.0f), 1.0f});
    CHECK(y[0] == Approx(0.25).epsilon(1e-6));
    CHECK(y[2] == Approx(0.75).epsilon(1e-6));
    // Opset 11 on 1x1 pixels: the coerced 2-D softmax is the same as over the channels.
    onnx::ModelProto one_pixel = new_model({1, 3, 1, 1}, 11);
    add_node(one_pixel, "Softmax", "sm", {"input"}, "output");
    CHECK(load_onnx(save(one_pixel, dir.path, "pixel.onnx")).layers[0].op == Op::Softmax);
}

TEST_CASE("softmax: an unsupported axis is an InputError naming the node", "[softmax][onnx]") {
    const test::TempDir dir;
    auto error = [&](const std::vector<int64_t>& dims, int64_t opset, const std::vector<int64_t>& axis) {
        onnx::ModelProto m = new_model(dims, opset);
        if (opset == 0) m.clear_opset_import();
        onnx::NodeProto* sm = add_node(m, "Softmax", "sm", {"input"}, "output");
        for (int64_t a : axis) set_int(sm, "axis", a);
        const std::string path = save(m, dir.path, "bad.onnx");
        CHECK_THROWS_AS(load_onnx(path), InputError);
        const std::string msg = test::error_of([&] { (void)load_onnx(path); });
        CHECK_THAT(msg, Catch::Contains("bad.onnx") && Catch::Contains("node 'sm' (op Softmax)"));
        return msg;
    };
    CHECK_THAT(error({1, 3}, 13, {0}), Catch::Contains("axis 0 is not supported; only softmax over the features"));
    CHECK_THAT(error({1, 3}, 13, {2}), Catch::Contains("axis 2 is out of range for a rank-2 input"));
    CHECK_THAT(error({1, 3}, 13, {std::numeric_limits<int64_t>::min()}), Catch::Contains("is out of range"));
    CHECK_THAT(error({1, 2, 2, 2}, 13, {}),
               Catch::Contains("axis -1 is not supported; only softmax over the channels"));
    CHECK_THAT(error({1, 2, 2, 2}, 13, {3}), Catch::Contains("axis 3 is not supported"));
    CHECK_THAT(error({1, 2, 2, 2}, 11, {}), Catch::Contains("one softmax over all of C*H*W = 2x2x2"));
    CHECK_THAT(error({1, 2, 2, 2}, 0, {}), Catch::Contains("declares no ai.onnx opset"));
}

TEST_CASE("softmax: on its GDPU after both column blocks arrived, latency by hand", "[softmax][gdpu][chip]") {
    // 1x2 grid, one GDPU: gdpu_tile(0) = (1 * 2) / 2 = tile 1. A dense 64 -> 300 has
    // two column blocks: cols 0..255 on tile 0, cols 256..299 (44) on tile 1.
    //   Input (64 x 8 bits = 512 bits, 16 flits) streams in at 64 bits/cycle: at the
    //   controller's tile 0 at 8: block 0 starts at 8, result at 8 + 133 + 2 (256
    //   columns) = 143; block 1's copy crosses 0 -> 1: 8 + 2 + 16 = 26, result at
    //   26 + 134 = 160.
    //   Slice 1 (44 values) is already at tile 1's router: at the GDPU at 160; its
    //   running max takes ceil(44 / 16) = 3 cycles: 160..163.
    //   Slice 0 (256 x 8 bits, 64 flits) crosses 0 -> 1: 143 + 2 + 64 = 209; its
    //   running max takes ceil(256 / 16) = 16 cycles: 209..225.
    //   Then N = 300, 16 lanes: max tree log2 16 = 4, exp pass ceil(300/16) = 19,
    //   lookup drain softmax_cycles = 4, sum tree 4, 1/sum lookup 4, normalisation
    //   19: 54 cycles, 225..279.
    //   The 300 probabilities (2400 bits, 75 flits) go back to tile 0: 279 + 2 + 75 = 356,
    //   and leave on the output stream in ceil(2400 / 64) = 38 cycles: 394.
    const Network net = layer_list_net(
        "input: {c: 64}\nlayers:\n  - {name: fc, type: dense, out: 300}\n  - {name: sm, type: softmax}\n");
    const ChipConfig cfg = hermes64(1, 2, 1);
    REQUIRE(cfg.chip.gdpu_tile(0) == 1);
    REQUIRE(cfg.chip.gdpu_lanes == 16);
    REQUIRE(cfg.chip.softmax_cycles == 4);
    REQUIRE(cfg.chip.digital_energy_pj == 0.5);
    ChipRunOptions opts;
    opts.trace = true;
    const ChipRunResult r = run_chip(cfg.tile(), cfg.chip, net, opts);
    REQUIRE(r.mapping.blocks.size() == 2);
    REQUIRE(r.mapping.blocks[0].tile == 0);
    REQUIRE(r.mapping.blocks[1].tile == 1);
    REQUIRE(r.mapping.blocks[1].cols == 44);
    CHECK(r.latency_cycles == 394);
    // Packets: input to tile 0 (0 hops) and to tile 1, slice 0, slice 1 (0 hops), output.
    CHECK(r.net_totals.packets == 5);

    // The GDPU: three operations, 3 + 16 + 54 = 73 busy cycles, no queueing; it
    // handled 44 + 256 values for the max and 2 x 300 in the exp and normalisation passes.
    REQUIRE(r.gdpus.size() == 1);
    CHECK(r.gdpus[0].busy_cycles == 73);
    CHECK(r.gdpus[0].busy_cycles_by_op[static_cast<std::size_t>(Op::Softmax)] == 73);
    CHECK(r.gdpus[0].queue_cycles == 0);
    CHECK(r.gdpus[0].values == 900);
    CHECK(r.energy_pj.gdpu == Approx(900 * 0.5));
    REQUIRE(r.gdpu_spans.size() == 3);
    CHECK(r.gdpu_spans[0].start_cycle == 160);
    CHECK(r.gdpu_spans[0].end_cycle == 163);
    CHECK(r.gdpu_spans[1].start_cycle == 209);
    CHECK(r.gdpu_spans[1].end_cycle == 225);
    CHECK(r.gdpu_spans[2].start_cycle == 225);
    CHECK(r.gdpu_spans[2].end_cycle == 279);

    // The per-layer table: fc on its tiles, then the softmax on GDPU 0 from its first
    // slice (160) to its result (279), with its 450 pJ of GDPU work.
    REQUIRE(r.layers.size() == 2);
    const LayerResult& sm = r.layers[1];
    CHECK(sm.name == "sm");
    CHECK(sm.op == "Softmax");
    CHECK(sm.gdpu == 0);
    CHECK(sm.tiles == 0);
    CHECK(sm.start_ns == Approx(160.0));
    CHECK(sm.end_ns == Approx(279.0));
    CHECK(sm.energy_pj == Approx(450.0));
    CHECK(r.layers[0].op == "Dense");
    CHECK(r.layers[0].gdpu == -1);

    // The same in the reports and the trace.
    const nlohmann::json j = chip_report_json(r);
    CHECK(j["gdpus"][0]["busy_cycles_by_op"]["Softmax"] == 73);
    CHECK(j["layers"][1]["op"] == "Softmax");
    CHECK(j["layers"][1]["gdpu"] == 0);
    CHECK(j["layers"][0]["gdpu"].is_null());
    CHECK_THAT(chip_report_text(r),
               Catch::Contains("sm") && Catch::Contains("gdpu 0") && Catch::Contains("(busy cycles: Softmax 73)"));
    CHECK_THAT(layers_csv(r), Catch::Contains("\nsm,Softmax,0,0,0,0,160,279,119,450,0\n"));
    int softmax_slices = 0;
    const nlohmann::json trace = chip_trace_json(r);
    for (const auto& e : trace["traceEvents"]) {
        if (e["ph"] == "X" && e["pid"] == 1 && e["name"] == "sm") ++softmax_slices;
    }
    CHECK(softmax_slices == 3);
}

TEST_CASE("softmax: without GDPUs it runs at the first slice's tile, latency by hand", "[softmax][gdpu][chip]") {
    // chip.gdpus = 0: the softmax runs at tile 0, where column block 0 is (its result
    // at 143, as above, the max folded in as it comes, no occupancy modelled at a tile).
    // Slice 1 (44 x 8 = 352 bits, 11 flits) from tile 1 at 160: 160 + 2 + 11 = 173;
    // then the same 54 cycles: 227; the controller is on tile 0, so no trip back; the
    // output stream takes 38 cycles: 265.
    const Network net = layer_list_net(
        "input: {c: 64}\nlayers:\n  - {name: fc, type: dense, out: 300}\n  - {name: sm, type: softmax}\n");
    const ChipConfig cfg = hermes64(1, 2, 0);
    const ChipRunResult r = run_chip(cfg.tile(), cfg.chip, net, 1, 1);
    CHECK(r.latency_cycles == 265);
    CHECK(r.gdpus.empty());
    REQUIRE(r.layers.size() == 2);
    CHECK(r.layers[1].gdpu == -1);
    CHECK(r.layers[1].start_ns == Approx(143.0));
    CHECK(r.layers[1].end_ns == Approx(227.0));
    CHECK(r.energy_pj.gdpu == Approx(900 * 0.5));  // the same digital work, counted at the tile
}

TEST_CASE("softmax: the functional chip equals the batched numerics bit for bit", "[softmax][chip][accuracy]") {
    // Dense 64 -> 300 (two column blocks) then softmax; and a 1x1 conv with a
    // per-pixel softmax over its channels. With and without GDPUs.
    const Network dense = layer_list_net(
        "input: {c: 64}\nlayers:\n  - {name: fc, type: dense, out: 300}\n  - {name: sm, type: softmax}\n", "random");
    const Network conv = layer_list_net("input: {c: 4, h: 2, w: 3}\nlayers:\n  - {name: c1, type: conv, out: 20, "
                                        "kernel: 1}\n  - {name: sm, type: softmax}\n",
                                        "random");
    for (const Network* net : {&dense, &conv}) {
        for (int gdpus : {1, 0}) {
            INFO(net->name << " gdpus " << gdpus);
            ChipConfig cfg = hermes64(1, 2, gdpus);
            apply_override(cfg.root, "tile.device={model: pcm}");
            std::vector<std::vector<float>> inputs = {random_input(net->input_shape().size(), 0),
                                                      random_input(net->input_shape().size(), 1)};
            ChipRunOptions opts;
            opts.functional = true;
            opts.batch = 2;
            opts.inputs = inputs;
            opts.seed = 4;
            opts.first_image = 7;
            opts.threads = 1;
            const ChipRunResult r = run_chip(cfg.tile(), cfg.chip, *net, opts);
            const std::unique_ptr<TileModel> probe = cfg.tile().create();
            const Mapping map = map_network(*net, probe->rows(), probe->cols(), cfg.chip.rows, cfg.chip.cols);
            AnalogNetwork analog(*net, map, cfg.tile(), opts.seed, inputs, 1.0, 1);
            analog.set_time(opts.t_inference_s);
            const Shape out = net->output_shape();
            for (int n = 0; n < 2; ++n) {
                const std::vector<float>& y = r.outputs[static_cast<std::size_t>(n)];
                CHECK(test::identical(y, analog.forward(inputs[static_cast<std::size_t>(n)], 7 + n, true)));
                // Probabilities over the channels of each pixel.
                const std::size_t pixels = static_cast<std::size_t>(out.h) * out.w;
                for (std::size_t p = 0; p < pixels; ++p) {
                    double sum = 0.0;
                    for (int c = 0; c < out.c; ++c) sum += y[static_cast<std::size_t>(c) * pixels + p];
                    CHECK(sum == Approx(1.0).epsilon(1e-5));
                }
            }
        }
    }
}

TEST_CASE("softmax: accuracy and infer on a model that ends in Softmax", "[softmax][accuracy][infer]") {
    // The shipped MLP with a Softmax after its logits: the same top-1 (argmax is
    // unchanged by a softmax), and infer writes the probabilities of the logits.
    const test::TempDir dir;
    const std::string plain_path = test::source_path("workloads/onnx/fmnist_mlp.onnx");
    const std::string softmax_path = mlp_with_softmax(dir);
    const Network plain = load_onnx(plain_path);
    const Network probs = load_onnx(softmax_path);
    REQUIRE(probs.layers.back().op == Op::Softmax);
    REQUIRE(probs.layers.size() == plain.layers.size() + 1);

    const TileConfig tile =
        TileConfig::parse(ConfigNode::parse_yaml("model: hermes\ndevice: {model: pcm}\n", "tile.yaml"));
    AccuracySettings settings;
    settings.samples = 200;
    settings.dataset_dir = kFashionMnistDir;
    settings.calibration_samples = 32;
    settings.compare_gdc = false;
    auto evaluate = [&](const Network& net) {
        const Mapping map = map_network(net, 256, 256, 8, 8);
        const AccuracyJob job{&net, &map, &tile, 5, {3600.0}, true, 2};
        return evaluate_accuracy(job, settings);
    };
    const AccuracyResult a = evaluate(plain);
    const AccuracyResult b = evaluate(probs);
    CHECK(b.top1_float == a.top1_float);
    REQUIRE(b.vs_time.size() == 1);
    CHECK(b.vs_time[0].top1 == a.vs_time[0].top1);
    CHECK(a.top1_float > 0.8);

    const Dataset images = load_fashion_mnist(kFashionMnistDir, "t10k", 1);
    const std::string x = (dir.path / "x.npy").string();
    write_npy(x, {1, 1, 28, 28}, images.image(0));
    InferOptions o;
    o.input = x;
    o.overrides = {"accuracy.calibration_samples=32"};
    o.model = plain_path;
    o.output = (dir.path / "logits.npy").string();
    const std::vector<float> logits = run_infer(o).output;
    o.model = softmax_path;
    o.output = (dir.path / "probs.npy").string();
    (void)run_infer(o);
    const NpyArray y = read_npy(o.output);
    CHECK(y.shape == std::vector<std::size_t>{1, 10});
    REQUIRE(y.data.size() == logits.size());
    const std::vector<double> expected = softmax_by_hand(std::vector<double>(logits.begin(), logits.end()));
    for (std::size_t k = 0; k < expected.size(); ++k)
        CHECK(y.data[k] == Approx(expected[k]).epsilon(1e-5).margin(1e-7));
    CHECK(sum_of(y.data) == Approx(1.0).epsilon(1e-5));
    CHECK(argmax(y.data) == argmax(logits));
}

TEST_CASE("softmax: a softmax between weight layers is listed in network order", "[softmax][chip]") {
    // fc1 -> sm -> fc2: the table lists fc1, sm, fc2; the tile map numbers only the
    // weight layers (fc1 = 0, fc2 = 1), and mapping.tiles[] names each block's layer.
    const Network net =
        layer_list_net("input: {c: 8}\nlayers:\n  - {name: fc1, type: dense, out: 6}\n  - {name: sm, type: softmax}\n"
                       "  - {name: fc2, type: dense, out: 4}\n");
    const ChipConfig cfg = hermes64(1, 2, 1);
    const ChipRunResult r = run_chip(cfg.tile(), cfg.chip, net, ChipRunOptions{});
    REQUIRE(r.layers.size() == 3);
    CHECK(r.layers[0].name == "fc1");
    CHECK(r.layers[1].name == "sm");
    CHECK(r.layers[2].name == "fc2");
    // The softmax starts after fc1's result and ends before fc2 starts.
    CHECK(r.layers[1].start_ns >= r.layers[0].end_ns);
    CHECK(r.layers[2].start_ns >= r.layers[1].end_ns);
    const nlohmann::json j = chip_report_json(r);
    CHECK(j["mapping"]["tiles"][0]["layer"] == "fc1");
    CHECK(j["mapping"]["tiles"][1]["layer"] == "fc2");
    const std::string text = chip_report_text(r);
    CHECK(text.find("  0   fc1") != std::string::npos);
    CHECK(text.find("  -   sm") != std::string::npos);
    CHECK(text.find("  1   fc2") != std::string::npos);
}
