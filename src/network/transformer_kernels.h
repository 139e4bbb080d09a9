// The arithmetic of the transformer ops without weights (network.h, "Transformer
// ops"), one implementation each, shared by every executor through digital_layer()
// (op_kernels.h). Tensors are row-major {c, h, w}.
#pragma once

#include <cstddef>
#include <vector>

#include "aimcsim/network.h"

namespace aimcsim {

// LayerNorm of one row of n values: (x - mean) / sqrt(var + eps) * gamma + beta, the
// mean and the biased variance summed in double in index order.
void layer_norm_row(const float* in, int n, const float* gamma, const float* beta, float epsilon, float* out);

// GELU of one value: exact x/2 (1 + erf(x / sqrt 2)), or the tanh approximation.
[[nodiscard]] float gelu(float x, bool tanh_approximation);

// out {B, M, N} = a {B, M, K} b {B, K, N}, each product summed in float in k order.
void batched_matmul(const float* a, const float* b, int batch, int m, int k, int n, float* out);

// The fixed point of the digital ops (accuracy.digital_bits): signed codes of `bits`
// bits (2 to 24) with one power-of-two step per tensor, fixed before deployment from the
// largest magnitude m the tensor took on the calibration data (as the tiles' input
// scales are): step = 2^(e - bits + 1), e the smallest integer with m <= 2^e. Static
// steps round every value on its own, so the chip's token-by-token digital ops and the
// whole-tensor executors give the same bits whatever order values arrive in.
struct DigitalRounding {
    int bits = 0;
    std::vector<float> step;  // [tensor id]; 0: not rounded (never seen non-zero)
};

// The step for a largest magnitude m at `bits` bits (0 when m is 0 or not finite).
[[nodiscard]] float fixed_point_step(double max_abs, int bits);

// Rounds x[0..n) in place to codes of `bits` bits at `step`: each value becomes
// clamp(round(x / step), -2^(bits-1), 2^(bits-1) - 1) * step (round: half away from
// zero). step 0 leaves x unchanged.
void round_fixed_point(float* x, std::size_t n, float step, int bits);

// Whether `accuracy.digital_bits` rounds this op's activation inputs and its output: the
// digital arithmetic of a transformer (MatMul, SoftmaxLast, LayerNorm, Gelu, Binary).
// Data movement (Transpose, Reshape, Slice, ConcatAxis, Constant) is exact.
[[nodiscard]] bool rounds_digital(Op op);

// The output of a transformer layer without weights (MatMul, Transpose, Reshape, Slice,
// Concat, LayerNorm, Gelu, SoftmaxLast, Binary, Constant) for one input, into
// out[0..output size); `values` holds that input's tensors by id. With `rounding`
// (non-null) the activation inputs and the output of a rounds_digital() op are rounded
// by round_fixed_point() at their tensors' steps (constants, gamma and beta stay float).
void transformer_layer(const Network& net, const Layer& l, const std::vector<std::vector<float>>& values, float* out,
                       const DigitalRounding* rounding = nullptr);

}  // namespace aimcsim
