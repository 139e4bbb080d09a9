#include "src/network/batch_forward.h"

#include <cblas.h>

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "aimcsim/core/error.h"
#include "src/core/scratch.h"
#include "src/core/simd_clones.h"
#include "src/network/op_kernels.h"

#if defined(AIMCSIM_AVX2_DISPATCH)
#include <immintrin.h>
#elif defined(__SSE2__)
#include <xmmintrin.h>
#endif

namespace aimcsim {

namespace {

using Values = std::vector<std::vector<std::vector<float>>>;  // [input][tensor]

// Slack past the end of a buffer of codes, for PaddedWindow::rows()'s 4-byte moves of 3 codes.
constexpr std::size_t kCodeSlack = 4;

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
            return code_buf.get(size + kCodeSlack);
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

// A conv input with its zero padding laid out around it (channels x padded_h x padded_w):
// every kernel window is then inside, and im2col() of a pixel becomes plain copies of
// kernel_w values per (channel, kernel row), without a bounds test per element.
template <class T> void pad_input(const Shape& in, const Window& win, const T* input, T* out) {
    const int pw = in.w + win.pad_left + win.pad_right;
    const int ph = in.h + win.pad_top + win.pad_bottom;
    // One fill of the whole tensor, then the rows copied in: a fill per row was a library call each.
    std::fill(out, out + static_cast<std::size_t>(in.c) * ph * pw, T{0});
    out += static_cast<std::size_t>(win.pad_top) * pw + win.pad_left;
    for (int c = 0; c < in.c; ++c, out += static_cast<std::size_t>(ph) * pw) {
        for (int y = 0; y < in.h; ++y, input += in.w)
            std::copy(input, input + in.w, out + static_cast<std::size_t>(y) * pw);
    }
}

// Where im2col()'s values of one output pixel lie in a padded input (pad_input()):
// kernel_w values at each (channel, kernel row), channels `plane` values apart, rows pw.
struct PaddedWindow {
    int channels, kernel_h, kernel_w, pw;
    std::size_t plane;

