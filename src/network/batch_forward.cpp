#include "src/network/batch_forward.h"

#include <cblas.h>

#include <algorithm>

#include "aimcsim/core/error.h"
#include "src/network/op_kernels.h"

namespace aimcsim {

namespace {

// Scratch of one weight-layer call: the rows, which input and pixel each is, the outputs.
struct Rows {
    std::vector<float> x, y;
    std::vector<int> input, pixel;

    void resize(int n, const Layer& l) {
        x.resize(static_cast<std::size_t>(n) * l.input_rows());
        y.resize(static_cast<std::size_t>(n) * l.cols);
        input.resize(static_cast<std::size_t>(n));
        pixel.resize(static_cast<std::size_t>(n));
    }
    [[nodiscard]] float* x_row(int k, const Layer& l) { return &x[static_cast<std::size_t>(k) * l.input_rows()]; }
    [[nodiscard]] float* y_row(int k, const Layer& l) { return &y[static_cast<std::size_t>(k) * l.cols]; }
};

using Values = std::vector<std::vector<std::vector<float>>>;  // [input][tensor]

// im2col() of one output pixel, the same values, a kernel row at a time: a row inside
// the input is a plain copy, without im2col()'s test per element (its hot spot here).
void im2col_rows(const Shape& in, const Window& win, const float* input, int oy, int ox, float* out) {
    const int y0 = oy * win.stride_h - win.pad_top;
    const int x0 = ox * win.stride_w - win.pad_left;
    const int kw = win.kernel_w;
    const bool x_inside = x0 >= 0 && x0 + kw <= in.w;
    for (int c = 0; c < in.c; ++c) {
        for (int ky = 0; ky < win.kernel_h; ++ky, out += kw) {
            const int y = y0 + ky;
            if (y < 0 || y >= in.h) {
                std::fill(out, out + kw, 0.0F);
                continue;
            }
            const float* row = input + (static_cast<std::size_t>(c) * in.h + y) * in.w;
            if (x_inside) {
                std::copy(row + x0, row + x0 + kw, out);
                continue;
            }
            for (int kx = 0; kx < kw; ++kx) {
                const int x = x0 + kx;
                out[kx] = x >= 0 && x < in.w ? row[x] : 0.0F;
            }
        }
    }
}

// Every (input, pixel) pair of the batch is one row of the kernel's matrix, taken in slices
// of at most kBatchSliceFloats input values: gather(b, p, x) writes the input vector of
// pixel p of input b, scatter(out, p, y) puts its output (bias added) into input b's
// output tensor `out`.
template <class Gather, class Scatter>
void pixel_rows(const Layer& l, int li, int pixels, Values& values, const BatchWeightKernel& kernel, Rows& rows, const Gather& gather,
                const Scatter& scatter) {
    const long total = static_cast<long>(values.size()) * pixels;
    const long slice =
        std::max<long>(1, static_cast<long>(kBatchSliceFloats / static_cast<std::size_t>(l.input_rows())));
    for (long r0 = 0; r0 < total; r0 += slice) {
        const int n = static_cast<int>(std::min(slice, total - r0));
        rows.resize(n, l);
        for (int k = 0; k < n; ++k) {
            const long r = r0 + k;
            const int b = static_cast<int>(r / pixels), p = static_cast<int>(r % pixels);
            rows.input[static_cast<std::size_t>(k)] = b;
            rows.pixel[static_cast<std::size_t>(k)] = p;
            gather(b, p, rows.x_row(k, l));
        }
        kernel(li, n, rows.x.data(), rows.y.data(), rows.input.data(), rows.pixel.data());
        for (int k = 0; k < n; ++k) {
            float* y = rows.y_row(k, l);
            add_bias(l.bias.data(), l.cols, y);
            std::vector<float>& out = values[static_cast<std::size_t>(rows.input[static_cast<std::size_t>(k)])]
                                            [static_cast<std::size_t>(l.output)];
            scatter(out, static_cast<std::size_t>(rows.pixel[static_cast<std::size_t>(k)]), y);
        }
    }
}

void conv_layer(const Network& net, int li, Values& values, const BatchWeightKernel& kernel, Rows& rows) {
    const Layer& l = net.layers[static_cast<std::size_t>(li)];
    const Shape& so = net.shape(l.output);
    const int pixels = so.h * so.w;
    pixel_rows(
        l, li, pixels, values, kernel, rows,
        [&](int b, int p, float* x) {
            im2col_rows(net.shape(l.inputs[0]), l.window,
                        values[static_cast<std::size_t>(b)][static_cast<std::size_t>(l.inputs[0])].data(), p / so.w,
                        p % so.w, x);
        },
        // One pixel across channels; scattered back to CHW.
        [&](std::vector<float>& out, std::size_t p, const float* y) {
            for (int c = 0; c < l.cols; ++c) out[static_cast<std::size_t>(c) * pixels + p] = y[c];
        });
}

void dense_layer(const Network& net, int li, Values& values, const BatchWeightKernel& kernel, Rows& rows) {
    const Layer& l = net.layers[static_cast<std::size_t>(li)];
    const int n = static_cast<int>(values.size());
    rows.resize(n, l);
    for (int b = 0; b < n; ++b) {
        const std::vector<float>& in = values[static_cast<std::size_t>(b)][static_cast<std::size_t>(l.inputs[0])];
        std::copy(in.begin(), in.end(), rows.x_row(b, l));
        rows.input[static_cast<std::size_t>(b)] = b;
        rows.pixel[static_cast<std::size_t>(b)] = 0;
    }
    kernel(li, n, rows.x.data(), rows.y.data(), rows.input.data(), rows.pixel.data());
    for (int b = 0; b < n; ++b) {
        std::vector<float>& out = values[static_cast<std::size_t>(b)][static_cast<std::size_t>(l.output)];
        std::copy(rows.y_row(b, l), rows.y_row(b, l) + l.cols, out.begin());
        add_bias(l.bias.data(), l.cols, out.data());
    }
}

// Every token (row of w values) of every input is one row of the kernel's matrix.
void linear_layer(const Network& net, int li, Values& values, const BatchWeightKernel& kernel, Rows& rows) {
    const Layer& l = net.layers[static_cast<std::size_t>(li)];
    const Shape& so = net.shape(l.output);
    pixel_rows(
        l, li, so.c * so.h, values, kernel, rows,
        [&](int b, int p, float* x) {
            const float* token = values[static_cast<std::size_t>(b)][static_cast<std::size_t>(l.inputs[0])].data() +
                                 static_cast<std::size_t>(p) * l.rows;
            std::copy(token, token + l.rows, x);
        },
        [&](std::vector<float>& out, std::size_t p, const float* y) {
            std::copy(y, y + l.cols, out.begin() + static_cast<long>(p) * l.cols);
        });
}

// Time steps run in order; each step's [x_t; h_{t-1}] of every input is one call.
void lstm_layer(const Network& net, int li, Values& values, const BatchWeightKernel& kernel, Rows& rows) {
    const Layer& l = net.layers[static_cast<std::size_t>(li)];
    const Shape& si = net.shape(l.inputs[0]);
    const int n = static_cast<int>(values.size());
    const int hidden = l.hidden();
    const auto steps = static_cast<std::size_t>(si.w);
    std::vector<float> cell(static_cast<std::size_t>(n) * hidden, 0.0F);
    rows.resize(n, l);
    for (std::size_t t = 0; t < steps; ++t) {
        for (int b = 0; b < n; ++b) {
            auto& v = values[static_cast<std::size_t>(b)];
            lstm_step_input(v[static_cast<std::size_t>(l.inputs[0])].data(), si.c,
                            v[static_cast<std::size_t>(l.output)].data(), hidden, steps, t, rows.x_row(b, l));
            rows.input[static_cast<std::size_t>(b)] = b;
            rows.pixel[static_cast<std::size_t>(b)] = static_cast<int>(t);
        }
        kernel(li, n, rows.x.data(), rows.y.data(), rows.input.data(), rows.pixel.data());
        for (int b = 0; b < n; ++b) {
            float* gates = rows.y_row(b, l);
            add_bias(l.bias.data(), l.cols, gates);
            lstm_cell(gates, hidden, &cell[static_cast<std::size_t>(b) * hidden],
                      values[static_cast<std::size_t>(b)][static_cast<std::size_t>(l.output)].data() + t, steps);
        }
    }
}

}  // namespace

std::vector<std::vector<float>> forward_network_batch(const Network& net, const std::vector<std::vector<float>>& inputs,
                                                      const BatchWeightKernel& kernel, const DigitalRounding* rounding) {
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
            case Op::Conv: conv_layer(net, li, values, kernel, rows); break;
            case Op::Dense: dense_layer(net, li, values, kernel, rows); break;
            case Op::Lstm: lstm_layer(net, li, values, kernel, rows); break;
            case Op::Linear: linear_layer(net, li, values, kernel, rows); break;
            default:
                for (auto& v : values)
                    digital_layer(net, l, v, v[static_cast<std::size_t>(l.output)].data(), rounding);
        }
    }
    std::vector<std::vector<float>> out(inputs.size());
    for (std::size_t b = 0; b < inputs.size(); ++b) out[b] = values[b][static_cast<std::size_t>(net.output)];
    return out;
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
