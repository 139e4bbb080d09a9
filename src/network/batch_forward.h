// The batched executor: a network over a chunk of inputs at once, layer by layer.
// Every weight layer's input vectors of the whole chunk (all output pixels of all
// inputs for a Conv, one im2col row each) form one matrix that the kernel takes in
// one call, so a GEMM sees thousands of rows instead of one vector at a time. The
// layers without weights run per input through digital_layer(), as in forward_network.
#pragma once

#include <cstddef>
#include <functional>
#include <vector>

#include "aimcsim/network.h"

namespace aimcsim {

struct DigitalRounding;  // src/network/transformer_kernels.h

// y (n x cols of the layer, row-major) = x (n x input_rows()) W for a weight layer, no
// bias (a grouped Conv: each group's slice of a row times its block).
// Row k is the vector of input input_of_row[k] (index in the chunk) at pixel
// pixel_of_row[k] (Conv: oy * out_w + ox, Dense: 0, Lstm: the time step, Linear: the token).
using BatchWeightKernel = std::function<void(int layer_index, int n, const float* x, float* y, const int* input_of_row,
                                             const int* pixel_of_row)>;

// Outputs (CHW) of every input. A kernel whose row k depends only on that row gives
// each input the output it gets in any other chunk. Conv rows go to the kernel in
// slices of about kBatchSliceFloats floats of im2col matrix, so memory stays bounded.
// rounding: as forward_network_digital's (src/network/op_kernels.h).
[[nodiscard]] std::vector<std::vector<float>> forward_network_batch(const Network& net,
                                                                    const std::vector<std::vector<float>>& inputs,
                                                                    const BatchWeightKernel& kernel,
                                                                    const DigitalRounding* rounding = nullptr);

inline constexpr std::size_t kBatchSliceFloats = std::size_t{1} << 21;  // 8 MB of im2col rows

// Inputs per chunk that keep a chunk's tensors within about `budget_bytes` (1 to 256).
[[nodiscard]] int batch_chunk_size(const Network& net, std::size_t budget_bytes);

// The float reference's kernel on OpenBLAS: y = x W with the layer's float weights.
void matmul_float(const Layer& l, int n, const float* x, float* y);

}  // namespace aimcsim
