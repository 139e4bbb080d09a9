#include "src/network/batch_forward.h"

#include <cblas.h>

#include <algorithm>
#include <type_traits>

#include "aimcsim/core/error.h"
#include "src/core/scratch.h"
#include "src/network/op_kernels.h"

namespace aimcsim {

namespace {

using Values = std::vector<std::vector<std::vector<float>>>;  // [input][tensor]

// Scratch of one weight-layer call: the rows (as the kernel takes them: values or codes),
// which input and pixel each is, the outputs. Every element is written before it is
// read: grown, never cleared (src/core/scratch.h).
struct Rows {
    Scratch<float> x_buf, y_buf;
    Scratch<std::int8_t> code_buf;
    Scratch<int> input_buf, pixel_buf;
    float* y = nullptr;
    int* input = nullptr;
    int* pixel = nullptr;

    // Room for n rows of the layer; returns the rows' input matrix.
    template <class T> T* resize(int n, const Layer& l) {
        y = y_buf.get(static_cast<std::size_t>(n) * l.cols);
        input = input_buf.get(static_cast<std::size_t>(n));
        pixel = pixel_buf.get(static_cast<std::size_t>(n));
        const std::size_t size = static_cast<std::size_t>(n) * l.input_rows();
        if constexpr (std::is_same_v<T, float>) {
            return x_buf.get(size);
        } else {
            return code_buf.get(size);
        }
    }
    [[nodiscard]] float* y_row(int k, const Layer& l) const { return y + static_cast<std::size_t>(k) * l.cols; }
};

// How a weight layer's rows reach the kernel. FloatFeed: as the float values.
struct FloatFeed {
    using T = float;
    const BatchWeightKernel& kernel;

    void prepare(const Network&, const Layer&, int, const Values&) {}
    // Input b's input tensor of the layer, as the rows are gathered from it.
    [[nodiscard]] const float* tensor(const Values& values, const Layer& l, int b) const {
        return values[static_cast<std::size_t>(b)][static_cast<std::size_t>(l.inputs[0])].data();
    }
    void run(int li, int n, const float* x, float* y, const int* input, const int* pixel) const {
        kernel(li, n, x, y, input, pixel);
    }
    // Rows built from values (an LSTM step's [x_t; h_{t-1}]).
    void run_values(const Layer&, int li, int n, const float* x, float* y, const int* input, const int* pixel) const {
        kernel(li, n, x, y, input, pixel);
    }
};

// CodeFeed: every input tensor quantised once, the rows gathered from the codes (the
// codes of quantising each gathered row, as quantisation is per element and 0 -> 0).
struct CodeFeed {
    using T = std::int8_t;
    const BatchCodeKernel& kernel;
    Scratch<std::int8_t>& tensor_codes;
    Scratch<std::int8_t>& row_codes;
    std::size_t size = 0;
    std::int8_t* codes = nullptr;

