// The network IR the mapper and the accuracy evaluation consume: a directed graph of
// layers kept in topological order, with plain float weights. It knows nothing of
// ONNX, so a YAML layer list (shapes only) can build one through the same add_*
// functions the ONNX importer uses; those functions check shapes and attributes, so
// every Network they produce is consistent.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace aimcsim {

// New ops go at the END (tables and reports index by op). The ops after Resize serve
// transformers (their semantics: "Transformer ops" below).
enum class Op {
    Conv,
    Dense,
    Relu,
    MaxPool,
    AvgPool,
    GlobalAvgPool,
    Add,
    Flatten,
    Lstm,
    Softmax,
    Unary,          // an elementwise function (UnaryKind): Sigmoid, Tanh, HardSwish, ...
    ChannelAffine,  // y = scale[c] * x + shift[c] (a BatchNormalization with no weight layer to fold into)
    Concat,         // along the channels
    Pad,            // constant padding of H and W
    Resize,         // nearest-neighbour resize of H and W (ONNX Resize / Upsample, mode nearest)
    Linear,
    MatMul,
    Transpose,
    Reshape,
    Slice,
    ConcatAxis,
    LayerNorm,
    Gelu,
    SoftmaxLast,
    Binary,
    Constant
};

// Number of Op values (for tables indexed by op).
inline constexpr int kOpCount = static_cast<int>(Op::Constant) + 1;

// The arithmetic of an Op::Binary layer.
enum class BinaryOp { Add, Sub, Mul, Div };

// The function of a Unary layer, as ONNX defines it:
//   Sigmoid 1/(1+e^-x); Tanh; HardSigmoid max(0, min(1, alpha x + beta));
//   HardSwish x * max(0, min(1, x/6 + 1/2)); LeakyRelu x < 0 ? alpha x : x;
//   Clip min(max(x, alpha), beta) (alpha = min, beta = max; ReLU6 is Clip(0, 6)).
enum class UnaryKind { Sigmoid, Tanh, HardSigmoid, HardSwish, LeakyRelu, Clip };

struct Unary {
    UnaryKind kind = UnaryKind::Sigmoid;
    float alpha = 0.0f;
    float beta = 0.0f;
};

[[nodiscard]] const char* unary_name(UnaryKind kind);

[[nodiscard]] const char* op_name(Op op);
[[nodiscard]] const char* binary_op_name(BinaryOp op);

// One activation tensor without the batch dimension. A flat vector of n features is
// {n, 1, 1}; its element order is the row-major (C, H, W) order, like ONNX Flatten.
struct Shape {
    int c = 0;
    int h = 1;
    int w = 1;

    [[nodiscard]] std::size_t size() const {
        return static_cast<std::size_t>(c) * static_cast<std::size_t>(h) * static_cast<std::size_t>(w);
    }
    [[nodiscard]] std::string str() const;  // "16x28x28"
    bool operator==(const Shape& o) const { return c == o.c && h == o.h && w == o.w; }
    bool operator!=(const Shape& o) const { return !(*this == o); }
};

// Sliding window of Conv and pooling layers (and the pads of a Pad layer). Pads may be
// asymmetric (ONNX allows it); dilation is always 1 (anything else is rejected on import).
struct Window {
    int kernel_h = 1, kernel_w = 1;
    int stride_h = 1, stride_w = 1;
    int pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
    bool count_include_pad = false;  // AvgPool only: divide by the full window size
};

struct Tensor {
    std::string name;
    Shape shape;
};

struct Layer {
    std::string name;
    Op op = Op::Relu;
    std::vector<int> inputs;  // tensor ids (two for Add, two or more for Concat, one otherwise)
    int output = -1;          // tensor id

    // Weight layers (Conv, Dense): the matrix a crossbar stores, row-major [rows][cols].
    // Conv: rows = cin*kh*kw in (cin, ky, kx) order, the order im2col() produces;
    // cols = cout, one matrix-vector product per output pixel.
    // Dense: rows = in_features (flattened CHW order), cols = out_features.
    // Linear: rows = in features (the input's w), cols = out features; one
    // matrix-vector product per token (see "Transformer ops").
    // Lstm: the input is a sequence {features, 1, T} (time along the width, so a
    // time step is a "pixel"); rows = features + hidden ([x_t; h_{t-1}]), cols =
    // 4 * hidden, gates in PyTorch order (input, forget, cell, output); one
    // matrix-vector product per time step; the output is h_t as {hidden, 1, T}.
    // Grouped Conv (groups > 1): input and output channels split into `groups` equal
    // parts, output channel co reading only the input channels of its group
    // co / (cols / groups). The matrix stores each group's rows only: rows =
    // (cin / groups)*kh*kw, and column co holds that output channel's weights over its
    // group's rows. The input vector of a pixel is still the whole im2col() (cin*kh*kw
    // values, group g's rows at g*rows), so the logical matrix is block-diagonal:
    // input_rows() x cols with `groups` blocks of rows x (cols / groups).
    // Empty weights = shapes-only network (timing studies); forward_float refuses it.
    int rows = 0;
    int cols = 0;
    std::vector<float> weights;
    std::vector<float> bias;  // [cols] (zeros when the model has none)

