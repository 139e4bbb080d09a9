#include "src/import/onnx_const_fold.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include "aimcsim/core/error.h"

namespace aimcsim {

namespace {

using onnx::TensorProto_DataType;
constexpr int kFloat = onnx::TensorProto_DataType_FLOAT;
constexpr int kInt64 = onnx::TensorProto_DataType_INT64;
constexpr int kInt32 = onnx::TensorProto_DataType_INT32;
constexpr int kBool = onnx::TensorProto_DataType_BOOL;
constexpr int kDouble = onnx::TensorProto_DataType_DOUBLE;
constexpr int64_t kMaxFold = int64_t{1} << 24;  // shape arithmetic is tiny; more is a corrupt file

[[noreturn]] void fail(const std::string& msg) { throw InputError(msg); }

int64_t numel(const std::vector<int64_t>& d) {
    int64_t n = 1;
    for (int64_t x : d) {
        if (x < 0 || x > kMaxFold) fail("constant dims out of range");
        n *= x;
        if (n > kMaxFold) fail("constant too large to fold");
    }
    return n;
}

template <typename T>
std::vector<double> raw_values(const std::string& raw, std::size_t n) {
    if (raw.size() != n * sizeof(T)) fail("constant raw data has the wrong size");
    std::vector<double> v(n);
    for (std::size_t i = 0; i < n; ++i) {
        T x;
        std::memcpy(&x, raw.data() + i * sizeof(T), sizeof(T));
        v[i] = static_cast<double>(x);
    }
    return v;
}

const onnx::AttributeProto* attribute(const onnx::NodeProto& n, const std::string& name) {
    for (const auto& a : n.attribute())
        if (a.name() == name) return &a;
    return nullptr;
}

int64_t attr_int(const onnx::NodeProto& n, const std::string& name, int64_t dflt) {
    const auto* a = attribute(n, name);
    return a ? a->i() : dflt;
}

std::vector<int64_t> ints(const FoldTensor& t) {
    std::vector<int64_t> v;
    for (double x : t.values) v.push_back(static_cast<int64_t>(x));
    return v;
}

int64_t norm_axis(int64_t axis, std::size_t rank) {
    const auto r = static_cast<int64_t>(rank);
    if (axis < -r || axis >= r) fail("axis " + std::to_string(axis) + " out of range for rank " + std::to_string(r));
    return axis < 0 ? axis + r : axis;
}

std::vector<int64_t> strides(const std::vector<int64_t>& d) {
    std::vector<int64_t> s(d.size(), 1);
    for (int i = static_cast<int>(d.size()) - 2; i >= 0; --i) s[i] = s[i + 1] * d[i + 1];
    return s;
}

// Element of t at the multi-index `idx` of a broadcast shape `out` (right-aligned).
double at_broadcast(const FoldTensor& t, const std::vector<int64_t>& idx, const std::vector<int64_t>& st) {
    const std::size_t off = idx.size() - t.dims.size();
    int64_t flat = 0;
    for (std::size_t i = 0; i < t.dims.size(); ++i) flat += (t.dims[i] == 1 ? 0 : idx[off + i]) * st[i];
    return t.values[static_cast<std::size_t>(flat)];
}

std::vector<int64_t> broadcast_dims(const std::vector<const FoldTensor*>& ts) {
    std::size_t rank = 0;
    for (const auto* t : ts) rank = std::max(rank, t->dims.size());
    std::vector<int64_t> out(rank, 1);
    for (const auto* t : ts)
        for (std::size_t i = 0; i < t->dims.size(); ++i) {
            int64_t& o = out[rank - t->dims.size() + i];
            const int64_t d = t->dims[i];
            if (d != 1 && o != 1 && d != o) fail("constant shapes do not broadcast");
            if (d != 1) o = d;
        }
    return out;
}

// Applies f elementwise over the broadcast of the inputs.
template <typename F>
FoldTensor elementwise(const std::vector<const FoldTensor*>& ts, int type, F f) {
    FoldTensor out;
    out.type = type;
    out.dims = broadcast_dims(ts);
    const int64_t n = numel(out.dims);
    std::vector<std::vector<int64_t>> st;
    for (const auto* t : ts) st.push_back(strides(t->dims));
    std::vector<int64_t> idx(out.dims.size(), 0);
    std::vector<double> args(ts.size());
    for (int64_t k = 0; k < n; ++k) {
        for (std::size_t a = 0; a < ts.size(); ++a) args[a] = at_broadcast(*ts[a], idx, st[a]);
        out.values.push_back(f(args));
        for (int i = static_cast<int>(idx.size()) - 1; i >= 0; --i) {
            if (++idx[i] < out.dims[i]) break;
            idx[i] = 0;
        }
    }
    return out;
}

bool is_int(int type) { return type == kInt64 || type == kInt32; }

FoldTensor binary(const std::string& op, const FoldTensor& a, const FoldTensor& b) {
    const bool integer = is_int(a.type);
    if (op == "Equal")
        return elementwise({&a, &b}, kBool, [](const std::vector<double>& v) { return v[0] == v[1] ? 1.0 : 0.0; });
    return elementwise({&a, &b}, a.type, [&](const std::vector<double>& v) {
        if (op == "Add") return v[0] + v[1];
        if (op == "Sub") return v[0] - v[1];
        if (op == "Mul") return v[0] * v[1];
        if (op == "Pow") return std::pow(v[0], v[1]);
        // Div: integer division truncates toward zero in ONNX (C semantics).
        if (integer) {
            if (v[1] == 0) fail("integer division by zero in a constant");
            return std::trunc(v[0] / v[1]);
        }
        return v[0] / v[1];
    });
}

FoldTensor gather(const FoldTensor& data, const FoldTensor& indices, int64_t axis_attr) {
    const int64_t axis = norm_axis(axis_attr, data.dims.size());
    FoldTensor out;
    out.type = data.type;
    out.dims.assign(data.dims.begin(), data.dims.begin() + axis);
    out.dims.insert(out.dims.end(), indices.dims.begin(), indices.dims.end());
    out.dims.insert(out.dims.end(), data.dims.begin() + axis + 1, data.dims.end());
    const int64_t outer = numel({data.dims.begin(), data.dims.begin() + axis});
    const int64_t inner = numel({data.dims.begin() + axis + 1, data.dims.end()});
    const int64_t span = data.dims[static_cast<std::size_t>(axis)];
    for (int64_t o = 0; o < outer; ++o)
        for (double iv : indices.values) {
            int64_t i = static_cast<int64_t>(iv);
            if (i < 0) i += span;
            if (i < 0 || i >= span) fail("Gather index " + std::to_string(static_cast<int64_t>(iv)) + " out of range");
            for (int64_t k = 0; k < inner; ++k)
                out.values.push_back(data.values[static_cast<std::size_t>((o * span + i) * inner + k)]);
        }
    return out;
}

FoldTensor slice(const FoldTensor& data, const std::vector<int64_t>& starts, const std::vector<int64_t>& ends,
                 std::vector<int64_t> axes, std::vector<int64_t> steps) {
    const std::size_t r = data.dims.size();
    if (axes.empty()) {
        axes.resize(starts.size());
        std::iota(axes.begin(), axes.end(), 0);
    }
    if (steps.empty()) steps.assign(starts.size(), 1);
    if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size())
        fail("Slice starts, ends, axes and steps differ in length");
    std::vector<int64_t> lo(r, 0), step(r, 1), count(data.dims);
    for (std::size_t k = 0; k < starts.size(); ++k) {
        const auto a = static_cast<std::size_t>(norm_axis(axes[k], r));
        const int64_t d = data.dims[a];
        if (steps[k] <= 0) fail("Slice with a step <= 0 is not supported");
        int64_t s = starts[k] < 0 ? starts[k] + d : starts[k], e = ends[k] < 0 ? ends[k] + d : ends[k];
        s = std::clamp<int64_t>(s, 0, d);
        e = std::clamp<int64_t>(e, 0, d);
        lo[a] = s;
        step[a] = steps[k];
        count[a] = e > s ? (e - s + steps[k] - 1) / steps[k] : 0;
    }
    FoldTensor out;
    out.type = data.type;
    out.dims = count;
    const auto st = strides(data.dims);
    const int64_t n = numel(count);
    std::vector<int64_t> idx(r, 0);
    for (int64_t k = 0; k < n; ++k) {
        int64_t flat = 0;
        for (std::size_t i = 0; i < r; ++i) flat += (lo[i] + idx[i] * step[i]) * st[i];
        out.values.push_back(data.values[static_cast<std::size_t>(flat)]);
        for (int i = static_cast<int>(r) - 1; i >= 0; --i) {
            if (++idx[static_cast<std::size_t>(i)] < count[static_cast<std::size_t>(i)]) break;
            idx[static_cast<std::size_t>(i)] = 0;
        }
    }
    return out;
}

FoldTensor concat(const std::vector<FoldTensor>& in, int64_t axis_attr) {
    FoldTensor out = in.front();
    const int64_t axis = norm_axis(axis_attr, out.dims.size());
    const auto a = static_cast<std::size_t>(axis);
    out.dims[a] = 0;
    for (const auto& t : in) {
        if (t.dims.size() != out.dims.size()) fail("Concat of constants of different ranks");
        out.dims[a] += t.dims[a];
    }
    const int64_t outer = numel({out.dims.begin(), out.dims.begin() + axis});
    out.values.clear();
    for (int64_t o = 0; o < outer; ++o)
        for (const auto& t : in) {
            const int64_t width = numel({t.dims.begin() + axis, t.dims.end()});
            for (int64_t k = 0; k < width; ++k) out.values.push_back(t.values[static_cast<std::size_t>(o * width + k)]);
        }
    return out;
}

// Unsqueeze/Squeeze axes: the attribute before opset 13, the second input since.
std::vector<int64_t> axes_of(const onnx::NodeProto& n, const std::vector<FoldTensor>& in,
                             const std::vector<bool>& present) {
    if (in.size() > 1 && present[1]) return ints(in[1]);
    std::vector<int64_t> v;
    if (const auto* a = attribute(n, "axes"))
        for (int64_t x : a->ints()) v.push_back(x);
    return v;
}

}  // namespace

