// ONNX import and the float reference executor. The shipped models must reproduce
// the accuracy torch measured (importer, executor and dataset reader agree with
// torch); small models built here with the protobuf API check folding and errors.
#include <onnx/onnx_pb.h>
#include <catch2/catch.hpp>

#include "tests/onnx_model_builder.h"
#include "tests/test_support.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include <unistd.h>

#include "aimcsim/core/error.h"
#include "src/import/idx_dataset.h"
#include "aimcsim/network.h"
#include "src/import/onnx_import.h"

using namespace aimcsim;
namespace fs = std::filesystem;

namespace {

const std::string kModels = std::string(AIMCSIM_SOURCE_DIR) + "/workloads/onnx/";

fs::path temp_dir() {
    static int counter = 0;
    fs::path d = fs::temp_directory_path() /
                 ("aimcsim_onnx_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::create_directories(d);
    return d;
}

using test::onnx_model::add_init;
using test::onnx_model::add_int64_init;
using test::onnx_model::add_node;
using test::onnx_model::new_model;
using test::onnx_model::save;
using test::onnx_model::set_symbolic_batch;
using test::onnx_model::set_float;
using test::onnx_model::set_int;
using test::onnx_model::set_ints;

std::vector<float> random_vec(std::size_t n, std::mt19937& rng, float lo = -1.0f, float hi = 1.0f) {
    std::uniform_real_distribution<float> u(lo, hi);
    std::vector<float> v(n);
    for (float& x : v) x = u(rng);
    return v;
}

nlohmann::json model_info(const std::string& name) {
    std::ifstream f(kModels + name + ".json");
    REQUIRE(f);
    return nlohmann::json::parse(f);
}

using test::error_of;

}  // namespace

TEST_CASE("shipped CNN imports with the expected layers, shapes and MACs", "[onnx]") {
    for (const std::string name : {"fmnist_cnn", "fmnist_cnn_hwa"}) {
        const Network net = load_onnx(kModels + name + ".onnx");
        INFO(net.summary());
        REQUIRE(net.layers.size() == 10);
        const std::vector<Op> ops = {Op::Conv,    Op::Relu,    Op::MaxPool, Op::Conv, Op::Relu,
                                     Op::MaxPool, Op::Flatten, Op::Dense,   Op::Relu, Op::Dense};
        const std::vector<Shape> shapes = {{16, 28, 28}, {16, 28, 28}, {16, 14, 14}, {32, 14, 14}, {32, 14, 14},
                                           {32, 7, 7},   {1568, 1, 1}, {128, 1, 1},  {128, 1, 1},  {10, 1, 1}};
        for (std::size_t i = 0; i < ops.size(); ++i) {
            CHECK(net.layers[i].op == ops[i]);
            CHECK(net.shape(net.layers[i].output) == shapes[i]);
        }
        CHECK(net.input_shape() == Shape{1, 28, 28});
        CHECK(net.output == net.layers.back().output);
        // Matrices: conv1 (1*3*3)x16, conv2 (16*3*3)x32, fc1 1568x128, fc2 128x10.
        CHECK((net.layers[0].rows == 9 && net.layers[0].cols == 16));
        CHECK((net.layers[3].rows == 144 && net.layers[3].cols == 32));
        CHECK((net.layers[7].rows == 1568 && net.layers[7].cols == 128));
        CHECK((net.layers[9].rows == 128 && net.layers[9].cols == 10));
        // 9*16 per pixel * 28*28 + 144*32 * 14*14 + 1568*128 + 128*10
        CHECK(net.macs_per_inference() == 112896u + 903168u + 200704u + 1280u);
        CHECK(net.parameter_count() == 206922u);
        CHECK(net.parameter_count() == model_info(name)["parameters"].get<std::size_t>());
    }
}

TEST_CASE("shipped MLP imports with the expected layers and MACs", "[onnx]") {
    for (const std::string name : {"fmnist_mlp", "fmnist_mlp_hwa"}) {
        const Network net = load_onnx(kModels + name + ".onnx");
        INFO(net.summary());
        REQUIRE(net.layers.size() == 6);
        CHECK(net.layers[0].op == Op::Flatten);
        CHECK((net.layers[1].rows == 784 && net.layers[1].cols == 256));
        CHECK((net.layers[3].rows == 256 && net.layers[3].cols == 128));
        CHECK((net.layers[5].rows == 128 && net.layers[5].cols == 10));
        CHECK(net.output_shape() == Shape{10, 1, 1});
        CHECK(net.macs_per_inference() == 784u * 256 + 256u * 128 + 128u * 10);
        CHECK(net.parameter_count() == model_info(name)["parameters"].get<std::size_t>());
    }
}

TEST_CASE("forward_float reproduces torch's test accuracy of every shipped model", "[onnx][dataset]") {
    const Dataset test = load_fashion_mnist(kFashionMnistDir, "t10k", 1000);
    for (const std::string name : {"fmnist_cnn", "fmnist_cnn_hwa", "fmnist_mlp", "fmnist_mlp_hwa"}) {
        const Network net = load_onnx(kModels + name + ".onnx");
        const nlohmann::json info = model_info(name);
        REQUIRE(info["normalisation"] == "x/255");
        int correct = 0;
        for (std::size_t i = 0; i < test.count; ++i) {
            const std::vector<float> out = forward_float(net, test.image(i));
            correct += std::max_element(out.begin(), out.end()) - out.begin() == test.labels[i];
        }
        const double acc = correct / 1000.0;
        INFO(name << ": " << acc
                  << " on the first 1000 test images; torch: " << info["float_top1_first1000"].get<double>()
                  << " (first 1000), " << info["float_top1"].get<double>() << " (all 10000)");
        // Same images as torch: only float rounding on near-ties may differ (<= 2 images).
        CHECK(std::abs(acc - info["float_top1_first1000"].get<double>()) <= 0.002 + 1e-9);
        CHECK(info["float_top1"].get<double>() > 0.8);
    }
}

TEST_CASE("im2col gives the (cin, ky, kx) window with zero padding", "[onnx]") {
    Network net;
    const int in = net.add_input("x", {2, 3, 3});
    Window w;
    w.kernel_h = w.kernel_w = 3;
    w.pad_top = w.pad_left = w.pad_bottom = w.pad_right = 1;
    net.add_conv("c", in, 4, w);
    std::vector<float> x(18);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i + 1);
    const std::vector<float> col = im2col(net, net.layers[0], x, 0, 0);
    REQUIRE(col.size() == 18u);
    // Channel 0 window at (0,0): row -1 is padding, then [0 1 2; 0 4 5].
    const std::vector<float> expect = {0, 0, 0, 0, 1, 2, 0, 4, 5, 0, 0, 0, 0, 10, 11, 0, 13, 14};
    CHECK(col == expect);
    CHECK(net.macs_per_inference() == 18u * 4 * 9);
    CHECK_THROWS_AS(forward_float(net, x), InputError);  // shapes-only network has no weights
}

