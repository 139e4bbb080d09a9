// The CNN ops beyond the basic ones in the network IR: grouped/depthwise Conv, the
// Unary functions, ChannelAffine, Concat, Pad and nearest Resize, each checked
// against values computed by hand; and the batched executor giving the same bits.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "aimcsim/core/error.h"
#include "aimcsim/network.h"
#include "src/network/batch_forward.h"

using namespace aimcsim;

TEST_CASE("a depthwise Conv multiplies each channel by its own kernel only", "[network][cnn_ops]") {
    Network net;
    const int in = net.add_input("x", {2, 2, 2});
    Window win;
    win.kernel_h = win.kernel_w = 2;
    // Channel 0's kernel is all 1, channel 1's all 10: rows = 1*2*2, cols = 2.
    std::vector<float> w = {1, 10, 1, 10, 1, 10, 1, 10};
    net.add_grouped_conv("dw", in, 2, 2, win, w, {0.5f, -1.0f});
    REQUIRE(net.layers[0].rows == 4);
    REQUIRE(net.layers[0].input_rows() == 8);
    const std::vector<float> x = {1, 2, 3, 4, 5, 6, 7, 8};
    const std::vector<float> y = forward_float(net, x);
    REQUIRE(y.size() == 2);
    CHECK(y[0] == 1 + 2 + 3 + 4 + 0.5f);            // channel 0 only
    CHECK(y[1] == 10 * (5 + 6 + 7 + 8) - 1.0f);  // channel 1 only
    CHECK(net.macs_per_inference() == 8);
    // The batched executor (OpenBLAS per group) agrees.
    const auto batch = forward_network_batch(net, {x, x}, [&](int li, int n, const float* xs, float* ys, const int*,
                                                              const int*) { matmul_float(net.layers[li], n, xs, ys); });
    CHECK(batch[1] == y);
    CHECK_THROWS_AS(net.add_grouped_conv("bad", in, 2, 3, win), InputError);
}

TEST_CASE("a grouped Conv with two channels per group sums within its group", "[network][cnn_ops]") {
    Network net;
    const int in = net.add_input("x", {4, 1, 1});
    Window win;  // 1x1
    // 2 groups of 2 input channels, 2 output channels (one per group): rows = 2, cols = 2.
    // Column 0 (group 0) weights (1, 2) on channels 0,1; column 1 (group 1) (3, 4) on channels 2,3.
    net.add_grouped_conv("g", in, 2, 2, win, {1, 3, 2, 4}, {});
    const std::vector<float> y = forward_float(net, {1, 10, 100, 1000});
    CHECK(y == std::vector<float>{1 + 20, 300 + 4000});
}

TEST_CASE("the Unary functions follow ONNX's definitions", "[network][cnn_ops]") {
    const std::vector<float> x = {-4.0f, -0.5f, 0.0f, 0.5f, 4.0f};
    auto run = [&](Unary fn) {
        Network net;
        net.add_unary("u", net.add_input("x", {5, 1, 1}), fn);
        return forward_float(net, x);
    };
    const auto sig = run({UnaryKind::Sigmoid, 0, 0});
    CHECK(sig[0] == Approx(1.0 / (1.0 + std::exp(4.0))));
    CHECK(sig[2] == 0.5f);
    CHECK(run({UnaryKind::Tanh, 0, 0})[4] == Approx(std::tanh(4.0)));
    CHECK(run({UnaryKind::HardSigmoid, 0.2f, 0.5f}) == std::vector<float>{0.0f, 0.4f, 0.5f, 0.6f, 1.0f});
    // HardSwish: x * clamp(x/6 + 1/2, 0, 1): -4 -> 0; -0.5 -> -0.5*(5/12); 4 -> 4.
    const auto hs = run({UnaryKind::HardSwish, 0, 0});
    CHECK(hs[0] == 0.0f);
    CHECK(hs[1] == Approx(-0.5 * 5.0 / 12.0));
    CHECK(hs[4] == 4.0f);
    CHECK(run({UnaryKind::LeakyRelu, 0.1f, 0})[0] == Approx(-0.4f));
    CHECK(run({UnaryKind::Clip, 0.0f, 0.5f}) == std::vector<float>{0.0f, 0.0f, 0.0f, 0.5f, 0.5f});
}

TEST_CASE("ChannelAffine, Concat, Pad and Resize move the values by hand", "[network][cnn_ops]") {
    Network net;
    const int in = net.add_input("x", {2, 1, 2});  // channel 0: (1, 2), channel 1: (3, 4)
    const int a = net.add_channel_affine("bn", in, {2.0f, -1.0f}, {1.0f, 0.0f});
    const int c = net.add_concat("cat", {a, in});
    Window pads;
    pads.pad_left = 1;
    pads.pad_bottom = 1;
    const int p = net.add_pad("pad", c, pads, 9.0f);
    REQUIRE(net.shape(p) == (Shape{4, 2, 3}));
    net.add_resize_nearest("up", p, {0, 0, 1}, {2, 1});
    const std::vector<float> y = forward_float(net, {1, 2, 3, 4});
    // affine: (3, 5), (-3, -4); concat adds (1, 2), (3, 4); pad row 0 = (9, v0, v1), row 1 = 9s.
    // resize: rows (0, 0, 1), columns (2, 1): channel 0 -> (5, 3), (5, 3), (9, 9).
    REQUIRE(y.size() == 4 * 3 * 2);
    CHECK(std::vector<float>(y.begin(), y.begin() + 6) == std::vector<float>{5, 3, 5, 3, 9, 9});
    CHECK(std::vector<float>(y.begin() + 6, y.begin() + 8) == std::vector<float>{-4, -3});
    CHECK(std::vector<float>(y.begin() + 18, y.begin() + 20) == std::vector<float>{4, 3});
    CHECK_THROWS_AS(net.add_resize_nearest("bad", in, {1}, {0}), InputError);  // row 1 of a 1-row input
    CHECK_THROWS_AS(net.add_channel_affine("bad", in, {1.0f}, {0.0f}), InputError);
}
