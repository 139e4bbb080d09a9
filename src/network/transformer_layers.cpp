// Builders of the transformer ops (network.h, "Transformer ops"): each checks its
// operands' shapes, computes the output shape and appends the layer. Linear is built
// next to Dense in network.cpp (it shares the weight-matrix checks).
#include <algorithm>
#include <string>

#include "aimcsim/core/error.h"
#include "aimcsim/network.h"
#include "src/network/builder_support.h"

namespace aimcsim {

namespace {

using builder::fail;
using builder::new_layer;

int dim(const Shape& s, int axis) { return axis == 0 ? s.c : axis == 1 ? s.h : s.w; }

void set_dim(Shape& s, int axis, int v) { (axis == 0 ? s.c : axis == 1 ? s.h : s.w) = v; }

void check_axis(const std::string& layer, int axis) {
    if (axis < 0 || axis > 2) fail(layer, "axis " + std::to_string(axis) + " is not 0, 1 or 2");
}

}  // namespace

const char* binary_op_name(BinaryOp op) {
    switch (op) {
        case BinaryOp::Add: return "Add";
        case BinaryOp::Sub: return "Sub";
        case BinaryOp::Mul: return "Mul";
        case BinaryOp::Div: return "Div";
    }
    return "?";
}

Shape broadcast_shape(const std::string& layer, const Shape& a, const Shape& b) {
    Shape out;
    for (int axis = 0; axis < 3; ++axis) {
        const int da = dim(a, axis), db = dim(b, axis);
        if (da != db && da != 1 && db != 1)
            fail(layer, "shapes " + a.str() + " and " + b.str() + " do not broadcast (axis " + std::to_string(axis) +
                            ": " + std::to_string(da) + " vs " + std::to_string(db) + ")");
        set_dim(out, axis, std::max(da, db));
    }
    return out;
}

int Network::add_matmul(const std::string& layer, int a, int b) {
    check_tensor(layer, a);
    check_tensor(layer, b);
    const Shape sa = shape(a), sb = shape(b);
    if (sa.c != sb.c || sa.w != sb.h)
        fail(layer, "MatMul of " + sa.str() + " and " + sb.str() + " needs {B, M, K} and {B, K, N}");
    return add_layer(new_layer(layer, Op::MatMul, {a, b}), {sa.c, sa.h, sb.w});
}

int Network::add_transpose(const std::string& layer, int in, const int perm[3]) {
    check_tensor(layer, in);
    bool seen[3] = {false, false, false};
    for (int i = 0; i < 3; ++i) {
        check_axis(layer, perm[i]);
        if (seen[perm[i]]) fail(layer, "perm repeats axis " + std::to_string(perm[i]));
        seen[perm[i]] = true;
    }
    const Shape s = shape(in);
    Layer l = new_layer(layer, Op::Transpose, {in});
    std::copy(perm, perm + 3, l.perm);
    return add_layer(std::move(l), {dim(s, perm[0]), dim(s, perm[1]), dim(s, perm[2])});
}

int Network::add_reshape(const std::string& layer, int in, Shape to) {
    check_tensor(layer, in);
    if (to.c <= 0 || to.h <= 0 || to.w <= 0 || to.size() != shape(in).size())
        fail(layer, "cannot reshape " + shape(in).str() + " to " + to.str());
    return add_layer(new_layer(layer, Op::Reshape, {in}), to);
}

int Network::add_slice(const std::string& layer, int in, int axis, int begin, int end) {
    check_tensor(layer, in);
    check_axis(layer, axis);
    Shape s = shape(in);
    if (begin < 0 || end > dim(s, axis) || begin >= end)
        fail(layer, "slice [" + std::to_string(begin) + ", " + std::to_string(end) + ") of axis " +
                        std::to_string(axis) + " of " + s.str() + " is empty or outside");
    Layer l = new_layer(layer, Op::Slice, {in});
    l.axis = axis;
    l.begin = begin;
    l.end = end;
    set_dim(s, axis, end - begin);
    return add_layer(std::move(l), s);
}

int Network::add_concat_axis(const std::string& layer, const std::vector<int>& inputs, int axis) {
    check_axis(layer, axis);
    if (inputs.empty()) fail(layer, "Concat needs at least one input");
    for (int t : inputs) check_tensor(layer, t);
    Shape out = shape(inputs.front());
    int total = 0;
    for (int t : inputs) {
        Shape s = shape(t);
        total += dim(s, axis);
        set_dim(s, axis, dim(out, axis));
        if (s != out)
            fail(layer, "Concat along axis " + std::to_string(axis) + " of " + shape(inputs.front()).str() + " and " +
                            shape(t).str() + ": the other axes differ");
    }
    set_dim(out, axis, total);
    Layer l = new_layer(layer, Op::ConcatAxis, inputs);
    l.axis = axis;
    return add_layer(std::move(l), out);
}

int Network::add_layer_norm(const std::string& layer, int in, std::vector<float> gamma, std::vector<float> beta,
                            float epsilon) {
    check_tensor(layer, in);
    const Shape s = shape(in);
    if (gamma.size() != static_cast<std::size_t>(s.w) || beta.size() != static_cast<std::size_t>(s.w))
        fail(layer, "LayerNorm over the last axis of " + s.str() + " needs " + std::to_string(s.w) +
                        " scale and shift values, got " + std::to_string(gamma.size()) + " and " +
                        std::to_string(beta.size()));
    if (!(epsilon >= 0.0F)) fail(layer, "LayerNorm epsilon must not be negative");
    Layer l = new_layer(layer, Op::LayerNorm, {in});
    l.gamma = std::move(gamma);
    l.beta = std::move(beta);
    l.epsilon = epsilon;
    return add_layer(std::move(l), s);
}

int Network::add_gelu(const std::string& layer, int in, bool tanh_approximation) {
    check_tensor(layer, in);
    Layer l = new_layer(layer, Op::Gelu, {in});
    l.gelu_tanh = tanh_approximation;
    const Shape s = shape(in);
    return add_layer(std::move(l), s);
}

int Network::add_softmax_last(const std::string& layer, int in) {
    check_tensor(layer, in);
    const Shape s = shape(in);
    return add_layer(new_layer(layer, Op::SoftmaxLast, {in}), s);
}

int Network::add_binary(const std::string& layer, BinaryOp op, int a, int b) {
    check_tensor(layer, a);
    check_tensor(layer, b);
    const Shape out = broadcast_shape(layer, shape(a), shape(b));
    Layer l = new_layer(layer, Op::Binary, {a, b});
    l.binary = op;
    return add_layer(std::move(l), out);
}

int Network::add_binary_constant(const std::string& layer, BinaryOp op, int in, std::vector<float> constant,
                                 Shape constant_shape, bool constant_first) {
    check_tensor(layer, in);
    if (constant.size() != constant_shape.size() || constant.empty())
        fail(layer, "the constant has " + std::to_string(constant.size()) + " values, its shape " +
                        constant_shape.str() + " needs " + std::to_string(constant_shape.size()));
    const Shape out = broadcast_shape(layer, shape(in), constant_shape);
    Layer l = new_layer(layer, Op::Binary, {in});
    l.binary = op;
    l.constant = std::move(constant);
    l.constant_shape = constant_shape;
    l.constant_first = constant_first;
    return add_layer(std::move(l), out);
}

int Network::add_constant(const std::string& layer, std::vector<float> values, Shape s) {
    if (input < 0) fail(layer, "a Constant needs the network input first (it orders the constant)");
    if (values.size() != s.size())
        fail(layer, "the constant has " + std::to_string(values.size()) + " values, shape " + s.str() + " needs " +
                        std::to_string(s.size()));
    Layer l = new_layer(layer, Op::Constant, {input});
    l.constant = std::move(values);
    l.constant_shape = s;
    return add_layer(std::move(l), s);
}

}  // namespace aimcsim
