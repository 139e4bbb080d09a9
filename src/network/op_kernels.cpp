#include "src/network/op_kernels.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#if defined(__SSE2__)
#include <xmmintrin.h>
#endif

#include "src/network/transformer_kernels.h"

namespace aimcsim {

void relu(const float* in, std::size_t n, std::size_t stride, float* out) {
    if (stride == 1) {  // the common case, as a loop the compiler vectorises
        for (std::size_t k = 0; k < n; ++k) out[k] = std::max(in[k], 0.0f);
        return;
    }
    // Strided (one pixel's channels), four values a step as a vector select: a compare and
    // branch per value mispredicts on signs as random as a conv's outputs. The select is
    // std::max(v, 0)'s (v < 0 ? 0 : v), so the same bits, NaN and -0 included.
    typedef float V4 __attribute__((vector_size(16)));
    const V4 zero = {0.0f, 0.0f, 0.0f, 0.0f};
    std::size_t k = 0;
    for (; k + 4 <= n; k += 4) {
        const V4 v = {in[k * stride], in[(k + 1) * stride], in[(k + 2) * stride], in[(k + 3) * stride]};
        const V4 r = v < zero ? zero : v;
        for (std::size_t l = 0; l < 4; ++l) out[(k + l) * stride] = r[l];
    }
    for (; k < n; ++k) out[k * stride] = std::max(in[k * stride], 0.0f);
}

void add(const float* a, const float* b, std::size_t n, std::size_t stride, float* out) {
    for (std::size_t k = 0; k < n; ++k) out[k * stride] = a[k * stride] + b[k * stride];
}

void add_bias(const float* bias, int n, float* y) {
    for (int c = 0; c < n; ++c) y[c] += bias[c];
}

float pool_window(Op op, const Window& window, const float* plane, int in_h, int in_w, int oy, int ox) {
    const int y0 = oy * window.stride_h - window.pad_top;
    const int x0 = ox * window.stride_w - window.pad_left;
    float acc = op == Op::MaxPool ? -std::numeric_limits<float>::infinity() : 0.0f;
    int n = 0;
    for (int y = std::max(y0, 0); y < std::min(y0 + window.kernel_h, in_h); ++y) {
        for (int x = std::max(x0, 0); x < std::min(x0 + window.kernel_w, in_w); ++x) {
            const float v = plane[static_cast<std::size_t>(y) * in_w + x];
            acc = op == Op::MaxPool ? std::max(acc, v) : acc + v;
            ++n;
        }
    }
    if (op == Op::AvgPool) acc /= window.count_include_pad ? window.kernel_h * window.kernel_w : std::max(n, 1);
    return acc;
}

namespace {

#if defined(__SSE2__)
// Outputs ox..ox+3 of a 2x2, stride-2 window over input rows r0, r1: pool_window()'s
// maxima in its order. std::max(acc, v) is (acc < v ? v : acc), which _mm_max_ps(v, acc)
// is lane by lane, NaN and signed zeros included: the same bits.
void max_pool_2x2_four(const float* r0, const float* r1, int ox, float* o) {
    const float* a = r0 + 2 * ox;
    const float* b = r1 + 2 * ox;
    const __m128 a0 = _mm_loadu_ps(a), a1 = _mm_loadu_ps(a + 4);
    const __m128 b0 = _mm_loadu_ps(b), b1 = _mm_loadu_ps(b + 4);
    __m128 acc = _mm_set1_ps(-std::numeric_limits<float>::infinity());
    acc = _mm_max_ps(_mm_shuffle_ps(a0, a1, _MM_SHUFFLE(2, 0, 2, 0)), acc);
    acc = _mm_max_ps(_mm_shuffle_ps(a0, a1, _MM_SHUFFLE(3, 1, 3, 1)), acc);
    acc = _mm_max_ps(_mm_shuffle_ps(b0, b1, _MM_SHUFFLE(2, 0, 2, 0)), acc);
    acc = _mm_max_ps(_mm_shuffle_ps(b0, b1, _MM_SHUFFLE(3, 1, 3, 1)), acc);
    _mm_storeu_ps(o + ox, acc);
}
#endif

// One output row of the 2x2, stride-2 window inside the plane (rows r0, r1).
void max_pool_2x2_row(const float* r0, const float* r1, int out_w, float* o) {
    int ox = 0;
#if defined(__SSE2__)
    if (out_w >= 4) {  // four at a time; the last four overlap the previous ones (the same values)
        for (; ox + 4 <= out_w; ox += 4) max_pool_2x2_four(r0, r1, ox, o);
        if (ox < out_w) max_pool_2x2_four(r0, r1, out_w - 4, o);
        return;
    }
#endif
    for (; ox < out_w; ++ox) {
        float acc = -std::numeric_limits<float>::infinity();
        acc = std::max(acc, r0[2 * ox]);
        acc = std::max(acc, r0[2 * ox + 1]);
        acc = std::max(acc, r1[2 * ox]);
        acc = std::max(acc, r1[2 * ox + 1]);
        o[ox] = acc;
    }
}

}  // namespace

void max_pool_plane(const Window& window, const float* plane, int in_h, int in_w, int out_h, int out_w, float* out) {
    // pool_window()'s maxima in its order (same bits), without its per-element op test:
    // max-pooling was a tenth of the batched engine's time.
    if (window.kernel_h == 2 && window.kernel_w == 2 && window.stride_h == 2 && window.stride_w == 2 &&
        window.pad_top == 0 && window.pad_left == 0 && 2 * out_h <= in_h && 2 * out_w <= in_w) {
        // The common 2x2 window inside the plane.
        for (int oy = 0; oy < out_h; ++oy) {
            const float* r0 = plane + static_cast<std::size_t>(2 * oy) * in_w;
            max_pool_2x2_row(r0, r0 + in_w, out_w, out + static_cast<std::size_t>(oy) * out_w);
        }
        return;
    }
    for (int oy = 0; oy < out_h; ++oy) {
        const int y0 = oy * window.stride_h - window.pad_top;
        const int y_lo = std::max(y0, 0), y_hi = std::min(y0 + window.kernel_h, in_h);
        for (int ox = 0; ox < out_w; ++ox) {
            const int x0 = ox * window.stride_w - window.pad_left;
            const int x_lo = std::max(x0, 0), x_hi = std::min(x0 + window.kernel_w, in_w);
            float acc = -std::numeric_limits<float>::infinity();
            for (int y = y_lo; y < y_hi; ++y) {
                const float* row = plane + static_cast<std::size_t>(y) * in_w;
                for (int x = x_lo; x < x_hi; ++x) acc = std::max(acc, row[x]);
            }
            out[static_cast<std::size_t>(oy) * out_w + ox] = acc;
        }
    }
}

float channel_mean(const float* in, std::size_t n) {
    double sum = 0.0;
    for (std::size_t i = 0; i < n; ++i) sum += in[i];
    return static_cast<float>(sum / static_cast<double>(n));
}

void lstm_step_input(const float* x_seq, int features, const float* h_seq, int hidden, std::size_t steps, std::size_t t,
                     float* xh) {
    for (int k = 0; k < features; ++k) xh[k] = x_seq[static_cast<std::size_t>(k) * steps + t];
    for (int k = 0; k < hidden; ++k)
        xh[features + k] = t > 0 ? h_seq[static_cast<std::size_t>(k) * steps + t - 1] : 0.0f;
}

void lstm_cell(const float* gates, int hidden, float* c, float* h, std::size_t h_stride) {
    const auto sigmoid = [](float v) { return 1.0f / (1.0f + std::exp(-v)); };
    for (int k = 0; k < hidden; ++k) {
        const float i = sigmoid(gates[k]);
        const float f = sigmoid(gates[hidden + k]);
        const float g = std::tanh(gates[2 * hidden + k]);
        const float o = sigmoid(gates[3 * hidden + k]);
        c[k] = f * c[k] + i * g;
        h[static_cast<std::size_t>(k) * h_stride] = o * std::tanh(c[k]);
    }
}

void softmax(const float* in, int channels, std::size_t stride, float* out) {
    float max = -std::numeric_limits<float>::infinity();
    for (int k = 0; k < channels; ++k) max = std::max(max, in[static_cast<std::size_t>(k) * stride]);
    // Subtracting the max keeps every exponent <= 0: no overflow, and the largest term is 1.
    double sum = 0.0;
    for (int k = 0; k < channels; ++k) {
        const std::size_t i = static_cast<std::size_t>(k) * stride;
        out[i] = std::exp(in[i] - max);
        sum += out[i];
    }
    for (int k = 0; k < channels; ++k) {
        const std::size_t i = static_cast<std::size_t>(k) * stride;
        out[i] = static_cast<float>(out[i] / sum);
    }
}

namespace {

float apply_unary(const Unary& fn, float x) {
    switch (fn.kind) {
        case UnaryKind::Sigmoid: return 1.0f / (1.0f + std::exp(-x));
        case UnaryKind::Tanh: return std::tanh(x);
        case UnaryKind::HardSigmoid: return std::max(0.0f, std::min(1.0f, fn.alpha * x + fn.beta));
        case UnaryKind::HardSwish: return x * std::max(0.0f, std::min(1.0f, x / 6.0f + 0.5f));
        case UnaryKind::LeakyRelu: return x < 0.0f ? fn.alpha * x : x;
        case UnaryKind::Clip: return std::min(std::max(x, fn.alpha), fn.beta);
    }
    return x;
}

}  // namespace

void unary(const Unary& fn, const float* in, std::size_t n, std::size_t stride, float* out) {
    for (std::size_t k = 0; k < n; ++k) out[k * stride] = apply_unary(fn, in[k * stride]);
}

void channel_affine(const float* scale, const float* shift, const float* in, int channels, std::size_t stride,
                    float* out) {
    for (int c = 0; c < channels; ++c) {
        const std::size_t i = static_cast<std::size_t>(c) * stride;
        out[i] = scale[c] * in[i] + shift[c];
    }
}

float pad_value(const Layer& l, const Shape& in, const float* input, int c, int oy, int ox) {
    const int y = oy - l.window.pad_top, x = ox - l.window.pad_left;
    if (y < 0 || y >= in.h || x < 0 || x >= in.w) return l.pad_value;
    return input[(static_cast<std::size_t>(c) * in.h + y) * in.w + x];
}

void digital_layer(const Network& net, const Layer& l, const std::vector<std::vector<float>>& values, float* out,
                   const DigitalRounding* rounding) {
    const float* in = values[l.inputs[0]].data();
    const Shape& so = net.shape(l.output);
    const std::size_t n = so.size();
    switch (l.op) {
        case Op::Relu: relu(in, n, 1, out); break;
        case Op::MaxPool: {
            const Shape& si = net.shape(l.inputs[0]);
            const std::size_t plane = static_cast<std::size_t>(si.h) * si.w;
            for (int c = 0; c < so.c; ++c)
                max_pool_plane(l.window, in + c * plane, si.h, si.w, so.h, so.w,
                               out + static_cast<std::size_t>(c) * so.h * so.w);
            break;
        }
        case Op::AvgPool: {
            const Shape& si = net.shape(l.inputs[0]);
            const std::size_t plane = static_cast<std::size_t>(si.h) * si.w;
            for (int c = 0; c < so.c; ++c)
                for (int oy = 0; oy < so.h; ++oy)
                    for (int ox = 0; ox < so.w; ++ox)
                        out[(static_cast<std::size_t>(c) * so.h + oy) * so.w + ox] =
                            pool_window(l.op, l.window, in + c * plane, si.h, si.w, oy, ox);
            break;
        }
        case Op::GlobalAvgPool: {
            const Shape& si = net.shape(l.inputs[0]);
            const std::size_t hw = static_cast<std::size_t>(si.h) * si.w;
            for (int c = 0; c < si.c; ++c) out[static_cast<std::size_t>(c)] = channel_mean(in + c * hw, hw);
            break;
        }
        case Op::Add: add(in, values[l.inputs[1]].data(), n, 1, out); break;
        case Op::Flatten: std::copy(in, in + n, out); break;
        case Op::Softmax: {
            const std::size_t pixels = static_cast<std::size_t>(so.h) * so.w;
            for (std::size_t p = 0; p < pixels; ++p) softmax(in + p, so.c, pixels, out + p);
            break;
        }
        case Op::Unary: unary(l.unary, in, n, 1, out); break;
        case Op::ChannelAffine: {
            const std::size_t pixels = static_cast<std::size_t>(so.h) * so.w;
            for (std::size_t p = 0; p < pixels; ++p)
                channel_affine(l.channel_scale.data(), l.channel_shift.data(), in + p, so.c, pixels, out + p);
            break;
        }
        case Op::Concat: {
            float* o = out;
            for (int t : l.inputs) o = std::copy(values[t].begin(), values[t].end(), o);
            break;
        }
        case Op::Pad: {
            const Shape& si = net.shape(l.inputs[0]);
            for (int c = 0; c < so.c; ++c)
                for (int oy = 0; oy < so.h; ++oy)
                    for (int ox = 0; ox < so.w; ++ox)
                        out[(static_cast<std::size_t>(c) * so.h + oy) * so.w + ox] = pad_value(l, si, in, c, oy, ox);
            break;
        }
        case Op::Resize: {
            const Shape& si = net.shape(l.inputs[0]);
            for (int c = 0; c < so.c; ++c)
                for (int oy = 0; oy < so.h; ++oy) {
                    const float* row = in + (static_cast<std::size_t>(c) * si.h + l.source_h[oy]) * si.w;
                    float* o = out + (static_cast<std::size_t>(c) * so.h + oy) * so.w;
                    for (int ox = 0; ox < so.w; ++ox) o[ox] = row[l.source_w[ox]];
                }
            break;
        }
        case Op::Conv:
        case Op::Dense:
        case Op::Lstm:
        case Op::Linear: throw std::logic_error("digital_layer: '" + l.name + "' is a weight layer");
        default: transformer_layer(net, l, values, out, rounding); break;
    }
}

}  // namespace aimcsim
