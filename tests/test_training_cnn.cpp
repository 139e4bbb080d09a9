// In-memory training of convolutional networks (src/training/train_stages.*, docs/training.md):
// the backward pass through Conv (transposed MVMs per output pixel, col2im), ReLU, max
// pooling and Flatten against finite differences of the loss in the float rule, and a Conv
// layer's mixed-precision update (outer products summed over pixels and images) counted by hand.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "aimcsim/core/config.h"
#include "aimcsim/core/rng.h"
#include "src/training/train_stages.h"
#include "src/training/training_settings.h"

using namespace aimcsim;

namespace {

TrainingSettings settings_from(const std::string& yaml) {
    return TrainingSettings::from(TrainingSettings::schema().parse(ConfigNode::parse_yaml(yaml, "<test>"), {}));
}

StageSpec conv(Shape in, int cout, int k, int pad) {
    StageSpec s;
    s.name = "conv";
    s.kind = StageKind::Conv;
    s.in = in;
    s.window.kernel_h = s.window.kernel_w = k;
    s.window.pad_top = s.window.pad_left = s.window.pad_bottom = s.window.pad_right = pad;
    s.out = {cout, in.h + 2 * pad - k + 1, in.w + 2 * pad - k + 1};
    s.rows = in.c * k * k;
    s.cols = cout;
    return s;
}

StageSpec digital(StageKind kind, Shape in, Shape out) {
    StageSpec s;
    s.name = "d";
    s.kind = kind;
    s.in = in;
    s.out = out;
    s.window.kernel_h = s.window.kernel_w = s.window.stride_h = s.window.stride_w = 2;
    return s;
}

StageSpec dense(int rows, int cols) {
    StageSpec s;
    s.name = "dense";
    s.kind = StageKind::Dense;
    s.in = {rows, 1, 1};
    s.out = {cols, 1, 1};
    s.rows = rows;
    s.cols = cols;
    return s;
}

// conv 1x5x5 -> 2x5x5 (3x3, pad 1), relu, maxpool 2/2 -> 2x2x2, conv -> 3x2x2 (3x3, pad 1),
// flatten, dense 12 -> 4.
std::vector<StageSpec> tiny_cnn() {
    std::vector<StageSpec> s;
    s.push_back(conv({1, 5, 5}, 2, 3, 1));
    s.push_back(digital(StageKind::Relu, {2, 5, 5}, {2, 5, 5}));
    s.push_back(digital(StageKind::MaxPool, {2, 5, 5}, {2, 2, 2}));
    s.push_back(conv({2, 2, 2}, 3, 3, 1));
    s.push_back(digital(StageKind::Flatten, {3, 2, 2}, {12, 1, 1}));
    s.push_back(dense(12, 4));
    return s;
}

std::vector<float> random_values(std::size_t n, std::uint64_t key) {
    Rng rng(7, Stream::Other, {key});
    std::vector<float> v(n);
    for (float& x : v) x = static_cast<float>(2.0 * rng.uniform() - 1.0);
    return v;
}

}  // namespace