    // im2col() of the pixel whose window origin in channel 0 is `window`: the same values
    // in the same order. Codes go three at a time as one 4-byte move; the byte past is
    // the next row's first, written after (or slack).
    template <class T> void rows(const T* window, T* out) const {
        const int n = channels, h = kernel_h, w = kernel_w, row_step = pw;  // locals: a code's store
        const std::size_t channel_step = plane;                             // may alias any memory
        const bool moves = sizeof(T) == 1 && w == 3;
        if (moves && h == 3) {  // the common 3x3 window, unrolled
            for (int c = 0; c < n; ++c, window += channel_step, out += 9) {
                std::memcpy(out, window, 4);
                std::memcpy(out + 3, window + row_step, 4);
                std::memcpy(out + 6, window + 2 * row_step, 4);
            }
            return;
        }
        for (int c = 0; c < n; ++c, window += channel_step) {
            const T* row = window;
            for (int ky = 0; ky < h; ++ky, row += row_step, out += w) {
                if (moves) {
                    std::memcpy(out, row, 4);
                } else {
                    std::copy(row, row + w, out);
                }
            }
        }
    }
};

// Where a weight layer's outputs go: its own tensor or, when the next layer is a Relu that
// is the only reader of that tensor (not the network's output), the Relu's tensor with
// max(v, 0) applied on the way: one pass instead of two, the same floats as relu().
struct Outputs {
    int tensor = -1;
    bool relu = false;
};

Outputs layer_outputs(const Network& net, int li) {
    const Layer& l = net.layers[static_cast<std::size_t>(li)];
    const Outputs own{l.output, false};
    if ((l.op != Op::Conv && l.op != Op::Dense) || l.output == net.output ||
        li + 1 == static_cast<int>(net.layers.size()))
        return own;
    const Layer& next = net.layers[static_cast<std::size_t>(li + 1)];
    if (next.op != Op::Relu || next.inputs.size() != 1 || next.inputs[0] != l.output) return own;
    for (const Layer& other : net.layers) {
        if (&other != &next && std::find(other.inputs.begin(), other.inputs.end(), l.output) != other.inputs.end())
            return own;
    }
    return {next.output, true};
}

// rows_to_planes() below: out[c * stride + k] = y[k * cols + c] + bias[c], then max(v, 0)
// if relu, for m rows y of cols values: the rows of m pixels back to channel planes.
// Blocks of pixels x channels go through registers and come out transposed; each value
// gets the same float ops (std::max(v, 0) is (v < 0 ? 0 : v), which _mm_max_ps(0, v) is,
// -0 and NaN included).

#if defined(AIMCSIM_AVX2_DISPATCH)
// The first rows, eight pixels by eight channels at a time (cols % 8 == 0); returns how many.
__attribute__((target("avx2"))) int rows_to_planes_8x8(const float* y, int m, int cols, const float* bias, bool relu,
                                                       std::size_t stride, float* out) {
    const __m256 zero = _mm256_setzero_ps();
    int k = 0;
    for (; k + 8 <= m; k += 8) {
        const float* yk = y + static_cast<std::size_t>(k) * cols;
        for (int c = 0; c < cols; c += 8) {
            const __m256 b = _mm256_loadu_ps(bias + c);
            __m256 r[8];
            for (int i = 0; i < 8; ++i) {
                r[i] = _mm256_add_ps(_mm256_loadu_ps(yk + static_cast<std::size_t>(i) * cols + c), b);
                if (relu) r[i] = _mm256_max_ps(zero, r[i]);
            }
            __m256 t[8], u[8];
            for (int i = 0; i < 8; i += 2) {
                t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
                t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
            }
            for (int i = 0; i < 8; i += 4) {
                u[i] = _mm256_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(1, 0, 1, 0));
                u[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(3, 2, 3, 2));
                u[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(1, 0, 1, 0));
                u[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(3, 2, 3, 2));
            }
            float* o = out + c * stride + k;
            for (int j = 0; j < 4; ++j) {
                _mm256_storeu_ps(o + j * stride, _mm256_permute2f128_ps(u[j], u[j + 4], 0x20));
                _mm256_storeu_ps(o + (j + 4) * stride, _mm256_permute2f128_ps(u[j], u[j + 4], 0x31));
            }
        }
    }
    return k;
}
#endif

#if defined(__SSE2__)
// The first rows, four pixels by four channels at a time (cols % 4 == 0); returns how many.
int rows_to_planes_4x4(const float* y, int m, int cols, const float* bias, bool relu, std::size_t stride, float* out) {
    const __m128 zero = _mm_setzero_ps();
    int k = 0;
    for (; k + 4 <= m; k += 4) {
        const float* yk = y + static_cast<std::size_t>(k) * cols;
        for (int c = 0; c < cols; c += 4) {
            const __m128 b = _mm_loadu_ps(bias + c);
            __m128 r0 = _mm_add_ps(_mm_loadu_ps(yk + c), b);
            __m128 r1 = _mm_add_ps(_mm_loadu_ps(yk + cols + c), b);
            __m128 r2 = _mm_add_ps(_mm_loadu_ps(yk + 2 * cols + c), b);
            __m128 r3 = _mm_add_ps(_mm_loadu_ps(yk + 3 * cols + c), b);
            if (relu) {
                r0 = _mm_max_ps(zero, r0);
                r1 = _mm_max_ps(zero, r1);
                r2 = _mm_max_ps(zero, r2);
                r3 = _mm_max_ps(zero, r3);
            }
            _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
            float* o = out + c * stride + k;
            _mm_storeu_ps(o, r0);
            _mm_storeu_ps(o + stride, r1);
            _mm_storeu_ps(o + 2 * stride, r2);
            _mm_storeu_ps(o + 3 * stride, r3);
        }
    }
    return k;
}
#endif

void rows_to_planes(const float* y, int m, int cols, const float* bias, bool relu, std::size_t stride, float* out) {
    int k = 0;
#if defined(AIMCSIM_AVX2_DISPATCH)
    if (cols % 8 == 0 && cpu_has_avx2()) k = rows_to_planes_8x8(y, m, cols, bias, relu, stride, out);
#endif
#if defined(__SSE2__)
    if (cols % 4 == 0) {
        k += rows_to_planes_4x4(y + static_cast<std::size_t>(k) * cols, m - k, cols, bias, relu, stride, out + k);
    }
#endif
    for (; k < m; ++k) {
        for (int c = 0; c < cols; ++c) {
            const float v = y[static_cast<std::size_t>(k) * cols + c] + bias[c];
            out[c * stride + k] = relu ? std::max(v, 0.0F) : v;
        }
    }
}

// Rows r0..r0+n-1 of the batch (row r: input r / pixels, pixel r % pixels) into x (rows ld
// apart), with their input and pixel. A function of its own: inlined in the layer's loop,
// its pointers did not fit in registers and made a chain through the stack per move.
template <class T, class Gather>
__attribute__((noinline)) void gather_rows(long r0, int n, int pixels, const Gather& gather, std::size_t ld, T* x,
                                           int* input, int* pixel) {
    int b = static_cast<int>(r0 / pixels), p = static_cast<int>(r0 % pixels);
    for (int k = 0; k < n; ++k) {
        input[k] = b;
        pixel[k] = p;
        gather(b, p, x + static_cast<std::size_t>(k) * ld);
        if (++p == pixels) p = 0, ++b;
    }
}

// Every (input, pixel) pair of the batch is one row of the kernel's matrix, taken in slices
// of at most kBatchSliceFloats input values: gather(b, p, x) writes the input vector of
// pixel p of input b, scatter(b, p, y, m) puts the outputs of its pixels p..p+m-1 (rows
// y, y + cols, ...) with the bias added (y + bias, in float) into input b's tensor.
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
        gather_rows(r0, n, pixels, gather, ld, x, rows.input, rows.pixel);
        feed.run(li, n, x, rows.y, rows.input, rows.pixel);
        // Runs of rows of one input (its pixels in order) go out together.
        for (int k0 = 0; k0 < n;) {
            int k1 = k0 + 1;
            while (k1 < n && rows.input[k1] == rows.input[k0]) ++k1;
            scatter(static_cast<std::size_t>(rows.input[k0]), static_cast<std::size_t>(rows.pixel[k0]),
                    rows.y_row(k0, l), k1 - k0);
            k0 = k1;
        }
    }
}

