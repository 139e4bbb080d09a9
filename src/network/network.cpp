#include "aimcsim/network.h"

#include <algorithm>
#include <cstddef>
#include <cmath>
#include <limits>
#include <sstream>

#include "aimcsim/core/error.h"
#include "src/network/builder_support.h"
#include "src/network/op_kernels.h"

namespace aimcsim {

namespace {

// Larger tensors or matrices than this are certainly a corrupt or hostile file, and
// would otherwise turn into a std::bad_alloc far from the cause.
constexpr std::size_t kMaxElements = std::size_t{1} << 28;

using builder::fail;

void check_size(const std::string& layer, const char* what, std::size_t n) {
    if (n > kMaxElements)
        fail(layer, std::string(what) + " has " + std::to_string(n) + " elements, more than the limit of " +
                        std::to_string(kMaxElements));
}

}  // namespace

const char* op_name(Op op) {
    switch (op) {
        case Op::Conv: return "Conv";
        case Op::Dense: return "Dense";
        case Op::Relu: return "Relu";
        case Op::MaxPool: return "MaxPool";
        case Op::AvgPool: return "AvgPool";
        case Op::GlobalAvgPool: return "GlobalAvgPool";
        case Op::Add: return "Add";
        case Op::Flatten: return "Flatten";
        case Op::Lstm: return "LSTM";
        case Op::Softmax: return "Softmax";
        case Op::Unary: return "Unary";
        case Op::ChannelAffine: return "ChannelAffine";
        case Op::Concat: return "Concat";
        case Op::Pad: return "Pad";
        case Op::Resize: return "Resize";
        case Op::Linear: return "Linear";
        case Op::MatMul: return "MatMul";
        case Op::Transpose: return "Transpose";
        case Op::Reshape: return "Reshape";
        case Op::Slice: return "Slice";
        case Op::ConcatAxis: return "ConcatAxis";
        case Op::LayerNorm: return "LayerNorm";
        case Op::Gelu: return "Gelu";
        case Op::SoftmaxLast: return "SoftmaxLast";
        case Op::Binary: return "Binary";
        case Op::Constant: return "Constant";
    }
    return "?";
}

std::string Shape::str() const { return std::to_string(c) + "x" + std::to_string(h) + "x" + std::to_string(w); }

int window_output_size(int in, int kernel, int stride, int pad_begin, int pad_end) {
    if (stride <= 0) return 0;
    const long span = static_cast<long>(in) + pad_begin + pad_end - kernel;
    return span < 0 ? 0 : static_cast<int>(span / stride + 1);
}

int Network::add_input(const std::string& tensor_name, Shape shape) {
    if (shape.c <= 0 || shape.h <= 0 || shape.w <= 0)
        throw InputError("network input '" + tensor_name + "': shape " + shape.str() + " must be positive");
    check_size(tensor_name, "the input", shape.size());
    tensors.push_back({tensor_name, shape});
    input = static_cast<int>(tensors.size()) - 1;
    if (output < 0) output = input;
    return input;
}

void Network::check_tensor(const std::string& layer, int tensor) const {
    if (tensor < 0 || tensor >= static_cast<int>(tensors.size()))
        fail(layer, "input tensor id " + std::to_string(tensor) + " does not exist");
}

int Network::add_layer(Layer layer, Shape out_shape) {
    if (out_shape.c <= 0 || out_shape.h <= 0 || out_shape.w <= 0)
        fail(layer.name, "output shape " + out_shape.str() + " is empty");
    check_size(layer.name, "the output", out_shape.size());
    tensors.push_back({layer.name, out_shape});
    layer.output = static_cast<int>(tensors.size()) - 1;
    layers.push_back(std::move(layer));
    output = layers.back().output;  // the last layer is the network output unless set otherwise
    return output;
}

namespace {

using builder::new_layer;

void check_window(const std::string& layer, const Window& win, bool is_pool) {
    if (win.kernel_h <= 0 || win.kernel_w <= 0) fail(layer, "kernel size must be positive");
    if (win.stride_h <= 0 || win.stride_w <= 0) fail(layer, "stride must be positive");
    if (win.pad_top < 0 || win.pad_left < 0 || win.pad_bottom < 0 || win.pad_right < 0)
        fail(layer, "pads must not be negative");
    // A pooling window that sits entirely in padding would average or max over nothing.
    if (is_pool && (win.pad_top >= win.kernel_h || win.pad_bottom >= win.kernel_h || win.pad_left >= win.kernel_w ||
                    win.pad_right >= win.kernel_w))
        fail(layer, "pads must be smaller than the kernel");
}

Shape window_output(const std::string& layer, const Shape& in, int channels, const Window& win, bool is_pool) {
    check_window(layer, win, is_pool);
    const int oh = window_output_size(in.h, win.kernel_h, win.stride_h, win.pad_top, win.pad_bottom);
    const int ow = window_output_size(in.w, win.kernel_w, win.stride_w, win.pad_left, win.pad_right);
    if (oh <= 0 || ow <= 0)
        fail(layer, "kernel " + std::to_string(win.kernel_h) + "x" + std::to_string(win.kernel_w) +
                        " does not fit the padded input " + in.str());
    return {channels, oh, ow};
}

void set_matrix(Layer& l, int rows, int cols, std::vector<float> weights, std::vector<float> bias) {
    check_size(l.name, "the weight matrix", static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols));
    l.rows = rows;
    l.cols = cols;
    if (!weights.empty() && weights.size() != static_cast<std::size_t>(rows) * cols)
        fail(l.name, "weights have " + std::to_string(weights.size()) + " values, expected " + std::to_string(rows) +
                         "x" + std::to_string(cols));
    if (!bias.empty() && bias.size() != static_cast<std::size_t>(cols))
        fail(l.name, "bias has " + std::to_string(bias.size()) + " values, expected " + std::to_string(cols));
    l.weights = std::move(weights);
    l.bias = bias.empty() && !l.weights.empty() ? std::vector<float>(cols, 0.0f) : std::move(bias);
}

}  // namespace