TEST_CASE("conv training: the first Conv layer's weight gradient through conv, maxpool, relu and flatten "
          "matches finite differences (float rule)",
          "[training]") {
    const std::vector<StageSpec> specs = tiny_cnn();
    const TrainingSettings s = settings_from("{rule: float}");
    const TileConfig tile;
    const int n = 2;
    const std::vector<float> x = random_values(static_cast<std::size_t>(n) * 25, 1);
    const std::vector<float> g = random_values(static_cast<std::size_t>(n) * 4, 2);  // dL/dlogits
    // The loss L = sum g . logits; the weights of layer i, with (layer, index) perturbed by h.
    const auto weights = [&](const StageSpec& l, std::size_t i, std::size_t pi, std::size_t pj, double h) {
        std::vector<float> w = random_values(static_cast<std::size_t>(l.rows) * l.cols, 10 + i);
        if (i == pi) w[pj] += static_cast<float>(h);
        return w;
    };
    const auto loss = [&](std::size_t pi, std::size_t pj, double h) {
        StageChain chain(specs, tile, s, 1, [&](const StageSpec& l, std::size_t i) { return weights(l, i, pi, pj, h); });
        const std::vector<float>& z = chain.forward(x.data(), n, MvmPass::TrainForward, nullptr, nullptr);
        double l = 0.0;
        for (std::size_t k = 0; k < z.size(); ++k) l += static_cast<double>(g[k]) * z[k];
        return l;
    };
    // One backward pass with lr = n: every weight moves by -dL/dw (the update is -lr/n sum).
    StageChain chain(specs, tile, s, 1, [&](const StageSpec& l, std::size_t i) { return weights(l, i, 9, 0, 0.0); });
    (void)chain.forward(x.data(), n, MvmPass::TrainForward, nullptr, nullptr);
    const std::vector<TrainedLayer*> layers = chain.weight_layers();
    REQUIRE(layers.size() == 3);
    std::vector<double> before;
    for (int r = 0; r < 9; ++r)
        for (int c = 0; c < 2; ++c) before.push_back(layers[0]->weight(r, c));
    std::vector<float> grad = g;
    TrainingCost cost;
    const std::uint64_t ids[2] = {0, 1};
    chain.backward_update(grad, n, ids, static_cast<double>(n), 0, 0.0, cost, false);
    const double h = 1e-2;
    int nonzero = 0;
    for (int r = 0; r < 9; ++r) {
        for (int c = 0; c < 2; ++c) {
            const std::size_t j = static_cast<std::size_t>(r) * 2 + c;
            const double analytic = before[j] - layers[0]->weight(r, c);
            const double numeric = (loss(0, j, h) - loss(0, j, -h)) / (2.0 * h);
            CHECK(analytic == Approx(numeric).margin(2e-4).epsilon(1e-3));
            nonzero += std::fabs(numeric) > 1e-3;
        }
    }
    CHECK(nonzero > 9);  // the gradient reaches most of the first layer's weights
    // The second Conv layer and the Dense layer too (a few weights each).
    for (const std::size_t layer : {std::size_t{1}, std::size_t{2}}) {
        StageChain c2(specs, tile, s, 1, [&](const StageSpec& l, std::size_t i) { return weights(l, i, 9, 0, 0.0); });
        (void)c2.forward(x.data(), n, MvmPass::TrainForward, nullptr, nullptr);
        TrainedLayer* l = c2.weight_layers()[layer];
        const int cols = l->cols();
        std::vector<double> b;
        for (int j = 0; j < 5; ++j) b.push_back(l->weight(j, j % cols));
        std::vector<float> gg = g;
        c2.backward_update(gg, n, ids, static_cast<double>(n), 0, 0.0, cost, false);
        for (int j = 0; j < 5; ++j) {
            const double analytic = b[j] - l->weight(j, j % cols);
            const std::size_t idx = static_cast<std::size_t>(j) * cols + j % cols;
            const double numeric = (loss(layer, idx, h) - loss(layer, idx, -h)) / (2.0 * h);
            CHECK(analytic == Approx(numeric).margin(2e-4).epsilon(1e-3));
        }
    }
}