    Window window;  // Conv, MaxPool, AvgPool; Pad: only its pads

    int groups = 1;                    // Conv
    Unary unary;                       // Unary
    std::vector<float> channel_scale;  // ChannelAffine: [channels]
    std::vector<float> channel_shift;  // ChannelAffine: [channels]
    float pad_value = 0.0f;            // Pad: the constant written into the border
    std::vector<int> source_h;         // Resize: the input row of each output row
    std::vector<int> source_w;         // Resize: the input column of each output column

    // Transformer ops (semantics: "Transformer ops" above Network).
    int axis = 0;                     // Slice, ConcatAxis: 0 = c, 1 = h, 2 = w
    int begin = 0, end = 0;           // Slice: [begin, end) along `axis`
    int perm[3] = {0, 1, 2};          // Transpose: output axis i is input axis perm[i]
    BinaryOp binary = BinaryOp::Add;  // Binary
    std::vector<float> constant;      // Binary with one input: the constant operand; Constant: the values
    Shape constant_shape;             // its shape (Binary: broadcast to the input's)
    bool constant_first = false;      // Binary: constant OP input (e.g. 1 / x) instead of input OP constant
    std::vector<float> gamma, beta;   // LayerNorm: [w] scale and shift
    float epsilon = 1e-5F;            // LayerNorm
    bool gelu_tanh = false;           // Gelu: the tanh approximation instead of the exact erf form

    [[nodiscard]] bool has_weights_matrix() const {
        return op == Op::Conv || op == Op::Dense || op == Op::Lstm || op == Op::Linear;
    }
    // Values of the input vector one matrix-vector product reads: rows, times the
    // groups of a grouped Conv.
    [[nodiscard]] int input_rows() const { return rows * groups; }
    // Output channels (columns) of one group of a grouped Conv.
    [[nodiscard]] int group_cols() const { return cols / groups; }
    // Element (row, col) of the logical matrix input_rows() x cols: w(row, col) for an
    // ungrouped layer, zero off a grouped Conv's diagonal blocks.
    [[nodiscard]] float matrix_w(int row, int col) const {
        if (groups == 1) return w(row, col);
        return row / rows == col / group_cols() ? w(row % rows, col) : 0.0f;
    }
    // Hidden units of an Lstm layer.
    [[nodiscard]] int hidden() const { return cols / 4; }
    [[nodiscard]] float w(int row, int col) const {
        return weights[static_cast<std::size_t>(row) * static_cast<std::size_t>(cols) + col];
    }
    // A weight layer that reuses an earlier layer's matrix (ALBERT's shared layers):
    // that layer's index, or -1. Its weights equal the earlier layer's; the mapper
    // puts no tiles of its own under it, the earlier layer's tiles run its MVMs too.
    int shares_weights = -1;
};

