// The transformer ops of the network IR (network.h, "Transformer ops"): their kernels
// against values derived by hand, the builders' shape checks, and the float executor
// on a tiny attention graph computed here with plain loops.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "aimcsim/core/error.h"
#include "aimcsim/network.h"
#include "src/network/batch_forward.h"
#include "src/network/op_kernels.h"
#include "src/network/transformer_kernels.h"

using namespace aimcsim;
using Catch::Matchers::WithinAbs;

TEST_CASE("LayerNorm of one row matches the hand formula", "[transformer]") {
    // x = (1, 2, 3, 6): mean 3, biased variance (4 + 1 + 0 + 9) / 4 = 3.5.
    const float x[4] = {1, 2, 3, 6};
    const float gamma[4] = {1, 2, 1, 0.5F};
    const float beta[4] = {0, 0, 1, -1};
    float y[4];
    layer_norm_row(x, 4, gamma, beta, 0.5F, y);  // sqrt(3.5 + 0.5) = 2
    CHECK_THAT(y[0], WithinAbs(-1.0, 1e-6));
    CHECK_THAT(y[1], WithinAbs(-1.0, 1e-6));           // 2 * (-1 / 2)
    CHECK_THAT(y[2], WithinAbs(1.0, 1e-6));            // 0 + 1
    CHECK_THAT(y[3], WithinAbs(0.5 * 1.5 - 1, 1e-6));  // 0.5 * 3 / 2 - 1
}

TEST_CASE("GELU exact and tanh forms match their closed forms", "[transformer]") {
    CHECK(gelu(0.0F, false) == 0.0F);
    // Phi(1) = 0.841344746..., so GELU(1) = 0.841344746, GELU(-1) = -(1 - 0.841344746).
    CHECK_THAT(gelu(1.0F, false), WithinAbs(0.8413447461, 1e-6));
    CHECK_THAT(gelu(-1.0F, false), WithinAbs(-0.1586552539, 1e-6));
    // tanh form at 1: 0.5 (1 + tanh(0.7978845608 * 1.044715)) = 0.8411919906.
    CHECK_THAT(gelu(1.0F, true), WithinAbs(0.8411919906, 1e-6));
    CHECK_THAT(gelu(-3.0F, true), WithinAbs(-0.0036373920817, 1e-6));
}

TEST_CASE("Attention on two heads through the float executor matches plain loops", "[transformer]") {
    // Q, K, V {2 heads, 3 tokens, 2}: scores = Q K^T / 2, softmax over keys, times V.
    Network net;
    net.name = "attn";
    const int q = net.add_input("q", {2, 3, 2});
    const std::vector<float> kv = {0.5F, -1, 1, 0, 2, 1, -0.5F, 0.25F, 0, 1, 1, -1};
    const int k = net.add_constant("k", kv, {2, 3, 2});
    const int perm[3] = {0, 2, 1};
    const int kt = net.add_transpose("kt", k, perm);
    const int s = net.add_matmul("s", q, kt);
    const int sc = net.add_binary_constant("scale", BinaryOp::Div, s, {2.0F}, {1, 1, 1}, false);
    const int a = net.add_softmax_last("a", sc);
    const int o = net.add_matmul("o", a, k);  // V = K
    CHECK(net.shape(kt) == Shape{2, 2, 3});
    CHECK(net.shape(o) == Shape{2, 3, 2});
    const std::vector<float> qv = {1, 0, 0, 1, 1, 1, -1, 2, 0.5F, 0, 2, -2};
    const std::vector<float> out = forward_float(net, qv);
    for (int h = 0; h < 2; ++h)
        for (int i = 0; i < 3; ++i) {
            double e[3], sum = 0;
            for (int j = 0; j < 3; ++j) {
                double dot = 0;
                for (int d = 0; d < 2; ++d) dot += qv[(h * 3 + i) * 2 + d] * kv[(h * 3 + j) * 2 + d];
                e[j] = std::exp(dot / 2);
                sum += e[j];
            }
            for (int d = 0; d < 2; ++d) {
                double want = 0;
                for (int j = 0; j < 3; ++j) want += e[j] / sum * kv[(h * 3 + j) * 2 + d];
                CHECK_THAT(out[(h * 3 + i) * 2 + d], WithinAbs(want, 1e-6));
            }
        }
}

