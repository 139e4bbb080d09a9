// ONNX import of PyTorch's transformer modules: the fixtures in tests/transformer/
// (scripts/make_transformer_fixtures.py: nn.TransformerEncoderLayer with and without
// norm_first, GELU and ReLU; nn.MultiheadAttention; a tiny ViT with class token and
// tanh GELU) run through the importer and the float executor and must give PyTorch's
// own output to 1e-4; so must `aimcsim infer` with the float preset (ideal devices and
// ADC, 22-bit inputs in three passes).
#include <onnx/onnx_pb.h>
#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "aimcsim/core/error.h"
#include "aimcsim/network.h"
#include "src/import/npy.h"
#include "src/import/onnx_import.h"
#include "src/network/batch_forward.h"
#include "tests/onnx_model_builder.h"
#include "tests/test_support.h"

using namespace aimcsim;

namespace {

std::string fixture(const std::string& name) { return test::source_path("tests/transformer/" + name); }

int count_ops(const Network& net, Op op) {
    int n = 0;
    for (const Layer& l : net.layers) n += l.op == op ? 1 : 0;
    return n;
}

double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
    REQUIRE(a.size() == b.size());
    double m = 0;
    for (std::size_t i = 0; i < a.size(); ++i) m = std::max(m, static_cast<double>(std::fabs(a[i] - b[i])));
    return m;
}

}  // namespace

TEST_CASE("PyTorch transformer modules imported from ONNX match PyTorch's outputs to 1e-4", "[transformer]") {
    const std::string name = GENERATE(as<std::string>{}, "encoder_post_relu", "encoder_post_gelu", "encoder_pre_relu",
                                      "encoder_pre_gelu", "mha", "vit_tiny");
    INFO(name);
    const Network net = load_onnx(fixture(name + ".onnx"));
    const NpyArray x = read_npy(fixture(name + "_in.npy"));
    const NpyArray y = read_npy(fixture(name + "_out.npy"));
    const std::vector<float> out = forward_float(net, x.data);
    CHECK(max_abs_diff(out, y.data) < 1e-4);
    // The batched executor (the accuracy engine's) gives the same bits.
    const auto batch = forward_network_batch(net, {x.data, x.data}, [&](int li, int n, const float* xs, float* ys,
                                                                        const int*, const int*) {
        const Layer& l = net.layers[static_cast<std::size_t>(li)];
        for (int k = 0; k < n; ++k) matvec_float(l, xs + static_cast<std::size_t>(k) * l.rows, ys + static_cast<std::size_t>(k) * l.cols);
    });
    CHECK(batch[1] == out);

    // The projections and the FFN are weight layers on tiles, attention and norms digital.
    const bool encoder = name.rfind("encoder", 0) == 0;
    if (encoder) {
        CHECK(count_ops(net, Op::Linear) == 4);  // in_proj (QKV), out_proj, linear1, linear2
        CHECK(count_ops(net, Op::LayerNorm) == 2);
        CHECK(count_ops(net, Op::MatMul) == 2);  // Q K^T and A V
        CHECK(count_ops(net, Op::SoftmaxLast) == 1);
        CHECK(count_ops(net, Op::Gelu) == (name.find("gelu") != std::string::npos ? 1 : 0));
        CHECK(count_ops(net, Op::Relu) == (name.find("relu") != std::string::npos ? 1 : 0));
        // Linear weights: 8 x 24 (QKV), 8 x 8, 8 x 16, 16 x 8; 5 tokens each.
        CHECK(net.macs_per_inference() == 5u * (8 * 24 + 8 * 8 + 8 * 16 + 16 * 8));
    }
    if (name == "vit_tiny") {
        CHECK(count_ops(net, Op::Gelu) == 2);
        CHECK(count_ops(net, Op::LayerNorm) == 5);
        for (const Layer& l : net.layers)
            if (l.op == Op::Gelu) CHECK(l.gelu_tanh);
    }
}