    void prepare(const Network& net, const Layer& l, int li, const Values& values) {
        size = net.shape(l.inputs[0]).size();
        codes = tensor_codes.get(values.size() * size);
        for (std::size_t b = 0; b < values.size(); ++b)
            kernel.quantize(li, values[b][static_cast<std::size_t>(l.inputs[0])].data(), size, codes + b * size);
    }
    [[nodiscard]] const std::int8_t* tensor(const Values&, const Layer&, int b) const {
        return codes + static_cast<std::size_t>(b) * size;
    }
    void run(int li, int n, const std::int8_t* x, float* y, const int* input, const int* pixel) const {
        kernel.mvm(li, n, x, y, input, pixel);
    }
    void run_values(const Layer& l, int li, int n, const float* x, float* y, const int* input, const int* pixel) const {
        const std::size_t count = static_cast<std::size_t>(n) * l.input_rows();
        std::int8_t* c = row_codes.get(count);
        kernel.quantize(li, x, count, c);
        kernel.mvm(li, n, c, y, input, pixel);
    }
};

// im2col() of one output pixel, the same values, a kernel row at a time: a row inside
// the input is a plain copy, without im2col()'s test per element (its hot spot here).
template <class T> void im2col_rows(const Shape& in, const Window& win, const T* input, int oy, int ox, T* out) {
    const int y0 = oy * win.stride_h - win.pad_top;
    const int x0 = ox * win.stride_w - win.pad_left;
    const int kw = win.kernel_w;
    const bool x_inside = x0 >= 0 && x0 + kw <= in.w;
    for (int c = 0; c < in.c; ++c) {
        for (int ky = 0; ky < win.kernel_h; ++ky, out += kw) {
            const int y = y0 + ky;
            if (y < 0 || y >= in.h) {
                std::fill(out, out + kw, T{0});
                continue;
            }
            const T* row = input + (static_cast<std::size_t>(c) * in.h + y) * in.w;
            if (x_inside) {
                // A kernel row is a few values: a call to memmove per row cost more than the copy.
                if (kw == 3) {
                    out[0] = row[x0], out[1] = row[x0 + 1], out[2] = row[x0 + 2];
                } else {
                    std::copy(row + x0, row + x0 + kw, out);
                }
                continue;
            }
            for (int kx = 0; kx < kw; ++kx) {
                const int x = x0 + kx;
                out[kx] = x >= 0 && x < in.w ? row[x] : T{0};
            }
        }
    }
}

// Every (input, pixel) pair of the batch is one row of the kernel's matrix, taken in slices
// of at most kBatchSliceFloats input values: gather(b, p, x) writes the input vector of
// pixel p of input b, scatter(out, p, y, m) puts the outputs of its pixels p..p+m-1 (rows
// y, y + cols, ...) with the bias added (y + bias, in float) into input b's tensor `out`.
template <class Feed, class Gather, class Scatter>
void pixel_rows(const Layer& l, int li, int pixels, Values& values, const Feed& feed, Rows& rows, const Gather& gather,
                const Scatter& scatter) {
    const long total = static_cast<long>(values.size()) * pixels;
    const long slice = std::clamp<long>(static_cast<long>(kBatchSliceFloats / static_cast<std::size_t>(l.input_rows())),
                                        1, kBatchSliceRows);
    const std::size_t ld = static_cast<std::size_t>(l.input_rows());
    for (long r0 = 0; r0 < total; r0 += slice) {
        const int n = static_cast<int>(std::min(slice, total - r0));
        typename Feed::T* x = rows.resize<typename Feed::T>(n, l);
        for (int k = 0; k < n; ++k) {
            const long r = r0 + k;
            const int b = static_cast<int>(r / pixels), p = static_cast<int>(r % pixels);
            rows.input[k] = b;
            rows.pixel[k] = p;
            gather(b, p, x + static_cast<std::size_t>(k) * ld);
        }
        feed.run(li, n, x, rows.y, rows.input, rows.pixel);
        // Runs of rows of one input (its pixels in order) go out together.
        for (int k0 = 0; k0 < n;) {
            int k1 = k0 + 1;
            while (k1 < n && rows.input[k1] == rows.input[k0]) ++k1;
            std::vector<float>& out = values[static_cast<std::size_t>(rows.input[k0])][static_cast<std::size_t>(l.output)];
            scatter(out, static_cast<std::size_t>(rows.pixel[k0]), rows.y_row(k0, l), k1 - k0);
            k0 = k1;
        }
    }
}

template <class Feed> void conv_layer(const Network& net, int li, Values& values, Feed& feed, Rows& rows) {
    const Layer& l = net.layers[static_cast<std::size_t>(li)];
    const Shape& so = net.shape(l.output);
    const int pixels = so.h * so.w;
    feed.prepare(net, l, li, values);
    pixel_rows(
        l, li, pixels, values, feed, rows,
        [&](int b, int p, typename Feed::T* x) {
            im2col_rows(net.shape(l.inputs[0]), l.window, feed.tensor(values, l, b), p / so.w, p % so.w, x);
        },
        // Pixels across channels, back to CHW: a channel's pixels are written in order.
        [&](std::vector<float>& out, std::size_t p, const float* y, int m) {
            const std::size_t cols = static_cast<std::size_t>(l.cols);
            for (std::size_t c = 0; c < cols; ++c) {
                float* o = out.data() + c * pixels + p;
                const float b = l.bias[c];
                for (int k = 0; k < m; ++k) o[k] = y[static_cast<std::size_t>(k) * cols + c] + b;
            }
        });
}

template <class Feed> void dense_layer(const Network& net, int li, Values& values, Feed& feed, Rows& rows) {
    const Layer& l = net.layers[static_cast<std::size_t>(li)];
    const int n = static_cast<int>(values.size());
    feed.prepare(net, l, li, values);
    typename Feed::T* x = rows.resize<typename Feed::T>(n, l);
    const std::size_t size = net.shape(l.inputs[0]).size();
    for (int b = 0; b < n; ++b) {
        const auto* in = feed.tensor(values, l, b);
        std::copy(in, in + size, x + static_cast<std::size_t>(b) * l.input_rows());
        rows.input[b] = b;
        rows.pixel[b] = 0;
    }
    feed.run(li, n, x, rows.y, rows.input, rows.pixel);
    for (int b = 0; b < n; ++b) {
        std::vector<float>& out = values[static_cast<std::size_t>(b)][static_cast<std::size_t>(l.output)];
        std::copy(rows.y_row(b, l), rows.y_row(b, l) + l.cols, out.begin());
        add_bias(l.bias.data(), l.cols, out.data());
    }
}

// Every token (row of w values) of every input is one row of the kernel's matrix.
template <class Feed> void linear_layer(const Network& net, int li, Values& values, Feed& feed, Rows& rows) {
    const Layer& l = net.layers[static_cast<std::size_t>(li)];
    const Shape& so = net.shape(l.output);
    feed.prepare(net, l, li, values);
    pixel_rows(
        l, li, so.c * so.h, values, feed, rows,
        [&](int b, int p, typename Feed::T* x) {
            const auto* token = feed.tensor(values, l, b) + static_cast<std::size_t>(p) * l.rows;
            std::copy(token, token + l.rows, x);
        },
        [&](std::vector<float>& out, std::size_t p, const float* y, int m) {
            float* o = out.data() + p * static_cast<std::size_t>(l.cols);
            for (int k = 0; k < m * l.cols; k += l.cols) {
                for (int c = 0; c < l.cols; ++c) o[k + c] = y[k + c] + l.bias[static_cast<std::size_t>(c)];
            }
        });
}

// Time steps run in order; each step's [x_t; h_{t-1}] of every input is one call.
template <class Feed> void lstm_layer(const Network& net, int li, Values& values, Feed& feed, Rows& rows) {
    const Layer& l = net.layers[static_cast<std::size_t>(li)];
    const Shape& si = net.shape(l.inputs[0]);
    const int n = static_cast<int>(values.size());
    const int hidden = l.hidden();
    const auto steps = static_cast<std::size_t>(si.w);
    std::vector<float> cell(static_cast<std::size_t>(n) * hidden, 0.0F);
    float* x = rows.resize<float>(n, l);
    for (std::size_t t = 0; t < steps; ++t) {
        for (int b = 0; b < n; ++b) {
            auto& v = values[static_cast<std::size_t>(b)];
            lstm_step_input(v[static_cast<std::size_t>(l.inputs[0])].data(), si.c,
                            v[static_cast<std::size_t>(l.output)].data(), hidden, steps, t,
                            x + static_cast<std::size_t>(b) * l.input_rows());
            rows.input[b] = b;
            rows.pixel[b] = static_cast<int>(t);
        }
        feed.run_values(l, li, n, x, rows.y, rows.input, rows.pixel);
        for (int b = 0; b < n; ++b) {
            float* gates = rows.y_row(b, l);
            add_bias(l.bias.data(), l.cols, gates);
            lstm_cell(gates, hidden, &cell[static_cast<std::size_t>(b) * hidden],
                      values[static_cast<std::size_t>(b)][static_cast<std::size_t>(l.output)].data() + t, steps);
        }
    }
}

template <class Feed>
std::vector<std::vector<float>> run_batch(const Network& net, const std::vector<std::vector<float>>& inputs,
                                          Feed& feed, const DigitalRounding* rounding) {
    if (net.input < 0) throw InputError("network '" + net.name + "' has no input");
    // The chunk's tensors and rows stay allocated on the thread from chunk to chunk:
    // fresh pages for every chunk cost more than the digital layers. Every layer writes
    // all of its output, so they are resized, not cleared.
    thread_local Values values;
    thread_local Rows rows;
    values.resize(inputs.size());
    for (std::size_t b = 0; b < inputs.size(); ++b) {
        if (inputs[b].size() != net.input_shape().size())
            throw InputError("network '" + net.name + "': input has " + std::to_string(inputs[b].size()) +
                             " values, expected " + net.input_shape().str());
        values[b].resize(net.tensors.size());
        values[b][static_cast<std::size_t>(net.input)] = inputs[b];
    }
    for (int li = 0; li < static_cast<int>(net.layers.size()); ++li) {
        const Layer& l = net.layers[static_cast<std::size_t>(li)];
        for (auto& v : values) v[static_cast<std::size_t>(l.output)].resize(net.shape(l.output).size());
        switch (l.op) {
            case Op::Conv: conv_layer(net, li, values, feed, rows); break;
            case Op::Dense: dense_layer(net, li, values, feed, rows); break;
            case Op::Lstm: lstm_layer(net, li, values, feed, rows); break;
            case Op::Linear: linear_layer(net, li, values, feed, rows); break;
            default:
                for (auto& v : values)
                    digital_layer(net, l, v, v[static_cast<std::size_t>(l.output)].data(), rounding);
        }
    }
    std::vector<std::vector<float>> out(inputs.size());
    for (std::size_t b = 0; b < inputs.size(); ++b) out[b] = values[b][static_cast<std::size_t>(net.output)];
    return out;
}

}  // namespace

std::vector<std::vector<float>> forward_network_batch(const Network& net, const std::vector<std::vector<float>>& inputs,
                                                      const BatchWeightKernel& kernel, const DigitalRounding* rounding) {
    FloatFeed feed{kernel};
    return run_batch(net, inputs, feed, rounding);
}

std::vector<std::vector<float>> forward_network_batch(const Network& net, const std::vector<std::vector<float>>& inputs,
                                                      const BatchCodeKernel& kernel, const DigitalRounding* rounding) {
    thread_local Scratch<std::int8_t> tensor_codes, row_codes;
    CodeFeed feed{kernel, tensor_codes, row_codes};
    return run_batch(net, inputs, feed, rounding);
}

int batch_chunk_size(const Network& net, std::size_t budget_bytes) {
    // Every tensor of one input, as if all were alive at once (an upper bound).
    std::size_t per_input = 0;
    for (const Tensor& t : net.tensors) per_input += t.shape.size() * sizeof(float);
    const std::size_t chunk = budget_bytes / std::max<std::size_t>(per_input, 1);
    return static_cast<int>(std::clamp<std::size_t>(chunk, 1, 256));
}

void matmul_float(const Layer& l, int n, const float* x, float* y) {
    if (n <= 0) return;
    // Our threads each run their own products: OpenBLAS's own threads would only compete.
    static const bool single_threaded = (openblas_set_num_threads(1), true);
    (void)single_threaded;
    // A grouped Conv: group g's slice of each row times its block of columns.
    const int gc = l.group_cols();
    for (int g = 0; g < l.groups; ++g)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, gc, l.rows, 1.0F,
                    x + static_cast<std::size_t>(g) * l.rows, l.input_rows(), l.weights.data() + g * gc, l.cols, 0.0F,
                    y + g * gc, l.cols);
}

}  // namespace aimcsim