TEST_CASE("Linear runs one MVM per token and the batched executor agrees", "[transformer]") {
    Network net;
    net.name = "lin";
    const int x = net.add_input("x", {1, 2, 3});
    // W [3][2] = [1 1; 2 0; 3 1], bias (1, -1): token (1, 2, 3) -> (1+4+9, 1+0+3) + b = (15, 3).
    const int y = net.add_linear("fc", x, 2, {1, 1, 2, 0, 3, 1}, {1, -1});
    CHECK(net.shape(y) == Shape{1, 2, 2});
    CHECK(net.layers[0].has_weights_matrix());
    CHECK(net.macs_per_inference() == 12u);
    const std::vector<float> in = {1, 2, 3, -1, 0, 1};
    const std::vector<float> out = forward_float(net, in);
    const std::vector<float> want = {15, 3, 3, -1};  // token (-1, 0, 1): (-1+0+3+1, -1+0+1-1)
    CHECK(out == want);
    const auto batch = forward_network_batch(net, {in, in}, [&](int li, int n, const float* xs, float* ys, const int*,
                                                               const int*) { matmul_float(net.layers[li], n, xs, ys); });
    CHECK(batch[0] == want);
    CHECK(batch[1] == want);
}

TEST_CASE("Slice, Concat, Reshape, Transpose and broadcast Binary move the right values", "[transformer]") {
    Network net;
    net.name = "moves";
    const int x = net.add_input("x", {1, 2, 3});  // rows (0 1 2), (3 4 5)
    const int cls = net.add_constant("cls", {9, 8, 7}, {1, 1, 3});
    const int cat = net.add_concat_axis("cat", {cls, x}, 1);                       // {1, 3, 3}
    const int sl = net.add_slice("sl", cat, 2, 1, 3);                          // columns 1..2
    const int perm[3] = {2, 1, 0};
    const int tr = net.add_transpose("tr", sl, perm);                          // {2, 3, 1}
    const int rs = net.add_reshape("rs", tr, {1, 2, 3});
    const int row = net.add_slice("row", cat, 1, 0, 1);                        // {1, 1, 3}: 9 8 7
    const int sub = net.add_binary("sub", BinaryOp::Sub, x, row);              // broadcast over the rows
    net.output = rs;
    const std::vector<float> in = {0, 1, 2, 3, 4, 5};
    // cat = [9 8 7; 0 1 2; 3 4 5], columns 1..2 = [8 7; 1 2; 4 5], transposed = [8 1 4; 7 2 5].
    CHECK(forward_float(net, in) == std::vector<float>{8, 1, 4, 7, 2, 5});
    net.output = sub;
    CHECK(forward_float(net, in) == std::vector<float>{-9, -7, -5, -6, -4, -2});
    CHECK_THROWS_AS(net.add_binary("bad", BinaryOp::Add, x, cat), InputError);
    CHECK_THROWS_AS(net.add_matmul("bad", x, x), InputError);
    CHECK_THROWS_AS(net.add_slice("bad", x, 1, 2, 2), InputError);
    CHECK_THROWS_AS(net.add_reshape("bad", x, {1, 1, 5}), InputError);
}

