// The arithmetic of the network's non-matrix ops, one implementation each, shared
// by every executor: the whole-network forward pass (forward_network) and the
// chip's pixel-by-pixel functional values (src/chip/pixel_values.h). Both must give
// the same bits, so both call these. Tensors are CHW; a strided kernel touches
// x[k * stride], k < n (one pixel across channels, or a whole tensor at stride 1).
#pragma once

#include <cstddef>
#include <vector>

#include "aimcsim/network.h"

namespace aimcsim {

// out[k * stride] = max(in[k * stride], 0).
void relu(const float* in, std::size_t n, std::size_t stride, float* out);

// out[k * stride] = a[k * stride] + b[k * stride] (residual Add).
void add(const float* a, const float* b, std::size_t n, std::size_t stride, float* out);

// y[c] += bias[c], c < n.
void add_bias(const float* bias, int n, float* y);

// Output (oy, ox) of a MaxPool / AvgPool `window` over one channel plane of
// in_h x in_w values (row-major), the window clipped to the input; AvgPool divides
// by the window size with count_include_pad, else by the inputs it covered.
// Max-pooling of one whole plane (in_h x in_w) into out (out_h x out_w): pool_window()'s values.
void max_pool_plane(const Window& window, const float* plane, int in_h, int in_w, int out_h, int out_w, float* out);
[[nodiscard]] float pool_window(Op op, const Window& window, const float* plane, int in_h, int in_w, int oy, int ox);

// Mean of n values, summed in double in index order (global average pooling of one channel).
[[nodiscard]] float channel_mean(const float* in, std::size_t n);

// The input vector of LSTM step t, [x_t; h_{t-1}] (h_{-1} = 0), into xh[features + hidden]:
// x_seq holds {features, 1, steps} and h_seq {hidden, 1, steps} (CHW, time along the width).
void lstm_step_input(const float* x_seq, int features, const float* h_seq, int hidden, std::size_t steps, std::size_t t,
                     float* xh);

// The LSTM cell of one time step, in place: `gates` holds the 4*hidden
// pre-activations (W [x_t; h_{t-1}] + b, order i, f, g, o); `c` the cell state
// c_{t-1} on entry, c_t on return; h_t goes to h[k * h_stride], k < hidden.
// c_t = sigmoid(f) c_{t-1} + sigmoid(i) tanh(g), h_t = sigmoid(o) tanh(c_t).
void lstm_cell(const float* gates, int hidden, float* c, float* h, std::size_t h_stride);

// Numerically stable softmax of `channels` values in[k * stride], k < channels,
// into out[k * stride]: exp(x_k - max x) / sum_j exp(x_j - max x), the sum in
// double in index order.
void softmax(const float* in, int channels, std::size_t stride, float* out);

// out[k * stride] = fn(in[k * stride]), k < n (a Unary layer; in and out may alias).
void unary(const Unary& fn, const float* in, std::size_t n, std::size_t stride, float* out);

// One pixel across channels: out[c * stride] = scale[c] * in[c * stride] + shift[c].
void channel_affine(const float* scale, const float* shift, const float* in, int channels, std::size_t stride,
                    float* out);

// Value (c, oy, ox) of a Pad layer's output (pads in l.window) over the CHW input of shape `in`.
[[nodiscard]] float pad_value(const Layer& l, const Shape& in, const float* input, int c, int oy, int ox);

// Output of one layer without a weight matrix (Relu, pooling, GlobalAvgPool, Add,
// Flatten, Softmax, Unary, ChannelAffine, Concat, Pad, Resize, and the transformer ops
// through transformer_layer()) for one input, into out[0..output size): `values` holds that
// input's tensors by id, its inputs computed. The per-input and the batched executors
// (forward_network, forward_network_batch) both run these layers through it.
struct DigitalRounding;  // src/network/transformer_kernels.h

// forward_network (network.h) with the transformer ops' digital arithmetic rounded to
// fixed point (`rounding`, accuracy.digital_bits; null: float32, forward_network itself).
// `tensor_max` (non-null, one entry per tensor) is raised to the largest |value| each
// tensor took: the calibration of the rounding's steps.
[[nodiscard]] std::vector<float> forward_network_digital(const Network& net, const std::vector<float>& input_chw,
                                                         const WeightKernel& kernel, const DigitalRounding* rounding,
                                                         std::vector<double>* tensor_max = nullptr);

// `rounding` (non-null) rounds the transformer ops' digital arithmetic (transformer_kernels.h).
void digital_layer(const Network& net, const Layer& l, const std::vector<std::vector<float>>& values, float* out,
                   const DigitalRounding* rounding = nullptr);

}  // namespace aimcsim