template <class Feed>
void conv_layer(const Network& net, int li, const Outputs& to, Values& values, Feed& feed, Rows& rows) {
    const Layer& l = net.layers[static_cast<std::size_t>(li)];
    const Shape& so = net.shape(l.output);
    const int pixels = so.h * so.w;
    feed.prepare(net, l, li, values);
    // Every input of the chunk padded once, and every pixel's window origin in it.
    using T = typename Feed::T;
    const Shape& si = net.shape(l.inputs[0]);
    const Window& win = l.window;
    const int pw = si.w + win.pad_left + win.pad_right;
    const std::size_t plane = static_cast<std::size_t>(si.h + win.pad_top + win.pad_bottom) * pw;
    const std::size_t padded = static_cast<std::size_t>(si.c) * plane;
    thread_local Scratch<T> padded_buf;
    thread_local Scratch<std::size_t> origin_buf;
    T* const pad = padded_buf.get(values.size() * padded + kCodeSlack);
    for (std::size_t b = 0; b < values.size(); ++b)
        pad_input(si, win, feed.tensor(values, l, static_cast<int>(b)), pad + b * padded);
    std::size_t* const origin = origin_buf.get(static_cast<std::size_t>(pixels));
    for (int p = 0; p < pixels; ++p)
        origin[p] = static_cast<std::size_t>(p / so.w * win.stride_h) * pw + static_cast<std::size_t>(p % so.w) * win.stride_w;
    const PaddedWindow window{si.c, win.kernel_h, win.kernel_w, pw, plane};
    pixel_rows(
        l, li, pixels, values, feed, rows,
        [=](int b, int p, T* x) { window.rows(pad + static_cast<std::size_t>(b) * padded + origin[p], x); },
        // Pixels across channels, back to CHW: a channel's pixels are written in order.
        [&](std::size_t b, std::size_t p, const float* y, int m) {
            rows_to_planes(y, m, l.cols, l.bias.data(), to.relu, static_cast<std::size_t>(pixels),
                           values[b][static_cast<std::size_t>(to.tensor)].data() + p);
        });
}

template <class Feed>
void dense_layer(const Network& net, int li, const Outputs& to, Values& values, Feed& feed, Rows& rows) {
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
        float* out = values[static_cast<std::size_t>(b)][static_cast<std::size_t>(to.tensor)].data();
        std::copy(rows.y_row(b, l), rows.y_row(b, l) + l.cols, out);
        add_bias(l.bias.data(), l.cols, out);
        if (to.relu) relu(out, static_cast<std::size_t>(l.cols), 1, out);
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
        [&](std::size_t b, std::size_t p, const float* y, int m) {
            float* o = values[b][static_cast<std::size_t>(l.output)].data() + p * static_cast<std::size_t>(l.cols);
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
        const Outputs to = layer_outputs(net, li);
        for (auto& v : values) v[static_cast<std::size_t>(to.tensor)].resize(net.shape(to.tensor).size());
        switch (l.op) {
            case Op::Conv: conv_layer(net, li, to, values, feed, rows); break;
            case Op::Dense: dense_layer(net, li, to, values, feed, rows); break;
            case Op::Lstm: lstm_layer(net, li, values, feed, rows); break;
            case Op::Linear: linear_layer(net, li, values, feed, rows); break;
            default:
                for (auto& v : values)
                    digital_layer(net, l, v, v[static_cast<std::size_t>(l.output)].data(), rounding);
        }
        if (to.relu) ++li;  // the Relu ran in the weight layer's output pass
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