TEST_CASE("Conv + BatchNormalization is folded and matches a hand computation", "[onnx]") {
    std::mt19937 rng(7);
    const int cin = 2, cout = 3, hw = 5;
    const std::vector<float> w = random_vec(cout * cin * 9, rng), b = random_vec(cout, rng);
    const std::vector<float> gamma = random_vec(cout, rng, 0.5f, 2.0f), beta = random_vec(cout, rng);
    const std::vector<float> mean = random_vec(cout, rng), var = random_vec(cout, rng, 0.1f, 2.0f);
    const float eps = 1e-3f;

    onnx::ModelProto m = new_model({1, cin, hw, hw});
    add_init(m, "W", {cout, cin, 3, 3}, w, true);
    add_init(m, "B", {cout}, b, false);  // float_data instead of raw_data
    add_init(m, "gamma", {cout}, gamma, true);
    add_init(m, "beta", {cout}, beta, true);
    add_init(m, "mean", {cout}, mean, true);
    add_init(m, "var", {cout}, var, true);
    auto* conv = add_node(m, "Conv", "conv", {"input", "W", "B"}, "c");
    set_ints(conv, "kernel_shape", {3, 3});
    set_ints(conv, "pads", {1, 1, 1, 1});
    set_ints(conv, "strides", {2, 2});
    set_float(add_node(m, "BatchNormalization", "bn", {"c", "gamma", "beta", "mean", "var"}, "output"), "epsilon", eps);
    const fs::path dir = temp_dir();
    const Network net = load_onnx(save(m, dir, "conv_bn.onnx"));
    REQUIRE(net.layers.size() == 1);
    REQUIRE(net.output_shape() == Shape{cout, 3, 3});

    const std::vector<float> x = random_vec(cin * hw * hw, rng);
    const std::vector<float> y = forward_float(net, x);
    for (int co = 0; co < cout; ++co)
        for (int oy = 0; oy < 3; ++oy)
            for (int ox = 0; ox < 3; ++ox) {
                double acc = b[co];
                for (int ci = 0; ci < cin; ++ci)
                    for (int ky = 0; ky < 3; ++ky)
                        for (int kx = 0; kx < 3; ++kx) {
                            const int iy = oy * 2 - 1 + ky, ix = ox * 2 - 1 + kx;
                            if (iy < 0 || iy >= hw || ix < 0 || ix >= hw) continue;
                            acc += w[((co * cin + ci) * 3 + ky) * 3 + kx] * x[(ci * hw + iy) * hw + ix];
                        }
                const double expect = gamma[co] * (acc - mean[co]) / std::sqrt(var[co] + eps) + beta[co];
                CHECK(y[(co * 3 + oy) * 3 + ox] == Approx(expect).margin(1e-5));
            }
    fs::remove_all(dir);
}

