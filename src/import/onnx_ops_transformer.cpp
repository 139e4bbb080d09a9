// The transformer op family of the ONNX importer: what PyTorch exports for
// nn.TransformerEncoderLayer, nn.MultiheadAttention and a ViT (opset 13-17).
//
// Every activation here carries its full ONNX dims (OnnxValue::dims, the batch as 1):
// the IR tensor holds the same values in the same row-major order under any 3-D shape
// of that size, so Reshape, Flatten, Squeeze/Unsqueeze and transposes that only move
// axes of size 1 (the batch in MultiheadAttention's [T, B, D]) cost no layer at all:
// the value keeps its tensor and gets new dims. An op that needs a particular 3-D view
// (Linear: the features last; MatMul: {batch, M, K}; Slice/Concat: the axis in the
// middle) gets it from a Reshape layer when the tensor's shape differs.
// Nodes whose inputs are all constants are folded (onnx_const_fold.h); the decomposed
// LayerNorm and GELU are found before the walk (onnx_fusions.h) and built as one layer.
// Values of the CNN handlers (no dims, rank 4 or 2 [N, F]) keep going to those handlers.
#include <algorithm>
#include <numeric>

#include "aimcsim/core/error.h"
#include "src/import/onnx_const_fold.h"
#include "src/import/onnx_fusions.h"
#include "src/import/onnx_importer.h"