TEST_CASE("digital_bits rounds to fixed point with a power-of-two step from the calibrated range", "[transformer]") {
    // Largest magnitude 1.2 <= 2^1: at 4 bits the step is 2^(1 - 3) = 0.25, codes in [-8, 7].
    CHECK(fixed_point_step(1.2, 4) == 0.25F);
    CHECK(fixed_point_step(2.0, 4) == 0.25F);         // 2 = 2^1 exactly: e = 1
    CHECK(fixed_point_step(0.1, 8) == 1.0F / 1024);  // 0.1 <= 2^-3: 2^(-3 - 7)
    CHECK(fixed_point_step(0.0, 8) == 0.0F);          // never seen non-zero: not rounded
    std::vector<float> x = {0.3F, -0.7F, 0.05F, 1.2F};
    round_fixed_point(x.data(), x.size(), 0.25F, 4);
    CHECK(x == std::vector<float>{0.25F, -0.75F, 0.0F, 1.25F});  // codes 1.2 -> 1, -2.8 -> -3, 0.2 -> 0, 4.8 -> 5
    // Values beyond the calibrated range saturate: 2 / 0.25 = 8 -> 7, -8 is a code, -2.5 -> -8.
    std::vector<float> edge = {2.0F, -2.0F, 0.9F, -0.125F, -2.5F};
    round_fixed_point(edge.data(), edge.size(), 0.25F, 4);
    CHECK(edge == std::vector<float>{1.75F, -2.0F, 1.0F, -0.25F, -2.0F});  // 3.6 -> 4; -0.5 -> -1 (half away from 0)
    std::vector<float> fine = {0.1F, 0.0F};
    round_fixed_point(fine.data(), fine.size(), fixed_point_step(0.1, 8), 8);
    CHECK(fine == std::vector<float>{102.0F / 1024.0F, 0.0F});  // 0.1 * 1024 = 102.4 -> 102
    std::vector<float> kept = {0.3F};
    round_fixed_point(kept.data(), kept.size(), 0.0F, 8);
    CHECK(kept[0] == 0.3F);
}

TEST_CASE("digital_bits rounds a softmax's input and output in both executors", "[transformer]") {
    Network net;
    net.name = "softmax";
    const int x = net.add_input("x", {1, 1, 4});
    const int p = net.add_softmax_last("p", x);
    const std::vector<float> in = {0.3F, -0.7F, 0.05F, 1.2F};
    // Calibrated on this input: |x| <= 1.2 gives step 0.25 at 4 bits, the input rounds to
    // (0.25, -0.75, 0, 1.25) (test above); the float softmax's largest value, e^1.2 / sum =
    // 0.53397, gives step 2^-3 = 0.125. The rounded input's softmax is (e^0.25, e^-0.75, 1,
    // e^1.25) / 6.24675 = (0.20555, 0.07562, 0.16008, 0.55874): codes 1.644 -> 2,
    // 0.605 -> 1, 1.281 -> 1, 4.470 -> 4.
    const WeightKernel none = [](int, int, const float*, float*) {};
    std::vector<double> tensor_max(net.tensors.size(), 0.0);
    const std::vector<float> exact = forward_network_digital(net, in, none, nullptr, &tensor_max);
    CHECK_THAT(exact[3], WithinAbs(std::exp(1.2) / (std::exp(0.3) + std::exp(-0.7) + std::exp(0.05) + std::exp(1.2)), 1e-6));
    CHECK_THAT(tensor_max[static_cast<std::size_t>(x)], WithinAbs(1.2, 1e-7));
    CHECK_THAT(tensor_max[static_cast<std::size_t>(p)], WithinAbs(0.53397, 1e-4));
    DigitalRounding r;
    r.bits = 4;
    for (double m : tensor_max) r.step.push_back(fixed_point_step(m, 4));
    CHECK(r.step == std::vector<float>{0.25F, 0.125F});
    const std::vector<float> want = {0.25F, 0.125F, 0.125F, 0.5F};
    CHECK(forward_network_digital(net, in, none, &r) == want);
    const BatchWeightKernel none_batch = [](int, int, const float*, float*, const int*, const int*) {};
    const std::vector<std::vector<float>> batch = forward_network_batch(net, {in, in}, none_batch, &r);
    CHECK(batch[0] == want);
    CHECK(batch[1] == want);
}