TEST_CASE("a model declaring batch N or a symbolic batch imports as one sample, the batch recorded", "[onnx]") {
    const fs::path dir = temp_dir();
    for (const auto& [target, batch] : std::vector<std::pair<std::vector<int64_t>, int64_t>>{
             {{4, -1}, 4}, {{-1, 12}, 4}, {{0, 12}, 4}, {{-1, 12}, 0}, {{1, 12}, 0}}) {
        onnx::ModelProto m = new_model({batch, 3, 2, 2});
        if (batch == 0) set_symbolic_batch(m);
        add_int64_init(m, "shape", target);
        add_node(m, "Reshape", "flat", {"input", "shape"}, "f");
        add_init(m, "W", {12, 5}, std::vector<float>(60, 0.5f), true);
        add_node(m, "MatMul", "fc", {"f", "W"}, "output");
        const Network net = load_onnx(save(m, dir, "batch.onnx"));
        INFO("target " << target[0] << "," << target[1] << " batch " << batch);
        CHECK(net.declared_batch == batch);
        CHECK(net.input_shape().size() == 12);
        CHECK(net.output_shape().size() == 5);
    }
}

TEST_CASE("Gemm alpha/beta/transB, MatMul + Add bias, Reshape and residual Add", "[onnx]") {
    std::mt19937 rng(3);
    const std::vector<float> x = random_vec(12, rng);
    const std::vector<float> w1 = random_vec(12 * 4, rng), c1 = random_vec(4, rng);  // Gemm B [4,12] (transB)
    const std::vector<float> w2 = random_vec(4 * 4, rng), b2 = random_vec(4, rng);   // MatMul B [4,4]
    onnx::ModelProto m = new_model({1, 3, 2, 2});
    add_init(m, "W1", {4, 12}, w1, true);
    add_init(m, "C1", {4}, c1, true);
    add_init(m, "W2", {4, 4}, w2, false);
    add_init(m, "B2", {4}, b2, true);
    auto* shape = add_node(m, "Constant", "shape", {}, "shape");
    auto* t = shape->add_attribute();
    t->set_name("value");
    t->set_type(onnx::AttributeProto_AttributeType_TENSOR);
    t->mutable_t()->set_data_type(onnx::TensorProto_DataType_INT64);
    t->mutable_t()->add_dims(2);
    t->mutable_t()->add_int64_data(1);
    t->mutable_t()->add_int64_data(-1);
    add_node(m, "Reshape", "flat", {"input", "shape"}, "f");
    auto* gemm = add_node(m, "Gemm", "gemm", {"f", "W1", "C1"}, "g");
    set_int(gemm, "transB", 1);
    set_float(gemm, "alpha", 0.5f);
    set_float(gemm, "beta", 2.0f);
    add_node(m, "Relu", "relu", {"g"}, "r");
    add_node(m, "Dropout", "drop", {"r"}, "d");
    add_node(m, "MatMul", "mm", {"d", "W2"}, "mm");
    add_node(m, "Add", "bias", {"mm", "B2"}, "mb");
    add_node(m, "Add", "residual", {"mb", "d"}, "output");
    const fs::path dir = temp_dir();
    const Network net = load_onnx(save(m, dir, "dense.onnx"));
    INFO(net.summary());
    REQUIRE(net.layers.size() == 5);  // flatten, gemm, relu, matmul(+bias), add

    std::vector<double> r(4), expect(4);
    for (int j = 0; j < 4; ++j) {
        double acc = 2.0 * c1[j];
        for (int k = 0; k < 12; ++k) acc += 0.5 * w1[j * 12 + k] * x[k];
        r[j] = std::max(acc, 0.0);
    }
    for (int j = 0; j < 4; ++j) {
        double acc = b2[j];
        for (int k = 0; k < 4; ++k) acc += r[k] * w2[k * 4 + j];
        expect[j] = acc + r[j];
    }
    const std::vector<float> y = forward_float(net, x);
    REQUIRE(y.size() == 4u);
    for (int j = 0; j < 4; ++j) CHECK(y[j] == Approx(expect[j]).margin(1e-5));
    fs::remove_all(dir);
}