namespace aimcsim {

namespace {

using Dims = std::vector<int64_t>;

int64_t product(const Dims& d, std::size_t begin, std::size_t end) {
    int64_t n = 1;
    for (std::size_t i = begin; i < end && i < d.size(); ++i) n *= d[i];
    return n;
}

int to_int(Importer& im, int64_t v, const std::string& what) {
    if (v <= 0 || v > kOnnxMaxElements) im.fail_node(what + " " + std::to_string(v) + " is out of range");
    return static_cast<int>(v);
}

// The full ONNX dims of an activation (batch 1): its own, or those of a CNN value.
Dims dims_of(Importer& im, const OnnxValue& v) {
    if (!v.dims.empty()) return v.dims;
    const Shape s = im.net().shape(v.tensor);
    if (v.rank == 4) return {1, s.c, s.h, s.w};
    return {1, static_cast<int64_t>(s.size())};
}

OnnxValue with_dims(int tensor, Dims d) {
    OnnxValue v;
    v.tensor = tensor;
    v.rank = static_cast<int>(d.size());
    v.dims = std::move(d);
    return v;
}

int64_t norm_axis(Importer& im, int64_t axis, std::size_t rank) {
    const auto r = static_cast<int64_t>(rank);
    if (axis < -r || axis >= r) im.fail_node("axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(r));
    return axis < 0 ? axis + r : axis;
}

// The tensor of v under shape `want`: itself, or a Reshape layer's output.
int view(Importer& im, const OnnxValue& v, Shape want, const std::string& name) {
    if (im.net().shape(v.tensor) == want) return v.tensor;
    return im.net().add_reshape(name + "/view" + std::to_string(im.net().layers.size()), v.tensor, want);
}

Shape shape3(Importer& im, int64_t a, int64_t b, int64_t c) {
    return {to_int(im, a, "dimension"), to_int(im, b, "dimension"), to_int(im, c, "dimension")};
}

// v seen as {outer, dims[axis], inner}: the view Slice, Concat and Gather work on.
Shape around_axis(Importer& im, const Dims& d, std::size_t axis) {
    return shape3(im, product(d, 0, axis), d[axis], product(d, axis + 1, d.size()));
}

bool is_cnn_value(const OnnxValue& v) { return v.dims.empty(); }

// ---- constants ------------------------------------------------------------------

bool all_inputs_constant(Importer& im, const onnx::NodeProto& n) {
    for (int i = 0; i < n.input_size(); ++i)
        if (!n.input(i).empty() && !im.is_constant(n.input(i))) return false;
    return true;
}

void fold(Importer& im, const onnx::NodeProto& n) {
    std::vector<FoldTensor> in;
    std::vector<bool> present;
    for (int i = 0; i < n.input_size(); ++i) {
        present.push_back(!n.input(i).empty());
        in.push_back(n.input(i).empty() ? FoldTensor{} : fold_tensor(im.constant(n, i, "input")));
    }
    try {
        im.add_constant(n.output(0), to_tensor_proto(fold_node(n, in, present), n.output(0)));
    } catch (const InputError& e) {
        im.fail_node(e.what());
    }
}

std::vector<float> floats_of(Importer& im, const onnx::NodeProto& n, int i, const std::string& role) {
    const FoldTensor t = fold_tensor(im.constant(n, i, role));
    return {t.values.begin(), t.values.end()};
}

// A constant input as an activation (a Constant layer), e.g. the class token of a Concat.
OnnxValue constant_value(Importer& im, const onnx::NodeProto& n, int i, const std::string& name) {
    const FoldTensor t = fold_tensor(im.constant(n, i, "input"));
    Dims d = t.dims.empty() ? Dims{1} : t.dims;
    const int64_t r = static_cast<int64_t>(d.size());
    const Shape s = shape3(im, product(d, 0, r >= 2 ? r - 2 : 0), r >= 2 ? d[r - 2] : 1, d[r - 1]);
    std::vector<float> values(t.values.begin(), t.values.end());
    return with_dims(im.net().add_constant(name + "/const" + std::to_string(i), std::move(values), s), d);
}

// ---- shape and data movement ------------------------------------------------------

void shape_node(Importer& im, const onnx::NodeProto& n, const std::string&) {
    const Dims d = dims_of(im, im.activation(n.input(0), "input"));
    const auto r = static_cast<int64_t>(d.size());
    int64_t start = im.attr_i(n, "start", 0), end = im.attr_i(n, "end", r);
    start = std::clamp<int64_t>(start < 0 ? start + r : start, 0, r);
    end = std::clamp<int64_t>(end < 0 ? end + r : end, 0, r);
    FoldTensor t;
    t.type = onnx::TensorProto_DataType_INT64;
    for (int64_t i = start; i < end; ++i) t.values.push_back(static_cast<double>(d[static_cast<std::size_t>(i)]));
    t.dims = {static_cast<int64_t>(t.values.size())};
    im.add_constant(n.output(0), to_tensor_proto(t, n.output(0)));
}

// Reshape, Flatten, Squeeze, Unsqueeze, Cast to float, Identity-like Expand: new dims, same tensor.
void alias(Importer& im, const onnx::NodeProto& n, const OnnxValue& x, Dims to) {
    if (product(to, 0, to.size()) != product(x.dims.empty() ? dims_of(im, x) : x.dims, 0, 99))
        im.fail_node("cannot change dims " + onnx_dims_str(dims_of(im, x)) + " to " + onnx_dims_str(to));
    im.define(n, with_dims(x.tensor, std::move(to)));
}

Dims reshape_target(Importer& im, const onnx::NodeProto& n, const Dims& in) {
    Dims to = im.int64s(im.constant(n, 1, "shape"));
    const int64_t total = product(in, 0, in.size());
    int64_t known = 1;
    int infer = -1;
    for (std::size_t i = 0; i < to.size(); ++i) {
        if (to[i] == 0 && im.attr_i(n, "allowzero", 0) == 0 && i < in.size()) to[i] = in[i];
        if (to[i] == -1 && infer < 0) infer = static_cast<int>(i);
        else if (to[i] <= 0 || to[i] > total) im.fail_node("bad target shape " + onnx_dims_str(to));
        else known *= to[i];
    }
    if (infer >= 0) to[static_cast<std::size_t>(infer)] = total % known == 0 ? total / known : -1;
    if (product(to, 0, to.size()) != total)
        im.fail_node("cannot reshape " + onnx_dims_str(in) + " (" + std::to_string(total) + " values) to " + onnx_dims_str(to));
    return to;
}

void transpose(Importer& im, const onnx::NodeProto& n, const std::string& name) {
    const OnnxValue x = im.activation(n.input(0), "input");
    const Dims d = dims_of(im, x);
    std::vector<int64_t> perm = im.attr_ints(n, "perm", {});
    if (perm.empty())
        for (int64_t i = static_cast<int64_t>(d.size()) - 1; i >= 0; --i) perm.push_back(i);
    if (perm.size() != d.size()) im.fail_node("perm " + onnx_dims_str(perm) + " does not match rank " + std::to_string(d.size()));
    // Samples run one by one (batch as 1), which a transpose moving the batch axis of a
    // fixed batch > 1 would mix.
    if (norm_axis(im, perm[0], d.size()) != 0 && im.net().declared_batch > 1)
        im.fail_node("a Transpose that moves the batch axis is supported for batch 1 or a symbolic batch; the model "
                     "declares batch " + std::to_string(im.net().declared_batch));
    Dims out;
    for (int64_t p : perm) out.push_back(d[static_cast<std::size_t>(norm_axis(im, p, d.size()))]);
    // Axes of size 1 do not move data; adjacent axes that stay adjacent move as one.
    std::vector<int64_t> kept;  // input axes of size > 1, in output order
    for (int64_t p : perm)
        if (d[static_cast<std::size_t>(norm_axis(im, p, d.size()))] > 1) kept.push_back(norm_axis(im, p, d.size()));
    std::vector<std::vector<int64_t>> groups;  // runs of consecutive input axes, in output order
    for (int64_t a : kept) {
        if (!groups.empty()) {
            int64_t prev = groups.back().back();
            int64_t next_big = prev + 1;
            while (next_big < static_cast<int64_t>(d.size()) && d[static_cast<std::size_t>(next_big)] == 1) ++next_big;
            if (a == next_big) {
                groups.back().push_back(a);
                continue;
            }
        }
        groups.push_back({a});
    }
    std::vector<std::size_t> order(groups.size());  // group ranks by input position
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return groups[a][0] < groups[b][0]; });
    bool identity = true;
    for (std::size_t i = 0; i < order.size(); ++i) identity = identity && order[i] == i;
    if (identity) return im.define(n, with_dims(x.tensor, out));
    if (groups.size() > 3) im.fail_node("a transpose of more than 3 moving axis groups is not supported");
    // Input view: the groups in input order, padded in front to 3 axes.
    std::vector<int64_t> in3, size3;
    const std::size_t pad = 3 - groups.size();
    for (std::size_t k = 0; k < pad; ++k) size3.push_back(1);
    for (std::size_t k : order) {
        int64_t s = 1;
        for (int64_t a : groups[k]) s *= d[static_cast<std::size_t>(a)];
        size3.push_back(s);
    }
    int p3[3];
    for (std::size_t k = 0; k < pad; ++k) p3[k] = static_cast<int>(k);
    for (std::size_t g = 0; g < groups.size(); ++g) {
        const auto pos = std::find(order.begin(), order.end(), g) - order.begin();
        p3[pad + g] = static_cast<int>(pad + static_cast<std::size_t>(pos));
    }
    const int t = view(im, x, shape3(im, size3[0], size3[1], size3[2]), name);
    im.define(n, with_dims(im.net().add_transpose(name, t, p3), out));
}

void slice_node(Importer& im, const onnx::NodeProto& n, const std::string& name) {
    const OnnxValue x = im.activation(n.input(0), "input");
    Dims d = dims_of(im, x);
    const Dims starts = im.int64s(im.constant(n, 1, "starts")), ends = im.int64s(im.constant(n, 2, "ends"));
    Dims axes = im.has_input(n, 3) ? im.int64s(im.constant(n, 3, "axes")) : Dims{};
    const Dims steps = im.has_input(n, 4) ? im.int64s(im.constant(n, 4, "steps")) : Dims{};
    if (axes.empty())
        for (std::size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
    if (ends.size() != starts.size() || axes.size() != starts.size()) im.fail_node("starts, ends and axes differ in length");
    OnnxValue cur = x;
    for (std::size_t k = 0; k < starts.size(); ++k) {
        if (!steps.empty() && steps[k] != 1) im.fail_node("only step 1 is supported");
        const auto a = static_cast<std::size_t>(norm_axis(im, axes[k], d.size()));
        const int64_t size = d[a];
        int64_t s = starts[k] < 0 ? starts[k] + size : starts[k], e = ends[k] < 0 ? ends[k] + size : ends[k];
        s = std::clamp<int64_t>(s, 0, size);
        e = std::clamp<int64_t>(e, 0, size);
        if (e <= s) im.fail_node("the slice of axis " + std::to_string(a) + " is empty");
        if (s == 0 && e == size) continue;
        // Along the last axis when the tensor has it last already; else on the {outer, axis, inner} view.
        const bool last = a + 1 == d.size() && im.net().shape(cur.tensor).w == d[a];
        const int t = last ? cur.tensor : view(im, cur, around_axis(im, d, a), name);
        d[a] = e - s;
        cur = with_dims(im.net().add_slice(name + (k ? "/" + std::to_string(k) : ""), t, last ? 2 : 1,
                                           static_cast<int>(s), static_cast<int>(e)),
                        d);
    }
    im.define(n, cur);
}

// Split: one Slice per output along the axis (sizes from the input (opset 13) or the
// attribute, else equal parts).
void split(Importer& im, const onnx::NodeProto& n, const std::string& name) {
    const OnnxValue x = im.activation(n.input(0), "input");
    Dims d = dims_of(im, x);
    const auto a = static_cast<std::size_t>(norm_axis(im, im.attr_i(n, "axis", 0), d.size()));
    Dims sizes = im.has_input(n, 1) ? im.int64s(im.constant(n, 1, "split")) : im.attr_ints(n, "split", {});
    if (sizes.empty()) {
        if (n.output_size() < 1 || d[a] % n.output_size() != 0) im.fail_node("cannot split axis " + std::to_string(a) + " equally");
        sizes.assign(static_cast<std::size_t>(n.output_size()), d[a] / n.output_size());
    }
    if (static_cast<int>(sizes.size()) != n.output_size() || product(sizes, 0, sizes.size()) <= 0)
        im.fail_node("split sizes " + onnx_dims_str(sizes) + " do not match the " + std::to_string(n.output_size()) + " outputs");
    const int t = view(im, x, around_axis(im, d, a), name);
    int64_t at = 0;
    for (std::size_t k = 0; k < sizes.size(); ++k) {
        if (sizes[k] <= 0 || at + sizes[k] > d[a]) im.fail_node("split sizes " + onnx_dims_str(sizes) + " exceed the axis");
        Dims dk = d;
        dk[a] = sizes[k];
        const int s = im.net().add_slice(name + "/" + std::to_string(k), t, 1, static_cast<int>(at), static_cast<int>(at + sizes[k]));
        im.define_output(n.output(static_cast<int>(k)), with_dims(s, dk));
        at += sizes[k];
    }
    if (at != d[a]) im.fail_node("split sizes " + onnx_dims_str(sizes) + " do not add up to " + std::to_string(d[a]));
}

void gather(Importer& im, const onnx::NodeProto& n, const std::string& name) {
    const OnnxValue x = im.activation(n.input(0), "data");
    const Dims d = dims_of(im, x);
    const auto a = static_cast<std::size_t>(norm_axis(im, im.attr_i(n, "axis", 0), d.size()));
    const onnx::TensorProto& it = im.constant(n, 1, "indices");
    const Dims idx_dims = im.dims(it);
    Dims idx = im.int64s(it);
    if (idx.empty()) im.fail_node("no indices");
    for (int64_t& i : idx) i = i < 0 ? i + d[a] : i;
    for (std::size_t k = 1; k < idx.size(); ++k)
        if (idx[k] != idx[k - 1] + 1) im.fail_node("only a contiguous range of indices is supported");
    if (idx.front() < 0 || idx.back() >= d[a]) im.fail_node("index out of range");
    Dims out(d.begin(), d.begin() + static_cast<long>(a));
    out.insert(out.end(), idx_dims.begin(), idx_dims.end());
    out.insert(out.end(), d.begin() + static_cast<long>(a) + 1, d.end());
    const int t = view(im, x, around_axis(im, d, a), name);
    const int s = idx.size() == static_cast<std::size_t>(d[a])
                      ? t
                      : im.net().add_slice(name, t, 1, static_cast<int>(idx.front()), static_cast<int>(idx.back() + 1));
    im.define(n, with_dims(s, out));
}

void concat(Importer& im, const onnx::NodeProto& n, const std::string& name) {
    std::vector<OnnxValue> in;
    for (int i = 0; i < n.input_size(); ++i)
        in.push_back(im.is_constant(n.input(i)) ? constant_value(im, n, i, name) : im.activation(n.input(i), "input"));
    Dims d = dims_of(im, in.front());
    const auto a = static_cast<std::size_t>(norm_axis(im, im.attr_i(n, "axis", 0), d.size()));
    std::vector<int> tensors;
    int64_t total = 0;
    for (const OnnxValue& v : in) {
        const Dims dv = dims_of(im, v);
        if (dv.size() != d.size()) im.fail_node("inputs of different ranks");
        tensors.push_back(view(im, v, around_axis(im, dv, a), name));
        total += dv[a];
    }
    d[a] = total;
    im.define(n, with_dims(im.net().add_concat_axis(name, tensors, 1), d));
}

// ---- arithmetic ----------------------------------------------------------------------

BinaryOp binary_op(const std::string& op) {
    if (op == "Sub") return BinaryOp::Sub;
    if (op == "Mul") return BinaryOp::Mul;
    if (op == "Div") return BinaryOp::Div;
    return BinaryOp::Add;
}

// Broadcast of a and b (dims right-aligned) as 3-D views: axes of size 1 in both
// dropped, adjacent axes with the same broadcast pattern merged.
struct Views {
    Shape a, b;
    Dims out;
};

Views broadcast_views(Importer& im, Dims a, Dims b, Shape a_now) {
    // Common cases without a Reshape: equal dims, a scalar, one value per last-axis entry.
    const std::size_t r0 = std::max(a.size(), b.size());
    Dims ra = a, rb = b;
    ra.insert(ra.begin(), r0 - ra.size(), 1);
    rb.insert(rb.begin(), r0 - rb.size(), 1);
    const int64_t nb = product(b, 0, b.size());
    if (ra == rb) return {a_now, a_now, ra};
    if (nb == 1 && product(a, 0, a.size()) > 1) return {a_now, Shape{1, 1, 1}, ra};
    if (!b.empty() && nb == b.back() && !a.empty() && b.back() == a.back() && a_now.w == a.back())
        return {a_now, shape3(im, 1, 1, nb), ra};
    const std::size_t r = std::max(a.size(), b.size());
    a.insert(a.begin(), r - a.size(), 1);
    b.insert(b.begin(), r - b.size(), 1);
    Views v;
    std::vector<int64_t> ga, gb;
    int last = -1;
    for (std::size_t i = 0; i < r; ++i) {
        if (a[i] != b[i] && a[i] != 1 && b[i] != 1)
            im.fail_node("dims " + onnx_dims_str(a) + " and " + onnx_dims_str(b) + " do not broadcast");
        v.out.push_back(std::max(a[i], b[i]));
        if (v.out.back() == 1) continue;
        const int pattern = (a[i] == 1 ? 1 : 0) + (b[i] == 1 ? 2 : 0);
        if (pattern == last) {
            ga.back() *= a[i];
            gb.back() *= b[i];
        } else {
            ga.push_back(a[i]);
            gb.push_back(b[i]);
            last = pattern;
        }
    }
    if (ga.size() > 3) im.fail_node("broadcasting over more than 3 axis groups is not supported");
    while (ga.size() < 3) {
        ga.insert(ga.begin(), 1);
        gb.insert(gb.begin(), 1);
    }
    v.a = shape3(im, ga[0], ga[1], ga[2]);
    v.b = shape3(im, gb[0], gb[1], gb[2]);
    return v;
}

// A constant bias of a Linear layer whose output only this node reads: folded into it.
bool fold_linear_bias(Importer& im, const onnx::NodeProto& n, const std::string& act, int const_index) {
    Layer* l = im.foldable_producer(act);
    if (!l || l->op != Op::Linear) return false;
    const onnx::TensorProto& ct = im.constant(n, const_index, "bias");
    const Dims cd = im.dims(ct);
    if (product(cd, 0, cd.size()) != l->cols || cd.empty() || cd.back() != l->cols) return false;
    const std::vector<float> c = im.floats(ct);
    for (int i = 0; i < l->cols; ++i) l->bias[static_cast<std::size_t>(i)] += c[static_cast<std::size_t>(i)];
    return true;
}

void binary(Importer& im, const onnx::NodeProto& n, const std::string& name) {
    if (n.input_size() != 2) im.fail_node("needs 2 inputs");
    const std::string& op = n.op_type();
    const bool c0 = im.is_constant(n.input(0)), c1 = im.is_constant(n.input(1));
    if (!c0 && !c1) {
        const OnnxValue a = im.activation(n.input(0), "input"), b = im.activation(n.input(1), "input");
        const Dims da = dims_of(im, a), db = dims_of(im, b);
        const Views v = da == db && im.net().shape(a.tensor) != im.net().shape(b.tensor)
                            ? Views{im.net().shape(a.tensor), im.net().shape(a.tensor), da}
                            : broadcast_views(im, da, db, im.net().shape(a.tensor));
        const int ta = view(im, a, v.a, name), tb = view(im, b, v.b, name);
        // Binary, not the CNN Add, even for equal shapes: the chip streams token tensors token
        // by token, which only the transformer ops' schedule knows.
        const int out = im.net().add_binary(name, binary_op(op), ta, tb);
        return im.define(n, with_dims(out, v.out));
    }
    const int ci = c0 ? 0 : 1;
    const OnnxValue x = im.activation(n.input(1 - ci), "input");
    if (op == "Add" && fold_linear_bias(im, n, n.input(1 - ci), ci)) return im.define(n, x);
    const onnx::TensorProto& ct = im.constant(n, ci, "operand");
    const Views v = broadcast_views(im, dims_of(im, x), im.dims(ct), im.net().shape(x.tensor));
    const int t = view(im, x, v.a, name);
    im.define(n, with_dims(im.net().add_binary_constant(name, binary_op(op), t, floats_of(im, n, ci, "operand"), v.b, c0), v.out));
}

// ---- weight layers and attention ----------------------------------------------------------

// x [..., K] times the constant W [K, N] (transposed [N, K] with trans_w): one MVM per token.
void linear(Importer& im, const onnx::NodeProto& n, const std::string& name, const OnnxValue& x, bool trans_w,
            float alpha, std::vector<float> bias) {
    const Dims d = dims_of(im, x);
    const onnx::TensorProto& wt = im.constant(n, 1, "weights");
    const Dims wd = im.dims(wt);
    if (wd.size() != 2) im.fail_node("weights must be 2-D, got " + onnx_dims_str(wd));
    const int64_t k = trans_w ? wd[1] : wd[0], cols = trans_w ? wd[0] : wd[1];
    if (k != d.back()) im.fail_node("weights " + onnx_dims_str(wd) + " do not fit the input " + onnx_dims_str(d));
    std::vector<float> w = im.floats(wt);
    if (trans_w) {
        std::vector<float> t(w.size());
        for (int64_t r = 0; r < k; ++r)
            for (int64_t c = 0; c < cols; ++c) t[static_cast<std::size_t>(r * cols + c)] = w[static_cast<std::size_t>(c * k + r)];
        w.swap(t);
    }
    for (float& v : w) v *= alpha;
    const Shape in = im.net().shape(x.tensor);
    const int t = in.w == k ? x.tensor : view(im, x, shape3(im, 1, product(d, 0, d.size() - 1), k), name);
    Dims out = d;
    out.back() = cols;
    im.define(n, with_dims(im.net().add_linear(name, t, to_int(im, cols, "output features"), std::move(w), std::move(bias)), out));
}

void matmul(Importer& im, const onnx::NodeProto& n, const std::string& name) {
    const OnnxValue a = im.activation(n.input(0), "input");
    if (im.is_constant(n.input(1))) return linear(im, n, name, a, false, 1.0F, {});
    const OnnxValue b = im.activation(n.input(1), "input");
    const Dims da = dims_of(im, a), db = dims_of(im, b);
    if (da.size() < 2 || db.size() < 2) im.fail_node("MatMul of two activations needs rank >= 2");
    const int64_t m = da[da.size() - 2], k = da.back(), nn = db.back();
    const int64_t ba = product(da, 0, da.size() - 2), bb = product(db, 0, db.size() - 2);
    if (db[db.size() - 2] != k || ba != bb)
        im.fail_node("MatMul of " + onnx_dims_str(da) + " and " + onnx_dims_str(db) + " (broadcast batch dims are not supported)");
    const int ta = view(im, a, shape3(im, ba, m, k), name), tb = view(im, b, shape3(im, bb, k, nn), name);
    Dims out = da;
    out.back() = nn;
    im.define(n, with_dims(im.net().add_matmul(name, ta, tb), out));
}

void gemm(Importer& im, const onnx::NodeProto& n, const std::string& name) {
    if (im.attr_i(n, "transA", 0) != 0) im.fail_node("transA=1 is not supported");
    const OnnxValue x = im.activation(n.input(0), "input");
    const Dims d = dims_of(im, x);
    std::vector<float> bias;
    const onnx::TensorProto& wt = im.constant(n, 1, "weights");
    const Dims wd = im.dims(wt);
    const bool trans = im.attr_i(n, "transB", 0) != 0;
    const int64_t cols = wd.size() == 2 ? (trans ? wd[0] : wd[1]) : 0;
    if (im.has_input(n, 2)) {
        const std::vector<float> c = floats_of(im, n, 2, "bias");
        if (c.size() != static_cast<std::size_t>(cols) && c.size() != 1) im.fail_node("bias must have one value per output");
        const float beta = im.attr_f(n, "beta", 1.0F);
        for (int64_t i = 0; i < cols; ++i) bias.push_back(beta * c[c.size() == 1 ? 0 : static_cast<std::size_t>(i)]);
    }
    if (d.size() != 2) im.fail_node("Gemm input must be 2-D, got " + onnx_dims_str(d));
    linear(im, n, name, x, trans, im.attr_f(n, "alpha", 1.0F), std::move(bias));
}

// The last axis of an activation is what SoftmaxLast and LayerNorm work on.
int last_axis_view(Importer& im, const OnnxValue& x, const std::string& name) {
    const Dims d = dims_of(im, x);
    if (im.net().shape(x.tensor).w == d.back()) return x.tensor;
    return view(im, x, shape3(im, 1, product(d, 0, d.size() - 1), d.back()), name);
}

void softmax(Importer& im, const onnx::NodeProto& n, const std::string& name) {
    const OnnxValue x = im.activation(n.input(0), "input");
    const Dims d = dims_of(im, x);
    if (im.opset() != 0 && im.opset() < 13 && d.size() > 2) im.fail_node("Softmax before opset 13 on rank > 2 is not supported");
    const auto axis = static_cast<std::size_t>(norm_axis(im, im.attr_i(n, "axis", -1), d.size()));
    if (axis == 0) im.fail_node("a softmax over the batch axis is not supported (samples run one by one)");
    if (axis + 1 == d.size()) {
        im.define(n, with_dims(im.net().add_softmax_last(name, last_axis_view(im, x, name)), d));
        return;
    }
    // Over an inner axis: seen as {outer, axis, inner}, that axis moved last, normalised there
    // and moved back.
    const int swap[3] = {0, 2, 1};
    const int around = view(im, x, around_axis(im, d, axis), name);
    const int last = im.net().add_transpose(name + "/to_last", around, swap);
    const int normalised = im.net().add_softmax_last(name + "/softmax", last);
    im.define(n, with_dims(im.net().add_transpose(name, normalised, swap), d));
}

void layer_norm_node(Importer& im, const onnx::NodeProto& n, const std::string& name) {
    const OnnxValue x = im.activation(n.input(0), "input");
    const Dims d = dims_of(im, x);
    if (norm_axis(im, im.attr_i(n, "axis", -1), d.size()) != static_cast<int64_t>(d.size()) - 1)
        im.fail_node("only a LayerNormalization over the last axis is supported");
    im.only_first_output(n);
    std::vector<float> gamma = floats_of(im, n, 1, "scale");
    std::vector<float> beta = im.has_input(n, 2) ? floats_of(im, n, 2, "B") : std::vector<float>(gamma.size(), 0.0F);
    im.define(n, with_dims(im.net().add_layer_norm(name, last_axis_view(im, x, name), std::move(gamma), std::move(beta),
                                                   im.attr_f(n, "epsilon", 1e-5F)),
                           d));
}

void gelu_node(Importer& im, const onnx::NodeProto& n, const std::string& name) {
    const OnnxValue x = im.activation(n.input(0), "input");
    const std::string approx = im.attr_s(n, "approximate", "none");
    if (approx != "none" && approx != "tanh") im.fail_node("approximate '" + approx + "' is not 'none' or 'tanh'");
    im.define(n, with_dims(im.net().add_gelu(name, x.tensor, approx == "tanh"), dims_of(im, x)));
}

// ---- dispatch -----------------------------------------------------------------------------

// Folds all-constant nodes; sends CNN values to the earlier handler; the rest to ours.
OnnxOpHandler family(OnnxOpHandler earlier, OnnxOpHandler ours, bool cnn_to_earlier = true) {
    return [earlier, ours, cnn_to_earlier](Importer& im, const onnx::NodeProto& n, const std::string& name) {
        if (all_inputs_constant(im, n) && can_fold(n.op_type())) return fold(im, n);
        if (earlier && cnn_to_earlier && !im.is_constant(n.input(0)) && is_cnn_value(im.activation(n.input(0), "input")))
            return earlier(im, n, name);
        if (!ours) im.fail_node("only constant inputs are supported (shape arithmetic)");
        ours(im, n, name);
    };
}

}  // namespace

std::map<int, OnnxFusion> transformer_fusions(const onnx::GraphProto& g) {
    std::map<std::string, const onnx::TensorProto*> consts;
    for (const auto& t : g.initializer()) consts[t.name()] = &t;
    for (const auto& n : g.node())
        if (n.op_type() == "Constant" && n.output_size() == 1)
            for (const auto& a : n.attribute())
                if (a.name() == "value" && a.has_t()) consts[n.output(0)] = &a.t();
    const OnnxConstantLookup lookup = [&consts](const std::string& name) -> std::optional<std::vector<float>> {
        auto it = consts.find(name);
        if (it == consts.end()) return std::nullopt;
        try {
            const FoldTensor t = fold_tensor(*it->second);
            return std::vector<float>(t.values.begin(), t.values.end());
        } catch (const InputError&) {
            return std::nullopt;
        }
    };
    return find_onnx_fusions(g, lookup);
}

void import_fusion(Importer& im, const OnnxFusion& f, const std::string& name) {
    const OnnxValue x = im.activation(f.input, "input");
    const Dims d = dims_of(im, x);
    int out = -1;
    if (f.kind == OnnxFusion::Kind::LayerNorm) {
        const auto values = [&](const std::string& c, float dflt) {
            if (c.empty()) return std::vector<float>(static_cast<std::size_t>(d.back()), dflt);
            std::vector<float> v = im.floats(*im.find_constant(c));
            if (v.size() == 1) v.assign(static_cast<std::size_t>(d.back()), v[0]);
            return v;
        };
        out = im.net().add_layer_norm(name, last_axis_view(im, x, name), values(f.gamma, 1.0F), values(f.beta, 0.0F), f.epsilon);
    } else {
        out = im.net().add_gelu(name, x.tensor, f.kind == OnnxFusion::Kind::GeluTanh);
    }
    im.define_output(f.output, with_dims(out, d));
}

void add_transformer_ops(OnnxOpTable& t) {
    const auto earlier = [&t](const char* op) {
        auto it = t.find(op);
        return it == t.end() ? OnnxOpHandler{} : it->second;
    };
    t["Shape"] = family({}, shape_node, false);
    t["Gather"] = family({}, gather, false);
    t["Transpose"] = family({}, transpose, false);
    t["Slice"] = family({}, slice_node, false);
    t["Split"] = split;
    for (const char* op : {"Unsqueeze", "Squeeze", "Cast", "Expand"})
        t[op] = family({}, [](Importer& im, const onnx::NodeProto& n, const std::string&) {
            const OnnxValue x = im.activation(n.input(0), "input");
            const Dims d = dims_of(im, x);
            const std::string& op = n.op_type();
            if (op == "Cast") {
                if (im.attr_i(n, "to", 1) != onnx::TensorProto_DataType_FLOAT) im.fail_node("only a cast to float of an activation is supported");
                return alias(im, n, x, d);
            }
            if (op == "Expand") {
                const Dims shape = im.int64s(im.constant(n, 1, "shape"));
                if (shape.size() > d.size()) im.fail_node("expanding an activation to a higher rank is not supported");
                for (std::size_t i = 0; i < shape.size(); ++i)
                    if (shape[i] != 1 && shape[i] != d[d.size() - shape.size() + i]) im.fail_node("expanding an activation is not supported");
                return alias(im, n, x, d);
            }
            FoldTensor probe;  // reuse the folder's axis logic on the dims alone
            probe.dims = d;
            probe.values.assign(static_cast<std::size_t>(product(d, 0, d.size())), 0.0);
            std::vector<FoldTensor> in{probe};
            std::vector<bool> present{true};
            if (im.has_input(n, 1)) {
                in.push_back(fold_tensor(im.constant(n, 1, "axes")));
                present.push_back(true);
            }
            alias(im, n, x, fold_node(n, in, present).dims);
        }, false);
    t["Reshape"] = [old = earlier("Reshape")](Importer& im, const onnx::NodeProto& n, const std::string& name) {
        if (all_inputs_constant(im, n)) return fold(im, n);
        const OnnxValue x = im.activation(n.input(0), "input");
        // A CNN value to rank 2 ([N, F]): the CNN handler's Flatten layer and messages, as before.
        if (is_cnn_value(x) && old && im.int64s(im.constant(n, 1, "shape")).size() == 2) return old(im, n, name);
        alias(im, n, x, reshape_target(im, n, dims_of(im, x)));
    };
    t["Flatten"] = [old = earlier("Flatten")](Importer& im, const onnx::NodeProto& n, const std::string& name) {
        const OnnxValue x = im.activation(n.input(0), "input");
        if (is_cnn_value(x) && old) return old(im, n, name);
        const Dims d = dims_of(im, x);
        const auto a = static_cast<std::size_t>(norm_axis(im, im.attr_i(n, "axis", 1), d.size() + 1));
        alias(im, n, x, {product(d, 0, a), product(d, a, d.size())});
    };
    t["Concat"] = [old = earlier("Concat")](Importer& im, const onnx::NodeProto& n, const std::string& name) {
        if (all_inputs_constant(im, n)) return fold(im, n);
        bool cnn = true;
        for (int i = 0; i < n.input_size(); ++i) cnn = cnn && !im.is_constant(n.input(i)) && is_cnn_value(im.activation(n.input(i), "input"));
        if (cnn && old) return old(im, n, name);
        concat(im, n, name);
    };
    for (const char* op : {"Add", "Sub", "Mul", "Div"}) {
        t[op] = [old = earlier(op)](Importer& im, const onnx::NodeProto& n, const std::string& name) {
            if (all_inputs_constant(im, n)) return fold(im, n);
            bool cnn = true;
            for (int i = 0; i < n.input_size(); ++i)
                if (!im.is_constant(n.input(i))) cnn = cnn && is_cnn_value(im.activation(n.input(i), "input"));
            if (cnn && old) return old(im, n, name);
            binary(im, n, name);
        };
    }
    for (const char* op : {"Pow", "Sqrt", "Neg", "Equal", "Where", "ConstantOfShape", "Range"}) t[op] = family({}, {}, false);
    t["MatMul"] = family(earlier("MatMul"), matmul);
    t["Gemm"] = [old = earlier("Gemm")](Importer& im, const onnx::NodeProto& n, const std::string& name) {
        const OnnxValue x = im.activation(n.input(0), "input");
        if (old && is_cnn_value(x)) return old(im, n, name);  // [N, F] of a CNN: a Dense layer, as before
        gemm(im, n, name);
    };
    t["Softmax"] = family(earlier("Softmax"), softmax);
    t["LayerNormalization"] = layer_norm_node;
    t["Gelu"] = gelu_node;
}

}  // namespace aimcsim
