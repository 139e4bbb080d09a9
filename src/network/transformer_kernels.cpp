#include "src/network/transformer_kernels.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "src/network/op_kernels.h"

namespace aimcsim {

namespace {

int dim(const Shape& s, int axis) { return axis == 0 ? s.c : axis == 1 ? s.h : s.w; }

// Row-major offset of (i0, i1, i2) in s, with broadcast axes (size 1) pinned to 0.
std::size_t offset(const Shape& s, int i0, int i1, int i2) {
    return (static_cast<std::size_t>(s.c == 1 ? 0 : i0) * s.h + (s.h == 1 ? 0 : i1)) * s.w + (s.w == 1 ? 0 : i2);
}

float apply(BinaryOp op, float a, float b) {
    switch (op) {
        case BinaryOp::Add: return a + b;
        case BinaryOp::Sub: return a - b;
        case BinaryOp::Mul: return a * b;
        case BinaryOp::Div: return a / b;
    }
    return 0.0F;
}

void binary(BinaryOp op, const float* a, const Shape& sa, const float* b, const Shape& sb, const Shape& so,
            float* out) {
    if (sa == so && sb == so) {  // the common case: no broadcasting
        for (std::size_t i = 0; i < so.size(); ++i) out[i] = apply(op, a[i], b[i]);
        return;
    }
    for (int i0 = 0; i0 < so.c; ++i0)
        for (int i1 = 0; i1 < so.h; ++i1)
            for (int i2 = 0; i2 < so.w; ++i2)
                *out++ = apply(op, a[offset(sa, i0, i1, i2)], b[offset(sb, i0, i1, i2)]);
}

void transpose(const float* in, const Shape& si, const int perm[3], const Shape& so, float* out) {
    // Input strides of the axes, taken in output order.
    const std::size_t stride_in[3] = {static_cast<std::size_t>(si.h) * si.w, static_cast<std::size_t>(si.w), 1};
    const std::size_t s0 = stride_in[perm[0]], s1 = stride_in[perm[1]], s2 = stride_in[perm[2]];
    for (int i0 = 0; i0 < so.c; ++i0)
        for (int i1 = 0; i1 < so.h; ++i1)
            for (int i2 = 0; i2 < so.w; ++i2) *out++ = in[i0 * s0 + i1 * s1 + i2 * s2];
}

// Copies the block [begin, end) of `axis` of in (shape si) into out, or (scatter) the
// whole of in into that block of out (shape so).
void slice_copy(const float* in, const Shape& s, int axis, int begin, int end, float* out) {
    const std::size_t outer = axis == 0 ? 1 : axis == 1 ? static_cast<std::size_t>(s.c) : static_cast<std::size_t>(s.c) * s.h;
    const std::size_t inner = axis == 0 ? static_cast<std::size_t>(s.h) * s.w : axis == 1 ? static_cast<std::size_t>(s.w) : 1;
    const std::size_t span = static_cast<std::size_t>(dim(s, axis));
    const std::size_t width = static_cast<std::size_t>(end - begin) * inner;
    for (std::size_t o = 0; o < outer; ++o) {
        const float* src = in + (o * span + static_cast<std::size_t>(begin)) * inner;
        std::copy(src, src + width, out + o * width);
    }
}

}  // namespace

void layer_norm_row(const float* in, int n, const float* gamma, const float* beta, float epsilon, float* out) {
    double sum = 0.0;
    for (int i = 0; i < n; ++i) sum += in[i];
    const double mean = sum / n;
    double sq = 0.0;
    for (int i = 0; i < n; ++i) sq += (in[i] - mean) * (in[i] - mean);
    const double inv = 1.0 / std::sqrt(sq / n + static_cast<double>(epsilon));
    for (int i = 0; i < n; ++i) out[i] = static_cast<float>((in[i] - mean) * inv * gamma[i] + beta[i]);
}

float gelu(float x, bool tanh_approximation) {
    if (tanh_approximation) {
        const float k = 0.7978845608028654F;  // sqrt(2 / pi)
        return 0.5F * x * (1.0F + std::tanh(k * (x + 0.044715F * x * x * x)));
    }
    return 0.5F * x * (1.0F + std::erf(x * 0.7071067811865476F));
}

void batched_matmul(const float* a, const float* b, int batch, int m, int k, int n, float* out) {
    for (int i = 0; i < batch; ++i) {
        const float* ai = a + static_cast<std::size_t>(i) * m * k;
        const float* bi = b + static_cast<std::size_t>(i) * k * n;
        float* oi = out + static_cast<std::size_t>(i) * m * n;
        for (int r = 0; r < m; ++r) {
            float* o = oi + static_cast<std::size_t>(r) * n;
            std::fill(o, o + n, 0.0F);
            for (int j = 0; j < k; ++j) {  // k outer: the inner loop runs over contiguous b and out
                const float x = ai[static_cast<std::size_t>(r) * k + j];
                const float* bj = bi + static_cast<std::size_t>(j) * n;
                for (int c = 0; c < n; ++c) o[c] += x * bj[c];
            }
        }
    }
}

float fixed_point_step(double max_abs, int bits) {
    if (!(max_abs > 0.0) || !std::isfinite(max_abs)) return 0.0F;
    int e = 0;
    const double mantissa = std::frexp(max_abs, &e);  // max_abs = mantissa 2^e, mantissa in [0.5, 1)
    if (mantissa == 0.5) --e;                          // max_abs = 2^(e-1) exactly
    return static_cast<float>(std::ldexp(1.0, e - bits + 1));
}

void round_fixed_point(float* x, std::size_t n, float step, int bits) {
    if (step == 0.0F) return;
    const double s = step;
    const double top = std::ldexp(1.0, bits - 1);
    for (std::size_t i = 0; i < n; ++i) {
        const double code = std::clamp(std::round(static_cast<double>(x[i]) / s), -top, top - 1.0);
        x[i] = static_cast<float>(code * s);
    }
}

bool rounds_digital(Op op) {
    return op == Op::MatMul || op == Op::SoftmaxLast || op == Op::LayerNorm || op == Op::Gelu || op == Op::Binary;
}

void transformer_layer(const Network& net, const Layer& l, const std::vector<std::vector<float>>& values, float* out,
                       const DigitalRounding* rounding) {
    const float* in = values[static_cast<std::size_t>(l.inputs[0])].data();
    const float* in1 = l.inputs.size() > 1 ? values[static_cast<std::size_t>(l.inputs[1])].data() : nullptr;
    const Shape& si = net.shape(l.inputs[0]);
    const Shape& so = net.shape(l.output);
    const std::size_t n = so.size();
    const bool rounds = rounding != nullptr && rounding->bits > 0 && rounds_digital(l.op);
    const auto step = [&](int tensor) { return rounding->step.at(static_cast<std::size_t>(tensor)); };
    if (rounds) {  // the activation inputs, rounded copies
        thread_local std::vector<float> q0, q1;
        q0.assign(in, in + si.size());
        round_fixed_point(q0.data(), q0.size(), step(l.inputs[0]), rounding->bits);
        in = q0.data();
        if (in1) {
            const std::size_t n1 = net.shape(l.inputs[1]).size();
            q1.assign(in1, in1 + n1);
            round_fixed_point(q1.data(), n1, step(l.inputs[1]), rounding->bits);
            in1 = q1.data();
        }
    }
    switch (l.op) {
        case Op::MatMul: {
            const Shape& sb = net.shape(l.inputs[1]);
            batched_matmul(in, in1, si.c, si.h, si.w, sb.w, out);
            break;
        }
        case Op::Transpose: transpose(in, si, l.perm, so, out); break;
        case Op::Reshape: std::copy(in, in + n, out); break;
        case Op::Slice: slice_copy(in, si, l.axis, l.begin, l.end, out); break;
        case Op::ConcatAxis: {
            // Output rows of the axis, input after input: each input's block of every outer index.
            const std::size_t outer = l.axis == 0 ? 1 : l.axis == 1 ? static_cast<std::size_t>(so.c) : static_cast<std::size_t>(so.c) * so.h;
            const std::size_t inner = l.axis == 0 ? static_cast<std::size_t>(so.h) * so.w : l.axis == 1 ? static_cast<std::size_t>(so.w) : 1;
            const std::size_t row = static_cast<std::size_t>(dim(so, l.axis)) * inner;
            std::size_t at = 0;
            for (int t : l.inputs) {
                const std::size_t width = static_cast<std::size_t>(dim(net.shape(t), l.axis)) * inner;
                const float* src = values[static_cast<std::size_t>(t)].data();
                for (std::size_t o = 0; o < outer; ++o) std::copy(src + o * width, src + (o + 1) * width, out + o * row + at);
                at += width;
            }
            break;
        }
        case Op::LayerNorm:
            for (std::size_t r = 0; r < n / static_cast<std::size_t>(so.w); ++r)
                layer_norm_row(in + r * so.w, so.w, l.gamma.data(), l.beta.data(), l.epsilon, out + r * so.w);
            break;
        case Op::Gelu:
            for (std::size_t i = 0; i < n; ++i) out[i] = gelu(in[i], l.gelu_tanh);
            break;
        case Op::SoftmaxLast:
            for (std::size_t r = 0; r < n / static_cast<std::size_t>(so.w); ++r) softmax(in + r * so.w, so.w, 1, out + r * so.w);
            break;
        case Op::Binary:
            if (l.inputs.size() == 2)
                binary(l.binary, in, si, in1, net.shape(l.inputs[1]), so, out);
            else if (l.constant_first)
                binary(l.binary, l.constant.data(), l.constant_shape, in, si, so, out);
            else
                binary(l.binary, in, si, l.constant.data(), l.constant_shape, so, out);
            break;
        case Op::Constant: std::copy(l.constant.begin(), l.constant.end(), out); break;
        default: throw std::logic_error("transformer_layer: '" + l.name + "' is not a transformer op without weights");
    }
    if (rounds) round_fixed_point(out, n, step(l.output), rounding->bits);
}

}  // namespace aimcsim