TEST_CASE("conv training: mixed precision sums the outer products over pixels and images, pulses by hand",
          "[training]") {
    // Input 1x1x3, kernel 1x2, one output channel: pixel 0 reads (x0, x1), pixel 1 (x1, x2).
    StageSpec c;
    c.name = "conv";
    c.kind = StageKind::Conv;
    c.in = {1, 1, 3};
    c.out = {1, 1, 2};
    c.window.kernel_h = 1;
    c.window.kernel_w = 2;
    c.rows = 2;
    c.cols = 1;
    // weight_range sqrt(2): weight_scale = sqrt(2)/sqrt(rows) = 1; epsilon 1 uS of a 4 uS
    // device: 0.25 in weight units; pulses of exactly 1 uS (linear response, no noise).
    const TrainingSettings s = settings_from(
        "{rule: mixed_precision, weight_range: 1.4142135623730951, epsilon_us: 1.0, "
        "update: {model: pcm_set, step_min: 0.25, a: 0, step_dtod: 0, step_c2c: 0, g_sat_dtod: 0, reset_mean: 0, "
        "reset_sigma: 0}}");
    const TileConfig tile = TileConfig::parse(ConfigNode::parse_yaml(
        "{model: hermes, rows: 8, cols: 4, devices_per_polarity: 1, device: {model: ideal, g_max_us: 4}}", "<test>"));
    StageChain chain({c}, tile, s, 1, [](const StageSpec&, std::size_t) { return std::vector<float>{0.0F, 0.0F}; });
    // Image 1 (1, 2, 3) with output errors (1, 0.5); image 2 (0, 1, -1) with (2, 0).
    const float x[6] = {1, 2, 3, 0, 1, -1};
    const std::uint64_t ids[2] = {0, 1};
    (void)chain.forward(x, 2, MvmPass::TrainForward, ids, nullptr);
    std::vector<float> grad = {1.0F, 0.5F, 2.0F, 0.0F};  // per image: channel 0's two pixels
    TrainingCost cost;
    chain.backward_update(grad, 2, ids, 0.25, 0, 0.0, cost, true);
    // sum over images and pixels of x_row * d: w0: 1*1 + 2*0.5 + 0*2 + 1*0 = 2;
    // w1: 2*1 + 3*0.5 + 1*2 + (-1)*0 = 5.5. dw = -lr/batch sum = -0.125 * (2, 5.5) = (-0.25, -0.6875):
    // 1 pulse and floor(2.75) = 2 pulses on G-, chi keeps -0.1875 of w1.
    CHECK(cost.pulses == 3);
    CHECK(cost.refreshes == 0);
    TrainedLayer& l = *chain.weight_layers()[0];
    CHECK(l.weight(0, 0) == Approx(-0.25));
    CHECK(l.weight(1, 0) == Approx(-0.5));
    // Programming: row 0 one pulse, row 1 two (rows in sequence, the column in parallel).
    CHECK(cost.programming_ns == Approx(3 * 50.0));  // pcm_set's SET pulse, 50 ns
    // The digital update: (pixels x images + 1) x rows x cols multiply-accumulates at 1 pJ.
    CHECK(cost.digital_pj == Approx((4 + 1) * 2 * 1 * 1.0));
}

TEST_CASE("conv training: pooling before the first weight layer passes no error back, the Dense update by hand",
          "[training]") {
    // maxpool 2/2 of a 1x4x4 image, flatten, dense 4 -> 2 with zero weights (float rule).
    std::vector<StageSpec> specs = {digital(StageKind::MaxPool, {1, 4, 4}, {1, 2, 2}),
                                    digital(StageKind::Flatten, {1, 2, 2}, {4, 1, 1}), dense(4, 2)};
    StageChain chain(specs, TileConfig(), settings_from("{rule: float}"), 1,
                     [](const StageSpec&, std::size_t) { return std::vector<float>(8, 0.0F); });
    std::vector<float> x(16);
    for (int i = 0; i < 16; ++i) x[i] = static_cast<float>(i);  // row-major 4x4: window maxima 5, 7, 13, 15
    const std::vector<float>& z = chain.forward(x.data(), 1, MvmPass::TrainForward, nullptr, nullptr);
    CHECK(z == std::vector<float>{0.0F, 0.0F});
    std::vector<float> grad = {1.0F, -1.0F};
    TrainingCost cost;
    chain.backward_update(grad, 1, nullptr, 1.0, 0, 0.0, cost, false);
    // dw = -lr x^T g: w[r][0] = -x_r, w[r][1] = +x_r with x = (5, 7, 13, 15).
    const TrainedLayer& l = *chain.weight_layers()[0];
    const double pooled[4] = {5, 7, 13, 15};
    for (int r = 0; r < 4; ++r) {
        CHECK(l.weight(r, 0) == -pooled[r]);
        CHECK(l.weight(r, 1) == pooled[r]);
    }
}