FoldTensor fold_tensor(const onnx::TensorProto& t) {
    FoldTensor f;
    f.type = t.data_type();
    f.dims.assign(t.dims().begin(), t.dims().end());
    const auto n = static_cast<std::size_t>(numel(f.dims));
    const bool raw = t.has_raw_data();
    switch (f.type) {
        case kFloat:
            f.values = raw ? raw_values<float>(t.raw_data(), n) : std::vector<double>(t.float_data().begin(), t.float_data().end());
            break;
        case kDouble:
            f.values = raw ? raw_values<double>(t.raw_data(), n) : std::vector<double>(t.double_data().begin(), t.double_data().end());
            break;
        case kInt64:
            f.values = raw ? raw_values<int64_t>(t.raw_data(), n) : std::vector<double>(t.int64_data().begin(), t.int64_data().end());
            break;
        case kInt32:
            f.values = raw ? raw_values<int32_t>(t.raw_data(), n) : std::vector<double>(t.int32_data().begin(), t.int32_data().end());
            break;
        case kBool:
            f.values = raw ? raw_values<uint8_t>(t.raw_data(), n) : std::vector<double>(t.int32_data().begin(), t.int32_data().end());
            break;
        default: fail("constant '" + t.name() + "' has element type " + std::to_string(f.type) + ", which the folder does not handle");
    }
    if (f.values.size() != n) fail("constant '" + t.name() + "' has " + std::to_string(f.values.size()) + " values, its dims need " + std::to_string(n));
    return f;
}

