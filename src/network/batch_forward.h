// The batched executor: a network over a chunk of inputs at once, layer by layer.
// Every weight layer's input vectors of the whole chunk (all output pixels of all
// inputs for a Conv, one im2col row each) form one matrix that the kernel takes in
// one call, so a GEMM sees thousands of rows instead of one vector at a time. The
// layers without weights run per input through digital_layer(), as in forward_network.
#pragma once

#include <cstddef>
#include <cstdint>
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
// slices of at most kBatchSliceFloats floats of im2col matrix
// (and kBatchSliceRows rows), so memory stays bounded.
// rounding: as forward_network_digital's (src/network/op_kernels.h).
[[nodiscard]] std::vector<std::vector<float>> forward_network_batch(const Network& net,
                                                                    const std::vector<std::vector<float>>& inputs,
                                                                    const BatchWeightKernel& kernel,
                                                                    const DigitalRounding* rounding = nullptr);

// A slice's rows, their outputs and the tiles' scratch stay in a core's L2 cache while
// every step (gather, product, noise, ADC, scatter) runs over them.
// The analog engine's form: a weight layer's inputs go to the kernel as signed codes.
// quantize(layer, x, n, codes) gives the codes of n input values, element by element,
// with code 0 for the value 0; the executor quantises every input tensor of a layer once
// and gathers its rows (im2col) from the codes, which are the codes of the gathered rows.
// mvm is BatchWeightKernel with codes for values.
struct BatchCodeKernel {
    std::function<void(int layer_index, const float* x, std::size_t n, std::int8_t* codes)> quantize;
    std::function<void(int layer_index, int n, const std::int8_t* codes, float* y, const int* input_of_row,
                       const int* pixel_of_row)>
        mvm;
};
[[nodiscard]] std::vector<std::vector<float>> forward_network_batch(const Network& net,
                                                                    const std::vector<std::vector<float>>& inputs,
                                                                    const BatchCodeKernel& kernel,
                                                                    const DigitalRounding* rounding = nullptr);

inline constexpr std::size_t kBatchSliceFloats = std::size_t{1} << 16;  // 256 KB of im2col rows
inline constexpr long kBatchSliceRows = 2048;

// Inputs per chunk that keep a chunk's tensors within about `budget_bytes` (1 to 256).
[[nodiscard]] int batch_chunk_size(const Network& net, std::size_t budget_bytes);

// The float reference's kernel on OpenBLAS: y = x W with the layer's float weights.
void matmul_float(const Layer& l, int n, const float* x, float* y);

}  // namespace aimcsim