// Transformer ops. A tensor is a row-major 3-D array {c, h, w} (the batch dropped).
// A token sequence [B, T, D] is {1, T, D}; attention heads [B, H, T, d] are {H, T, d};
// an op "over the last axis" works on each of the c*h rows of w values on its own.
// Tokens are the pipeline's unit as pixels are for convolutions: a "token" of a tensor
// is one of its c*h rows, token index p = ci * h + hi, its w values contiguous.
//   Linear      {c, h, rows} -> {c, h, cols}: y = x W + bias per token, one MVM each
//               (a weight layer: the mapper puts W on tiles; pixel = token index).
//   MatMul      a {B, M, K}, b {B, K, N} -> {B, M, N}: a[i] b[i] for every i < B, two
//               activations (Q K^T, A V), digital.
//   Transpose   permutes the three axes: out dim i = in dim perm[i].
//   Reshape     same values, another shape of the same size (row-major order kept).
//   Slice       [begin, end) along `axis`.
//   ConcatAxis  the inputs joined along `axis` (other dims equal), in input order.
//   LayerNorm   over the last axis: (x - mean) / sqrt(var + epsilon) * gamma + beta,
//               var the biased (population) variance, gamma/beta [w].
//   Gelu        elementwise; exact x/2 (1 + erf(x/sqrt 2)), or with gelu_tanh
//               x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
//   SoftmaxLast softmax over the last axis, each row on its own (attention scores).
//   Binary      elementwise add/sub/mul/div; two inputs, or one input and the layer's
//               constant (constant_shape). Operands broadcast per axis (sizes equal
//               or 1, as numpy); the output has the broadcast shape.
//   Constant    outputs `constant` (shape constant_shape), e.g. a class token; its one
//               input (the network input) only orders it and is not read.
class Network {
public:
    std::string name;
    std::vector<Tensor> tensors;  // tensor id = index
    std::vector<Layer> layers;    // topological order: inputs come from earlier layers
    int input = -1;               // tensor id of the network input
    int output = -1;              // tensor id of the network output
    // The batch an imported model declares on its input: N (fixed), or 0 (symbolic,
    // any batch). The network itself describes one sample; a batch runs sample by sample.
    int declared_batch = 1;

    // Builders. Each checks its arguments, computes the output shape, appends the
    // layer and returns the id of its output tensor. They throw InputError with the
    // layer name on a bad shape or attribute. weights/bias may be empty (shapes only);
    // if given they must have rows*cols and cols elements.
    int add_input(const std::string& tensor_name, Shape shape);
    int add_conv(const std::string& layer, int in, int out_channels, const Window& win, std::vector<float> weights = {},
                 std::vector<float> bias = {});
    // A grouped Conv (depthwise: groups = input channels = output channels); weights
    // as Layer documents ([(cin/groups)*kh*kw][out_channels]).
    int add_grouped_conv(const std::string& layer, int in, int out_channels, int groups, const Window& win,
                         std::vector<float> weights = {}, std::vector<float> bias = {});
    int add_dense(const std::string& layer, int in, int out_features, std::vector<float> weights = {},
                  std::vector<float> bias = {});
    int add_relu(const std::string& layer, int in);
    int add_pool(const std::string& layer, Op op /*MaxPool or AvgPool*/, int in, const Window& win);
    int add_global_avg_pool(const std::string& layer, int in);
    int add_add(const std::string& layer, int a, int b);
    int add_flatten(const std::string& layer, int in);
    // A single-layer LSTM over the input sequence {features, 1, T}; zero initial state.
    int add_lstm(const std::string& layer, int in, int hidden, std::vector<float> weights = {},
                 std::vector<float> bias = {});
    // Softmax over the channels, at every pixel on its own: over the features of a
    // flat vector {n, 1, 1} (ONNX [1, n]), over C of each (h, w) of an NCHW tensor.
    int add_softmax(const std::string& layer, int in);
    // An elementwise function (Sigmoid, Tanh, HardSigmoid, HardSwish, LeakyRelu, Clip).
    int add_unary(const std::string& layer, int in, Unary fn);
    // y[c] = scale[c] * x[c] + shift[c] at every pixel (one value per channel each).
    int add_channel_affine(const std::string& layer, int in, std::vector<float> scale, std::vector<float> shift);
    // The inputs stacked along the channels, in order; their H and W must agree.
    int add_concat(const std::string& layer, const std::vector<int>& ins);
    // Constant padding of H and W by pads.pad_top/left/bottom/right (only the pads of
    // `pads` are read; they must not be negative).
    int add_pad(const std::string& layer, int in, const Window& pads, float value);
    // Nearest-neighbour resize: output (c, y, x) = input (c, source_h[y], source_w[x]);
    // the output is C x source_h.size() x source_w.size(). The importer computes the
    // indices from ONNX's coordinate transformation and rounding modes.
    int add_resize_nearest(const std::string& layer, int in, std::vector<int> source_h, std::vector<int> source_w);