int Network::add_conv(const std::string& layer, int in, int out_channels, const Window& win, std::vector<float> weights,
                      std::vector<float> bias) {
    return add_grouped_conv(layer, in, out_channels, 1, win, std::move(weights), std::move(bias));
}

int Network::add_grouped_conv(const std::string& layer, int in, int out_channels, int groups, const Window& win,
                              std::vector<float> weights, std::vector<float> bias) {
    check_tensor(layer, in);
    if (out_channels <= 0) fail(layer, "output channels must be positive");
    if (win.count_include_pad) fail(layer, "count_include_pad applies to AvgPool only");
    const Shape& s = shape(in);
    if (groups <= 0 || s.c % groups != 0 || out_channels % groups != 0)
        fail(layer, "groups " + std::to_string(groups) + " must divide the input channels (" + std::to_string(s.c) +
                        ") and the output channels (" + std::to_string(out_channels) + ")");
    Layer l = new_layer(layer, Op::Conv, {in});
    l.window = win;
    l.groups = groups;
    const Shape out = window_output(layer, s, out_channels, win, false);
    set_matrix(l, s.c / groups * win.kernel_h * win.kernel_w, out_channels, std::move(weights), std::move(bias));
    return add_layer(std::move(l), out);
}

int Network::add_dense(const std::string& layer, int in, int out_features, std::vector<float> weights,
                       std::vector<float> bias) {
    check_tensor(layer, in);
    if (out_features <= 0) fail(layer, "output features must be positive");
    Layer l = new_layer(layer, Op::Dense, {in});
    const std::size_t rows = shape(in).size();
    check_size(layer, "the input", rows);
    set_matrix(l, static_cast<int>(rows), out_features, std::move(weights), std::move(bias));
    return add_layer(std::move(l), {out_features, 1, 1});
}

int Network::add_linear(const std::string& layer, int in, int out_features, std::vector<float> weights,
                        std::vector<float> bias) {
    check_tensor(layer, in);
    if (out_features <= 0) fail(layer, "output features must be positive");
    const Shape s = shape(in);
    Layer l = new_layer(layer, Op::Linear, {in});
    set_matrix(l, s.w, out_features, std::move(weights), std::move(bias));
    return add_layer(std::move(l), {s.c, s.h, out_features});
}

int Network::add_lstm(const std::string& layer, int in, int hidden, std::vector<float> weights,
                      std::vector<float> bias) {
    check_tensor(layer, in);
    if (hidden <= 0) fail(layer, "hidden size must be positive");
    const Shape& s = shape(in);
    if (s.h != 1) fail(layer, "an LSTM reads a sequence {features, 1, steps}, got " + s.str());
    Layer l = new_layer(layer, Op::Lstm, {in});
    check_size(layer, "the gate matrix",
               (static_cast<std::size_t>(s.c) + hidden) * 4 * static_cast<std::size_t>(hidden));
    set_matrix(l, s.c + hidden, 4 * hidden, std::move(weights), std::move(bias));
    return add_layer(std::move(l), {hidden, 1, s.w});
}