onnx::TensorProto to_tensor_proto(const FoldTensor& t, const std::string& name) {
    onnx::TensorProto p;
    p.set_name(name);
    p.set_data_type(t.type);
    for (int64_t d : t.dims) p.add_dims(d);
    for (double v : t.values) {
        switch (t.type) {
            case kFloat: p.add_float_data(static_cast<float>(v)); break;
            case kDouble: p.add_double_data(v); break;
            case kInt64: p.add_int64_data(static_cast<int64_t>(v)); break;
            default: p.add_int32_data(static_cast<int32_t>(v)); break;  // int32, bool
        }
    }
    return p;
}

bool can_fold(const std::string& op) {
    static const char* const ops[] = {"Shape", "Gather", "Unsqueeze", "Squeeze", "Concat", "Slice", "Cast",
                                      "ConstantOfShape", "Equal", "Where", "Expand", "Add", "Sub", "Mul",
                                      "Div", "Pow", "Sqrt", "Neg", "Reshape", "Range"};
    return std::find(std::begin(ops), std::end(ops), op) != std::end(ops);
}

FoldTensor fold_node(const onnx::NodeProto& n, const std::vector<FoldTensor>& in, const std::vector<bool>& present) {
    const std::string& op = n.op_type();
    auto need = [&](std::size_t k) {
        if (in.size() < k) fail(op + " needs " + std::to_string(k) + " inputs");
    };
    if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div" || op == "Pow" || op == "Equal") {
        need(2);
        return binary(op, in[0], in[1]);
    }
    if (op == "Sqrt" || op == "Neg") {
        need(1);
        return elementwise({&in[0]}, in[0].type, [&](const std::vector<double>& v) { return op == "Sqrt" ? std::sqrt(v[0]) : -v[0]; });
    }
    if (op == "Shape") {
        need(1);
        FoldTensor out;
        out.type = kInt64;
        out.dims = {static_cast<int64_t>(in[0].dims.size())};
        for (int64_t d : in[0].dims) out.values.push_back(static_cast<double>(d));
        return out;
    }
    if (op == "Gather") {
        need(2);
        return gather(in[0], in[1], attr_int(n, "axis", 0));
    }
    if (op == "Unsqueeze" || op == "Squeeze") {
        need(1);
        FoldTensor out = in[0];
        std::vector<int64_t> axes = axes_of(n, in, present);
        if (op == "Unsqueeze") {
            const std::size_t rank = out.dims.size() + axes.size();
            for (int64_t& a : axes) a = norm_axis(a, rank);
            std::sort(axes.begin(), axes.end());
            for (int64_t a : axes) out.dims.insert(out.dims.begin() + a, 1);
        } else {
            std::vector<int64_t> kept;
            for (std::size_t i = 0; i < out.dims.size(); ++i) {
                const bool listed = std::any_of(axes.begin(), axes.end(), [&](int64_t a) { return norm_axis(a, out.dims.size()) == static_cast<int64_t>(i); });
                if ((axes.empty() && out.dims[i] == 1) || listed) {
                    if (out.dims[i] != 1) fail("Squeeze of an axis of size " + std::to_string(out.dims[i]));
                    continue;
                }
                kept.push_back(out.dims[i]);
            }
            out.dims = kept;
        }
        return out;
    }
    if (op == "Concat") return concat(in, attr_int(n, "axis", 0));
    if (op == "Slice") {
        need(3);
        return slice(in[0], ints(in[1]), ints(in[2]), in.size() > 3 && present[3] ? ints(in[3]) : std::vector<int64_t>{},
                     in.size() > 4 && present[4] ? ints(in[4]) : std::vector<int64_t>{});
    }
    if (op == "Cast") {
        need(1);
        FoldTensor out = in[0];
        out.type = static_cast<int>(attr_int(n, "to", kFloat));
        if (out.type != kFloat && out.type != kDouble && !is_int(out.type) && out.type != kBool)
            fail("Cast to element type " + std::to_string(out.type) + " is not supported");
        if (is_int(out.type))
            for (double& v : out.values) v = std::trunc(v);
        if (out.type == kBool)
            for (double& v : out.values) v = v != 0.0 ? 1.0 : 0.0;
        return out;
    }
    if (op == "ConstantOfShape") {
        need(1);
        FoldTensor out;
        out.dims = ints(in[0]);
        out.type = kFloat;
        double value = 0.0;
        if (const auto* a = attribute(n, "value")) {
            const FoldTensor v = fold_tensor(a->t());
            if (v.size() != 1) fail("ConstantOfShape value must hold one element");
            value = v.values[0];
            out.type = v.type;
        }
        out.values.assign(static_cast<std::size_t>(numel(out.dims)), value);
        return out;
    }
    if (op == "Where") {
        need(3);
        return elementwise({&in[0], &in[1], &in[2]}, in[1].type, [](const std::vector<double>& v) { return v[0] != 0.0 ? v[1] : v[2]; });
    }
    if (op == "Expand") {
        need(2);
        FoldTensor shape;
        shape.dims = ints(in[1]);
        shape.values.assign(static_cast<std::size_t>(numel(shape.dims)), 0.0);
        return elementwise({&in[0], &shape}, in[0].type, [](const std::vector<double>& v) { return v[0]; });
    }
    if (op == "Reshape") {
        need(2);
        FoldTensor out = in[0];
        std::vector<int64_t> to = ints(in[1]);
        int64_t known = 1;
        int infer = -1;
        for (std::size_t i = 0; i < to.size(); ++i) {
            if (to[i] == 0 && i < in[0].dims.size() && attr_int(n, "allowzero", 0) == 0) to[i] = in[0].dims[i];
            if (to[i] == -1) infer = static_cast<int>(i);
            else known *= to[i];
        }
        if (infer >= 0) to[static_cast<std::size_t>(infer)] = known > 0 ? static_cast<int64_t>(in[0].size()) / known : 0;
        if (numel(to) != static_cast<int64_t>(in[0].size())) fail("Reshape of a constant to a different size");
        out.dims = to;
        return out;
    }
    if (op == "Range") {
        need(3);
        FoldTensor out;
        out.type = in[0].type;
        const double start = in[0].values.at(0), limit = in[1].values.at(0), delta = in[2].values.at(0);
        if (delta == 0) fail("Range with delta 0");
        const auto count = static_cast<int64_t>(std::max(0.0, std::ceil((limit - start) / delta)));
        out.dims = {count};
        numel(out.dims);
        for (int64_t i = 0; i < count; ++i) out.values.push_back(start + static_cast<double>(i) * delta);
        return out;
    }
    fail("op " + op + " cannot be folded");
}

}  // namespace aimcsim