    // Transformer ops (see "Transformer ops" above).
    int add_linear(const std::string& layer, int in, int out_features, std::vector<float> weights = {},
                   std::vector<float> bias = {});
    int add_matmul(const std::string& layer, int a, int b);
    int add_transpose(const std::string& layer, int in, const int perm[3]);
    int add_reshape(const std::string& layer, int in, Shape shape);
    int add_slice(const std::string& layer, int in, int axis, int begin, int end);
    int add_concat_axis(const std::string& layer, const std::vector<int>& inputs, int axis);
    int add_layer_norm(const std::string& layer, int in, std::vector<float> gamma, std::vector<float> beta,
                       float epsilon);
    int add_gelu(const std::string& layer, int in, bool tanh_approximation);
    int add_softmax_last(const std::string& layer, int in);
    int add_binary(const std::string& layer, BinaryOp op, int a, int b);
    int add_binary_constant(const std::string& layer, BinaryOp op, int in, std::vector<float> constant,
                            Shape constant_shape, bool constant_first);
    int add_constant(const std::string& layer, std::vector<float> values, Shape shape);

    [[nodiscard]] const Shape& shape(int tensor) const { return tensors.at(tensor).shape; }
    [[nodiscard]] const Shape& input_shape() const { return shape(input); }
    [[nodiscard]] const Shape& output_shape() const { return shape(output); }

    // Multiply-accumulates of the weight layers for one inference (what the crossbars
    // do): Conv rows*cols per output pixel, Dense rows*cols. Pooling, Add and bias are
    // digital and not counted.
    [[nodiscard]] std::size_t macs_per_inference() const;
    // Weights + biases of all weight layers.
    [[nodiscard]] std::size_t parameter_count() const;
    // Index of the layer that produces a tensor, or -1 for the network input.
    [[nodiscard]] int producer(int tensor) const;

    // One line per layer: name, op, shapes, matrix size.
    [[nodiscard]] std::string summary() const;

private:
    int add_layer(Layer layer, Shape out_shape);
    void check_tensor(const std::string& layer, int tensor) const;
};

// Output size of a sliding window along one axis; <= 0 when the window does not fit.
// The shape two Binary operands broadcast to; throws InputError (naming `layer`) when an
// axis differs and neither size is 1.
[[nodiscard]] Shape broadcast_shape(const std::string& layer, const Shape& a, const Shape& b);

[[nodiscard]] int window_output_size(int in, int kernel, int stride, int pad_begin, int pad_end);

// Folds y = gamma * (x - mean) / sqrt(var + eps) + beta, applied per output channel
// after a Conv or Dense layer, into that layer's weights and bias.
void fold_batch_norm(Layer& layer, const std::vector<float>& gamma, const std::vector<float>& beta,
                     const std::vector<float>& mean, const std::vector<float>& var, float epsilon);

// The vector a Conv layer feeds to its weight matrix for output pixel (oy, ox):
// layer.rows values in (cin, ky, kx) order, zero where the window covers padding.
// `input_chw` is the layer's whole input tensor.
[[nodiscard]] std::vector<float> im2col(const Network& net, const Layer& conv, const std::vector<float>& input_chw,
                                        int oy, int ox);
// Same, into a caller-owned buffer of layer.rows floats (no allocation per pixel).
void im2col(const Network& net, const Layer& conv, const float* input_chw, int oy, int ox, float* out);
// Same, for an input of shape `in` under window `win`.
void im2col(const Shape& in, const Window& win, const float* input_chw, int oy, int ox, float* out);
// The adjoint of im2col: adds the vector `col` of output pixel (oy, ox) back into the
// input positions it was gathered from (padding positions are dropped).
void col2im_add(const Shape& in, const Window& win, const float* col, int oy, int ox, float* input_chw);

// y[0..cols) = W x for one input vector x[0..input_rows()) of a weight layer (no bias;
// a grouped Conv multiplies each group's rows by its block).
void matvec_float(const Layer& l, const float* x, float* y);

// Computes a weight layer's W x for one input vector (no bias: the executor adds it).
// `pixel` is oy * out_w + ox for Conv, 0 for Dense, the time step for Lstm, the token for Linear.
using WeightKernel = std::function<void(int layer_index, int pixel, const float* x, float* y)>;

// Runs every layer in order; weight layers go through `kernel` (float, analog, ...),
// everything else (bias, ReLU, pooling, Add, Flatten, LSTM cell, Softmax) is computed
// here in float, by the op kernels the chip's functional mode shares
// (src/network/op_kernels.h).
[[nodiscard]] std::vector<float> forward_network(const Network& net, const std::vector<float>& input_chw,
                                                 const WeightKernel& kernel);

// Reference float executor: runs every layer in order with plain loops and returns
// the output tensor (CHW order). Throws InputError if the input size does not match
// or a weight layer has no weights.
[[nodiscard]] std::vector<float> forward_float(const Network& net, const std::vector<float>& input_chw);

}  // namespace aimcsim