int Network::add_relu(const std::string& layer, int in) {
    check_tensor(layer, in);
    Layer l = new_layer(layer, Op::Relu, {in});
    const Shape s = shape(in);
    return add_layer(std::move(l), s);
}

int Network::add_pool(const std::string& layer, Op op, int in, const Window& win) {
    check_tensor(layer, in);
    if (op != Op::MaxPool && op != Op::AvgPool) fail(layer, "add_pool needs MaxPool or AvgPool");
    if (op == Op::MaxPool && win.count_include_pad) fail(layer, "count_include_pad applies to AvgPool only");
    Layer l = new_layer(layer, op, {in});
    l.window = win;
    const Shape out = window_output(layer, shape(in), shape(in).c, win, true);
    return add_layer(std::move(l), out);
}

int Network::add_global_avg_pool(const std::string& layer, int in) {
    check_tensor(layer, in);
    Layer l = new_layer(layer, Op::GlobalAvgPool, {in});
    const int c = shape(in).c;
    return add_layer(std::move(l), {c, 1, 1});
}

int Network::add_add(const std::string& layer, int a, int b) {
    check_tensor(layer, a);
    check_tensor(layer, b);
    if (shape(a) != shape(b))
        fail(layer, "Add of shapes " + shape(a).str() + " and " + shape(b).str() +
                        " (broadcasting is not supported; the shapes must be equal)");
    Layer l = new_layer(layer, Op::Add, {a, b});
    const Shape s = shape(a);
    return add_layer(std::move(l), s);
}

int Network::add_softmax(const std::string& layer, int in) {
    check_tensor(layer, in);
    Layer l = new_layer(layer, Op::Softmax, {in});
    const Shape s = shape(in);
    return add_layer(std::move(l), s);
}

int Network::add_flatten(const std::string& layer, int in) {
    check_tensor(layer, in);
    Layer l = new_layer(layer, Op::Flatten, {in});
    const int n = static_cast<int>(shape(in).size());
    return add_layer(std::move(l), {n, 1, 1});
}

std::size_t Network::macs_per_inference() const {
    std::size_t macs = 0;
    for (const Layer& l : layers) {
        const std::size_t matrix = static_cast<std::size_t>(l.rows) * static_cast<std::size_t>(l.cols);
        if (l.op == Op::Conv)
            macs += matrix * static_cast<std::size_t>(shape(l.output).h) * static_cast<std::size_t>(shape(l.output).w);
        else if (l.op == Op::Dense)
            macs += matrix;
        else if (l.op == Op::Lstm)
            macs += matrix * static_cast<std::size_t>(shape(l.output).w);
        else if (l.op == Op::Linear)
            macs += matrix * static_cast<std::size_t>(shape(l.output).c) * static_cast<std::size_t>(shape(l.output).h);
    }
    return macs;
}

std::size_t Network::parameter_count() const {
    std::size_t n = 0;
    for (const Layer& l : layers)
        if (l.has_weights_matrix()) n += static_cast<std::size_t>(l.rows) * l.cols + l.cols;
    return n;
}

int Network::producer(int tensor) const {
    for (std::size_t i = 0; i < layers.size(); ++i)
        if (layers[i].output == tensor) return static_cast<int>(i);
    return -1;
}

std::string Network::summary() const {
    std::ostringstream os;
    os << name << ": input " << input_shape().str() << ", " << layers.size() << " layers, " << macs_per_inference()
       << " MACs, " << parameter_count() << " parameters\n";
    for (const Layer& l : layers) {
        os << "  " << l.name << " " << op_name(l.op) << " ";
        for (std::size_t i = 0; i < l.inputs.size(); ++i) os << (i ? "+" : "") << shape(l.inputs[i]).str();
        os << " -> " << shape(l.output).str();
        if (l.has_weights_matrix()) os << " matrix " << l.rows << "x" << l.cols;
        if (l.groups > 1) os << " groups " << l.groups;
        os << "\n";
    }
    return os.str();
}

void fold_batch_norm(Layer& layer, const std::vector<float>& gamma, const std::vector<float>& beta,
                     const std::vector<float>& mean, const std::vector<float>& var, float epsilon) {
    if (!layer.has_weights_matrix() || layer.op == Op::Lstm || layer.weights.empty())
        fail(layer.name, "BatchNormalization can only be folded into a Conv or Dense layer with weights");
    const std::size_t n = static_cast<std::size_t>(layer.cols);
    if (gamma.size() != n || beta.size() != n || mean.size() != n || var.size() != n)
        fail(layer.name, "BatchNormalization parameters must have " + std::to_string(n) + " values (one per channel)");
    for (std::size_t c = 0; c < n; ++c) {
        if (!(var[c] + epsilon > 0.0f)) fail(layer.name, "BatchNormalization variance + epsilon must be positive");
        const float scale = gamma[c] / std::sqrt(var[c] + epsilon);
        for (int r = 0; r < layer.rows; ++r) layer.weights[static_cast<std::size_t>(r) * n + c] *= scale;
        layer.bias[c] = (layer.bias[c] - mean[c]) * scale + beta[c];
    }
}