TEST_CASE("infer with the float preset gives PyTorch's TransformerEncoderLayer outputs to 1e-4", "[transformer]") {
    // configs/hermes64_float.yaml: ideal devices, 24-bit ideal ADC, inputs in 3 passes
    // (22 bits). With one pass (8-bit inputs) the largest |diff| was 4.9e-3 to 7.9e-3.
    const test::TempDir dir;
    for (const char* name : {"encoder_post_relu", "encoder_post_gelu", "encoder_pre_relu", "encoder_pre_gelu"}) {
        INFO(name);
        const std::string out = (dir.path / (std::string(name) + ".npy")).string();
        const test::CommandResult r = test::run_cli(
            "infer " + fixture(std::string(name) + ".onnx") + " --input " + fixture(std::string(name) + "_in.npy") +
            " --output " + out + " --config " + test::source_path("configs/hermes64_float.yaml"));
        INFO(r.output);
        REQUIRE(r.exit_code == 0);
        const NpyArray y = read_npy(out);
        const NpyArray ref = read_npy(fixture(std::string(name) + "_out.npy"));
        const double err = max_abs_diff(y.data, ref.data);
        INFO("max |aimcsim - PyTorch| " << err);
        CHECK(err <= 1e-4);
    }
}

TEST_CASE("infer --reference gives PyTorch's TransformerEncoderLayer outputs to 1e-4", "[transformer]") {
    const test::TempDir dir;
    for (const char* name : {"encoder_pre_gelu", "encoder_post_relu", "mha"}) {
        INFO(name);
        const std::string out = (dir.path / (std::string(name) + ".npy")).string();
        const test::CommandResult r = test::run_cli("infer " + fixture(std::string(name) + ".onnx") + " --input " +
                                                    fixture(std::string(name) + "_in.npy") + " --output " + out +
                                                    " --reference");
        INFO(r.output);
        REQUIRE(r.exit_code == 0);
        CHECK_THAT(r.output, Catch::Contains("float reference"));
        const NpyArray y = read_npy(out);
        const NpyArray ref = read_npy(fixture(std::string(name) + "_out.npy"));
        REQUIRE(y.data.size() == ref.data.size());
        for (std::size_t i = 0; i < ref.data.size(); ++i) CHECK(std::fabs(y.data[i] - ref.data[i]) <= 1e-4);
    }
    // --reference calibrates nothing: a calibration file with it is a mistake, said so.
    const test::CommandResult bad = test::run_cli("infer " + fixture("mha.onnx") + " --input " +
                                                  fixture("mha_in.npy") + " --output " +
                                                  (dir.path / "z.npy").string() + " --reference --calibration " +
                                                  fixture("mha_in.npy"));
    CHECK(bad.exit_code == 2);
    CHECK_THAT(bad.output, Catch::Contains("--reference") && Catch::Contains("--calibration"));
}

TEST_CASE("transformer import errors name the node and what is supported", "[transformer]") {
    const test::TempDir dir;
    using namespace test::onnx_model;
    // A ReduceMean that is not part of a LayerNorm is not an op of its own.
    onnx::ModelProto m = new_model({1, 4, 8});
    auto* rm = add_node(m, "ReduceMean", "lonely_mean", {"input"}, "output");
    set_ints(rm, "axes", {-1});
    const std::string path = save(m, dir.path, "bad.onnx");
    try {
        (void)load_onnx(path);
        FAIL("expected an InputError");
    } catch (const InputError& e) {
        const std::string msg = e.what();
        CHECK_THAT(msg, Catch::Contains("lonely_mean") && Catch::Contains("ReduceMean") && Catch::Contains("supported:"));
    }
    // A softmax over the batch axis (samples run one by one; a middle axis is supported,
    // checked against ONNX's own cases in test_onnx_conformance.cpp).
    onnx::ModelProto s = new_model({1, 4, 8});
    set_int(add_node(s, "Softmax", "batch_softmax", {"input"}, "output"), "axis", 0);
    try {
        (void)load_onnx(save(s, dir.path, "softmax.onnx"));
        FAIL("expected an InputError");
    } catch (const InputError& e) {
        CHECK_THAT(std::string(e.what()), Catch::Contains("batch_softmax") && Catch::Contains("batch axis"));
    }
}

