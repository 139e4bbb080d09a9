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

// The output of a transformer layer without weights (MatMul, Transpose, Reshape, Slice,
// Concat, LayerNorm, Gelu, SoftmaxLast, Binary, Constant) for one input, into
// out[0..output size); `values` holds that input's tensors by id.
void transformer_layer(const Network& net, const Layer& l, const std::vector<std::vector<float>>& values, float* out);

}  // namespace aimcsim