void im2col(const Network& net, const Layer& conv, const float* input_chw, int oy, int ox, float* out) {
    im2col(net.shape(conv.inputs.at(0)), conv.window, input_chw, oy, ox, out);
}

namespace {

// Calls at(i, index) for the i-th entry of output pixel (oy, ox)'s im2col vector, in
// (cin, ky, kx) order; index is the input position it reads, or -1 where it covers padding.
template <class At> void for_each_window_tap(const Shape& in, const Window& win, int oy, int ox, At at) {
    const int y0 = oy * win.stride_h - win.pad_top;
    const int x0 = ox * win.stride_w - win.pad_left;
    std::size_t i = 0;
    for (int c = 0; c < in.c; ++c)
        for (int ky = 0; ky < win.kernel_h; ++ky)
            for (int kx = 0; kx < win.kernel_w; ++kx, ++i) {
                const int y = y0 + ky, x = x0 + kx;
                const bool inside = y >= 0 && y < in.h && x >= 0 && x < in.w;
                at(i, inside ? (static_cast<std::ptrdiff_t>(c) * in.h + y) * in.w + x : std::ptrdiff_t{-1});
            }
}

}  // namespace

void im2col(const Shape& in, const Window& win, const float* input_chw, int oy, int ox, float* out) {
    for_each_window_tap(in, win, oy, ox,
                        [&](std::size_t i, std::ptrdiff_t at) { out[i] = at >= 0 ? input_chw[at] : 0.0f; });
}

void col2im_add(const Shape& in, const Window& win, const float* col, int oy, int ox, float* input_chw) {
    for_each_window_tap(in, win, oy, ox, [&](std::size_t i, std::ptrdiff_t at) {
        if (at >= 0) input_chw[at] += col[i];
    });
}

std::vector<float> im2col(const Network& net, const Layer& conv, const std::vector<float>& input_chw, int oy, int ox) {
    if (conv.op != Op::Conv) fail(conv.name, "im2col needs a Conv layer");
    if (input_chw.size() != net.shape(conv.inputs.at(0)).size())
        fail(conv.name, "im2col input has " + std::to_string(input_chw.size()) + " values, expected " +
                            std::to_string(net.shape(conv.inputs.at(0)).size()));
    const Shape& out = net.shape(conv.output);
    if (oy < 0 || oy >= out.h || ox < 0 || ox >= out.w)
        fail(conv.name, "output pixel (" + std::to_string(oy) + "," + std::to_string(ox) + ") is outside " + out.str());
    std::vector<float> col(static_cast<std::size_t>(conv.input_rows()));
    im2col(net, conv, input_chw.data(), oy, ox, col.data());
    return col;
}

// y[cols] = x[rows] * W[rows][cols]. Row-outer so the inner loop runs over
// contiguous memory and vectorises.
void matvec_float(const Layer& l, const float* x, float* y) {
    std::fill(y, y + l.cols, 0.0f);
    const int gc = l.group_cols();
    for (int g = 0; g < l.groups; ++g) {  // a grouped Conv: group g's rows feed its columns only
        const float* xg = x + static_cast<std::size_t>(g) * l.rows;
        for (int r = 0; r < l.rows; ++r) {
            const float xr = xg[r];
            if (xr == 0.0f) continue;  // ReLU outputs and padding are often zero
            const float* wr = l.weights.data() + static_cast<std::size_t>(r) * l.cols + g * gc;
            float* yg = y + g * gc;
            for (int c = 0; c < gc; ++c) yg[c] += xr * wr[c];
        }
    }
}

std::vector<float> forward_network(const Network& net, const std::vector<float>& input_chw,
                                   const WeightKernel& kernel) {
    return forward_network_digital(net, input_chw, kernel, nullptr);
}