TEST_CASE("bad ONNX input throws InputError naming the file and the problem", "[onnx]") {
    const fs::path dir = temp_dir();

    SECTION("missing file") {
        const std::string msg = error_of([&] { (void)load_onnx((dir / "nope.onnx").string()); });
        CHECK_THAT(msg, Catch::Contains("nope.onnx") && Catch::Contains("not found"));
    }
    SECTION("truncated model: the first 100 bytes of a real one") {
        std::ifstream in(kModels + "fmnist_cnn.onnx", std::ios::binary);
        std::string head(100, '\0');
        in.read(head.data(), 100);
        const std::string path = (dir / "truncated.onnx").string();
        std::ofstream(path, std::ios::binary) << head;
        const std::string msg = error_of([&] { (void)load_onnx(path); });
        CHECK_THAT(msg, Catch::Contains("truncated.onnx") && Catch::Contains("not a valid ONNX model"));
    }
    SECTION("garbage and empty files") {
        std::mt19937 rng(1);
        for (int trial = 0; trial < 20; ++trial) {
            std::string bytes(static_cast<std::size_t>(trial * 37), '\0');
            for (char& c : bytes) c = static_cast<char>(rng());
            const std::string path = (dir / "garbage.onnx").string();
            std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
            CHECK_THROWS_AS(load_onnx(path), InputError);
        }
        CHECK_THROWS_AS(load_onnx(dir.string()), InputError);  // a directory
    }
    SECTION("unsupported op") {
        onnx::ModelProto m = new_model({1, 4});
        add_node(m, "Relu", "relu", {"input"}, "r");
        add_node(m, "Hardmax", "hm", {"r"}, "output");
        const std::string msg = error_of([&] { (void)load_onnx(save(m, dir, "hardmax.onnx")); });
        CHECK_THAT(msg, Catch::Contains("hardmax.onnx") && Catch::Contains("node 'hm' (op Hardmax) is not supported") &&
                            Catch::Contains("supported: Add, AveragePool") && Catch::Contains("Conv"));
    }
    SECTION("every unsupported node is named in one error, in graph order") {
        onnx::ModelProto m = new_model({1, 4});
        add_node(m, "LpNormalization", "s1", {"input"}, "a");
        add_node(m, "Relu", "relu", {"a"}, "b");
        add_node(m, "Hardmax", "hm", {"b"}, "c");
        add_node(m, "Erf", "", {"c"}, "output");  // unnamed: named by op and index
        const std::string msg = error_of([&] { (void)load_onnx(save(m, dir, "three.onnx")); });
        CHECK_THAT(msg, Catch::Contains("3 nodes are not supported: node 's1' (op LpNormalization), node 'hm' (op "
                                        "Hardmax), node 'Erf_3' (op Erf); supported: Add"));
    }
    SECTION("a Reshape that keeps a batch of 2 but is not a flatten") {
        onnx::ModelProto m = new_model({2, 4});
        add_int64_init(m, "shape", {4, 2});
        add_node(m, "Reshape", "r", {"input", "shape"}, "output");
        CHECK_THAT(error_of([&] { (void)load_onnx(save(m, dir, "reshape.onnx")); }),
                   Catch::Contains("Reshape of [2,4] to [4,2] is not supported; only a flatten to [2, 4]"));
    }
    SECTION("missing initializer") {
        onnx::ModelProto m = new_model({1, 4});
        add_node(m, "Gemm", "fc", {"input", "W"}, "output");
        const std::string msg = error_of([&] { (void)load_onnx(save(m, dir, "noinit.onnx")); });
        CHECK_THAT(msg, Catch::Contains("noinit.onnx") && Catch::Contains("node 'fc' (op Gemm)") &&
                            Catch::Contains("missing initializer 'W'"));
    }
    SECTION("shape mismatch") {
        onnx::ModelProto m = new_model({1, 4});
        add_init(m, "W", {5, 3}, std::vector<float>(15, 0.1f), true);
        add_node(m, "MatMul", "fc", {"input", "W"}, "output");
        const std::string msg = error_of([&] { (void)load_onnx(save(m, dir, "shape.onnx")); });
        CHECK_THAT(msg, Catch::Contains("shape.onnx") && Catch::Contains("node 'fc' (op MatMul)") &&
                            Catch::Contains("expect 5 input features but the input has 4"));
    }
    SECTION("raw data of the wrong size") {
        onnx::ModelProto m = new_model({1, 4});
        add_init(m, "W", {4, 3}, std::vector<float>(11, 0.1f), true);
        add_node(m, "MatMul", "fc", {"input", "W"}, "output");
        CHECK_THAT(error_of([&] { (void)load_onnx(save(m, dir, "raw.onnx")); }),
                   Catch::Contains("bytes of raw data, expected 48"));
    }
    SECTION("grouped convolution whose group does not divide the channels") {
        onnx::ModelProto m = new_model({1, 2, 4, 4});
        add_init(m, "W", {2, 1, 3, 3}, std::vector<float>(18, 0.1f), true);
        set_int(add_node(m, "Conv", "dw", {"input", "W"}, "output"), "group", 3);
        CHECK_THAT(error_of([&] { (void)load_onnx(save(m, dir, "group.onnx")); }),
                   Catch::Contains("node 'dw' (op Conv): group 3 does not divide the 2 input channels"));
    }
    SECTION("BatchNormalization with parameters of the wrong size") {
        onnx::ModelProto m = new_model({1, 2});
        for (const char* p : {"s", "b", "m", "v"}) add_init(m, p, {3}, {1.0f, 1.0f, 1.0f}, true);
        add_node(m, "BatchNormalization", "bn", {"input", "s", "b", "m", "v"}, "output");
        CHECK_THAT(error_of([&] { (void)load_onnx(save(m, dir, "bn.onnx")); }),
                   Catch::Contains("node 'bn' (op BatchNormalization)") && Catch::Contains("one value per channel (2)"));
    }
    fs::remove_all(dir);
}