TEST_CASE("Split of a token tensor along the features gives the slices in order", "[transformer]") {
    const test::TempDir dir;
    using namespace test::onnx_model;
    // [1, 2, 4] split along the last axis into 1 + 3 features; output = second part.
    onnx::ModelProto m = new_model({1, 2, 4});
    add_int64_init(m, "sizes", {1, 3});
    auto* sp = m.mutable_graph()->add_node();
    sp->set_op_type("Split");
    sp->set_name("split");
    sp->add_input("input");
    sp->add_input("sizes");
    sp->add_output("first");
    sp->add_output("output");
    set_int(sp, "axis", -1);
    const Network net = load_onnx(save(m, dir.path, "split.onnx"));
    CHECK(forward_float(net, {0, 1, 2, 3, 4, 5, 6, 7}) == std::vector<float>{1, 2, 3, 5, 6, 7});
}

TEST_CASE("infer reads and writes N token sequences as (N, T, D), as PyTorch does", "[transformer]") {
    // Two sequences: the fixture's, and the same negated. Each comes out as the float
    // reference of its own sequence, and the file has PyTorch's output shape (2, 5, 8).
    const test::TempDir dir;
    const NpyArray one = read_npy(fixture("encoder_pre_gelu_in.npy"));
    REQUIRE(one.shape == std::vector<std::size_t>{1, 5, 8});
    std::vector<float> two = one.data;
    for (float v : one.data) two.push_back(-v);
    const std::string in = (dir.path / "x2.npy").string();
    write_npy(in, {2, 5, 8}, two);
    const Network net = load_onnx(fixture("encoder_pre_gelu.onnx"));
    for (const char* mode : {" --reference", " --config "}) {
        INFO(mode);
        const std::string out = (dir.path / "y.npy").string();
        std::string cmd = "infer " + fixture("encoder_pre_gelu.onnx") + " --input " + in + " --output " + out + mode;
        if (std::string(mode) == " --config ") cmd += test::source_path("configs/hermes64_float.yaml");
        const test::CommandResult r = test::run_cli(cmd);
        INFO(r.output);
        REQUIRE(r.exit_code == 0);
        const NpyArray y = read_npy(out);
        CHECK(y.shape == std::vector<std::size_t>{2, 5, 8});
        REQUIRE(y.data.size() == 80);
        const std::vector<float> ref0 = forward_float(net, one.data);
        const std::vector<float> ref1 = forward_float(net, std::vector<float>(two.begin() + 40, two.end()));
        const double tol = std::string(mode) == " --reference" ? 1e-6 : 0.1;  // the chip: 8-bit inputs
        CHECK(max_abs_diff(std::vector<float>(y.data.begin(), y.data.begin() + 40), ref0) <= tol);
        CHECK(max_abs_diff(std::vector<float>(y.data.begin() + 40, y.data.end()), ref1) <= tol);
    }
    // One sequence (1, 5, 8) comes back as (1, 5, 8); the network's own {1, T, D} with a
    // batch dim, (N, 1, T, D), is still read.
    const std::string out1 = (dir.path / "y1.npy").string();
    REQUIRE(test::run_cli("infer " + fixture("encoder_pre_gelu.onnx") + " --input " + fixture("encoder_pre_gelu_in.npy") +
                          " --output " + out1 + " --reference")
                .exit_code == 0);
    CHECK(read_npy(out1).shape == std::vector<std::size_t>{1, 5, 8});
    const std::string in4 = (dir.path / "x4.npy").string();
    write_npy(in4, {2, 1, 5, 8}, two);
    REQUIRE(test::run_cli("infer " + fixture("encoder_pre_gelu.onnx") + " --input " + in4 + " --output " + out1 +
                          " --reference")
                .exit_code == 0);
    CHECK(read_npy(out1).shape == std::vector<std::size_t>{2, 5, 8});
}

TEST_CASE("accuracy.digital_bits out of 0 or 2 to 24 exits 2 naming the key", "[transformer]") {
    const test::TempDir dir;
    for (const char* bits : {"1", "25", "-3"}) {
        INFO(bits);
        const test::CommandResult r = test::run_cli(
            "infer " + fixture("mha.onnx") + " --input " + fixture("mha_in.npy") + " --output " +
            (dir.path / "y.npy").string() + " --set accuracy.digital_bits=" + bits);
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.output, Catch::Contains("digital_bits"));
    }
}