std::vector<float> forward_network_digital(const Network& net, const std::vector<float>& input_chw,
                                           const WeightKernel& kernel, const DigitalRounding* rounding,
                                           std::vector<double>* tensor_max) {
    if (net.input < 0) throw InputError("network '" + net.name + "' has no input");
    if (input_chw.size() != net.input_shape().size())
        throw InputError("network '" + net.name + "': input has " + std::to_string(input_chw.size()) +
                         " values, expected " + net.input_shape().str());
    std::vector<std::vector<float>> values(net.tensors.size());
    values[net.input] = input_chw;
    std::vector<float> col;
    for (int layer_index = 0; layer_index < static_cast<int>(net.layers.size()); ++layer_index) {
        const Layer& l = net.layers[layer_index];
        for (int t : l.inputs)
            if (values.at(t).empty()) fail(l.name, "input tensor '" + net.tensors[t].name + "' is not computed yet");
        const float* in = values[l.inputs[0]].data();
        const Shape& so = net.shape(l.output);
        std::vector<float>& out = values[l.output];
        out.assign(so.size(), 0.0f);
        switch (l.op) {
            case Op::Conv:
                col.resize(static_cast<std::size_t>(l.input_rows()));
                {
                    std::vector<float> pixel(static_cast<std::size_t>(l.cols));
                    for (int oy = 0; oy < so.h; ++oy)
                        for (int ox = 0; ox < so.w; ++ox) {
                            im2col(net, l, in, oy, ox, col.data());
                            kernel(layer_index, oy * so.w + ox, col.data(), pixel.data());
                            add_bias(l.bias.data(), l.cols, pixel.data());
                            // Crossbar output is one pixel across channels; scatter it back to CHW.
                            for (int c = 0; c < l.cols; ++c)
                                out[(static_cast<std::size_t>(c) * so.h + oy) * so.w + ox] = pixel[c];
                        }
                }
                break;
            case Op::Dense:
                kernel(layer_index, 0, in, out.data());
                add_bias(l.bias.data(), l.cols, out.data());
                break;
            case Op::Relu:
            case Op::MaxPool:
            case Op::AvgPool:
            case Op::GlobalAvgPool:
            case Op::Add:
            case Op::Flatten:
            case Op::Softmax:
            case Op::Unary:
            case Op::ChannelAffine:
            case Op::Concat:
            case Op::Pad:
            case Op::Resize:
            case Op::MatMul:
            case Op::Transpose:
            case Op::Reshape:
            case Op::Slice:
            case Op::ConcatAxis:
            case Op::LayerNorm:
            case Op::Gelu:
            case Op::SoftmaxLast:
            case Op::Binary:
            case Op::Constant: digital_layer(net, l, values, out.data(), rounding); break;
            case Op::Linear: {
                // One MVM per token (row of w = rows values), pixel = token index.
                const int tokens = so.c * so.h;
                for (int p = 0; p < tokens; ++p) {
                    float* y = out.data() + static_cast<std::size_t>(p) * l.cols;
                    kernel(layer_index, p, in + static_cast<std::size_t>(p) * l.rows, y);
                    add_bias(l.bias.data(), l.cols, y);
                }
                break;
            }
            case Op::Lstm: {
                const Shape& si = net.shape(l.inputs[0]);
                const int hidden = l.hidden();
                const auto steps = static_cast<std::size_t>(si.w);
                std::vector<float> xh(static_cast<std::size_t>(l.rows), 0.0f);  // [x_t; h_{t-1}], h_{-1} = 0
                std::vector<float> gates(static_cast<std::size_t>(l.cols));
                std::vector<float> c(static_cast<std::size_t>(hidden), 0.0f);
                for (std::size_t t = 0; t < steps; ++t) {
                    lstm_step_input(in, si.c, out.data(), hidden, steps, t, xh.data());
                    kernel(layer_index, static_cast<int>(t), xh.data(), gates.data());
                    add_bias(l.bias.data(), l.cols, gates.data());
                    lstm_cell(gates.data(), hidden, c.data(), out.data() + t, steps);
                }
                break;
            }
        }
    }
    if (net.output < 0 || values.at(net.output).empty())
        throw InputError("network '" + net.name + "': output tensor is not computed");
    if (tensor_max != nullptr) {
        for (std::size_t t = 0; t < values.size() && t < tensor_max->size(); ++t)
            for (float v : values[t]) (*tensor_max)[t] = std::max((*tensor_max)[t], static_cast<double>(std::fabs(v)));
    }
    return values[net.output];
}

std::vector<float> forward_float(const Network& net, const std::vector<float>& input_chw) {
    for (const Layer& l : net.layers) {
        if (l.has_weights_matrix() && l.weights.empty()) fail(l.name, "has no weights (shapes-only network)");
    }
    return forward_network(net, input_chw,
                           [&](int layer, int, const float* x, float* y) { matvec_float(net.layers[layer], x, y); });
}

}  // namespace aimcsim
