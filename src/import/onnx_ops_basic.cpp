// The basic op handlers of the ONNX importer (onnx_importer.h): the ops of plain
// CNNs and MLPs (Conv, also grouped; Gemm/MatMul with constant weights; Relu;
// pooling; residual Add; bias Add and BatchNormalization folded into their weight
// layer; Softmax; Flatten and the flattening Reshape) and the pass-throughs.
#include <algorithm>
#include <cmath>

#include "src/import/onnx_importer.h"

namespace aimcsim {

namespace {

// Checks that a Softmax normalises over what Network::add_softmax does: the
// features of [1, N], or the channels of NCHW at each pixel.
void check_softmax_axis(Importer& im, const onnx::NodeProto& n, const OnnxValue& x) {
    const bool has_axis = im.attr(n, "axis", onnx::AttributeProto_AttributeType_INT) != nullptr;
    if (!has_axis && im.opset() == 0 && x.rank != 2)
        im.fail_node("the model declares no ai.onnx opset, so the default axis is unknown; give the axis");
    // Opset 13 made the default -1; before it, 1 (with the input coerced to 2-D at the axis).
    const bool coerce_2d = im.opset() != 0 && im.opset() < 13;
    const int64_t given = im.attr_i(n, "axis", coerce_2d ? 1 : -1);
    if (given < -x.rank || given >= x.rank)
        im.fail_node("axis " + std::to_string(given) + " is out of range for a rank-" + std::to_string(x.rank) +
                  " input");
    const int64_t axis = given < 0 ? given + x.rank : given;
    const Shape s = im.net().shape(x.tensor);
    const bool over_features = axis == 1 && (x.rank == 2 || !coerce_2d || s.h * s.w == 1);
    if (over_features) return;
    const std::string what = x.rank == 2 ? "the features [1, N] (axis 1 or -1)" : "the channels of NCHW (axis 1)";
    if (axis == 1)  // opset < 13 on a spatial tensor: one softmax over C*H*W together
        im.fail_node("at opset " + std::to_string(im.opset()) + ", axis 1 means one softmax over all of C*H*W = " +
                  s.str() + ", which is not supported; add a Flatten before it (a softmax over [1, N])");
    im.fail_node("axis " + std::to_string(given) + " is not supported; only softmax over " + what);
}

// Identity, Dropout: the output is the input (resolved through alias_).
void pass_through(Importer& im, const onnx::NodeProto& n, const std::string& /*name*/) {
    im.only_first_output(n);
    if (n.output_size() < 1) im.fail_node("has no output");
    if (!im.is_constant(n.input(0))) (void)im.activation(n.input(0), "input");  // must exist
}

// Constant: a tensor later nodes read as weights or shapes.
void constant_node(Importer& im, const onnx::NodeProto& n, const std::string& /*name*/) {
    const auto* a = im.attr(n, "value", onnx::AttributeProto_AttributeType_TENSOR);
    if (!a) im.fail_node("only the 'value' (tensor) form of Constant is supported");
    if (n.output_size() < 1 || n.output(0).empty()) im.fail_node("has no output");
    im.add_constant(n.output(0), a->t());
}

// Conv: a weight layer, [cout][cin/group][kh][kw] into the crossbar matrix [(cin/group, kh, kw)][cout].
void conv(Importer& im, const onnx::NodeProto& n, const std::string& name) {
    const OnnxValue x = im.activation(n.input(0), "input");
    if (x.rank != 4) im.fail_node("input must be NCHW");
    const Shape in = im.net().shape(x.tensor);
    const int64_t group = im.attr_i(n, "group", 1);
    if (group < 1 || group > in.c || in.c % group != 0)
        im.fail_node("group " + std::to_string(group) + " does not divide the " + std::to_string(in.c) +
                     " input channels");
    const auto& wt = im.constant(n, 1, "weights");
    const auto wd = im.dims(wt);
    if (wd.size() != 4) im.fail_node("weights must be [cout, cin, kh, kw], got " + onnx_dims_str(wd));
    if (wd[1] * group != in.c)
        im.fail_node("weights expect " + std::to_string(wd[1]) + " input channels per group (group " +
                     std::to_string(group) + ") but the input is " + in.str());
    if (wd[0] % group != 0)
        im.fail_node("group " + std::to_string(group) + " does not divide the " + std::to_string(wd[0]) +
                     " output channels");
    const auto kernel = im.attr_ints(n, "kernel_shape", {wd[2], wd[3]});
    if (kernel != std::vector<int64_t>{wd[2], wd[3]})
        im.fail_node("kernel_shape " + onnx_dims_str(kernel) + " does not match the weights " + onnx_dims_str(wd));
    const Window win = im.window(n, in, kernel);
    const int cout = static_cast<int>(wd[0]), cin = static_cast<int>(wd[1]);
    const int kh = static_cast<int>(wd[2]), kw = static_cast<int>(wd[3]);
    const std::vector<float> w = im.floats(wt);
    // ONNX stores [cout][cin/group][kh][kw]; the crossbar matrix is [(cin/group, kh, kw)][cout].
    std::vector<float> m(w.size());
    for (int co = 0; co < cout; ++co)
        for (int r = 0; r < cin * kh * kw; ++r)
            m[static_cast<std::size_t>(r) * cout + co] = w[static_cast<std::size_t>(co) * cin * kh * kw + r];
    std::vector<float> b = im.has_input(n, 2) ? im.floats(im.constant(n, 2, "bias")) : std::vector<float>{};
    im.define(n, {im.net().add_grouped_conv(name, x.tensor, cout, static_cast<int>(group), win, std::move(m), std::move(b)),
                  4});
}

// Gemm, MatMul with a constant weight: a dense weight layer.
void dense(Importer& im, const onnx::NodeProto& n, const std::string& name) {
    const std::string& op = n.op_type();
    const OnnxValue x = im.activation(n.input(0), "input");
    if (x.rank != 2) im.fail_node("input must be 2-D [N, features]; add a Flatten before it");
    if (op == "Gemm" && im.attr_i(n, "transA", 0) != 0) im.fail_node("transA=1 is not supported");
    const bool trans_b = op == "Gemm" && im.attr_i(n, "transB", 0) != 0;
    const auto& wt = im.constant(n, 1, "weights");
    const auto wd = im.dims(wt);
    if (wd.size() != 2) im.fail_node("weights must be 2-D, got " + onnx_dims_str(wd));
    const int64_t k = trans_b ? wd[1] : wd[0], cols = trans_b ? wd[0] : wd[1];
    const int64_t features = static_cast<int64_t>(im.net().shape(x.tensor).size());
    if (k != features)
        im.fail_node("weights " + onnx_dims_str(wd) + (trans_b ? " (transB)" : "") + " expect " + std::to_string(k) +
                  " input features but the input has " + std::to_string(features));
    std::vector<float> w = im.floats(wt);
    if (trans_b) {
        std::vector<float> t(w.size());
        for (int64_t r = 0; r < k; ++r)
            for (int64_t c = 0; c < cols; ++c) t[r * cols + c] = w[c * k + r];
        w.swap(t);
    }
    std::vector<float> b(static_cast<std::size_t>(cols), 0.0f);
    if (op == "Gemm") {
        const float alpha = im.attr_f(n, "alpha", 1.0f), beta = im.attr_f(n, "beta", 1.0f);
        for (float& v : w) v *= alpha;
        if (im.has_input(n, 2)) {
            const std::vector<float> c = im.floats(im.constant(n, 2, "bias"));
            if (c.size() != b.size() && c.size() != 1)
                im.fail_node("bias has " + std::to_string(c.size()) + " values, expected " + std::to_string(cols));
            for (std::size_t i = 0; i < b.size(); ++i) b[i] = beta * c[c.size() == 1 ? 0 : i];
        }
    }
    im.define(n, {im.net().add_dense(name, x.tensor, static_cast<int>(cols), std::move(w), std::move(b)), 2});
}

// Add: a residual add of two activations, or a bias folded into its weight layer.
void add(Importer& im, const onnx::NodeProto& n, const std::string& name) {
    if (n.input_size() != 2) im.fail_node("needs 2 inputs");
    const bool c0 = im.is_constant(n.input(0)), c1 = im.is_constant(n.input(1));
    if (c0 && c1) im.fail_node("adds two constants; fold them before export");
    if (!c0 && !c1) {
        const OnnxValue a = im.activation(n.input(0), "input"), b = im.activation(n.input(1), "input");
        im.define(n, {im.net().add_add(name, a.tensor, b.tensor), a.rank});
        return;
    }
    // Activation + constant: only as the bias of the weight layer that produced it.
    const std::string& act = n.input(c0 ? 1 : 0);
    const OnnxValue x = im.activation(act, "input");
    Layer* l = im.foldable_producer(act);
    if (!l)
        im.fail_node("adds a constant to '" + act +
                  "'; this is only supported as the bias of a directly preceding Conv/Gemm/MatMul");
    const auto& ct = im.constant(n, c0 ? 0 : 1, "bias");
    const auto cd = im.dims(ct);
    const std::vector<float> c = im.floats(ct);
    // Broadcasting must add one value per output channel, e.g. [C] on [N,C], [C,1,1] on NCHW.
    const auto n_ = static_cast<int64_t>(l->cols);
    const bool per_channel =
        c.size() == 1 || (x.rank == 2 && (cd == std::vector<int64_t>{n_} || cd == std::vector<int64_t>{1, n_})) ||
        (x.rank == 4 && (cd == std::vector<int64_t>{n_, 1, 1} || cd == std::vector<int64_t>{1, n_, 1, 1}));
    if (!per_channel)
        im.fail_node("bias shape " + onnx_dims_str(cd) + " does not add one value per output channel of '" + l->name + "'");
    for (int i = 0; i < l->cols; ++i) l->bias[i] += c[c.size() == 1 ? 0 : i];
    im.define(n, x);
}

// BatchNormalization: folded into the preceding weight layer where that layer's
// output feeds nothing else; anywhere else (pre-activation ResNets, after a Concat)
// a channel-wise affine y = a[c] x + b[c] on the digital units.
void batch_norm(Importer& im, const onnx::NodeProto& n, const std::string& name) {
    im.only_first_output(n);
    if (im.attr_i(n, "training_mode", 0) != 0) im.fail_node("training_mode=1 is not supported");
    const auto gamma = im.floats(im.constant(n, 1, "scale")), beta = im.floats(im.constant(n, 2, "B"));
    const auto mean = im.floats(im.constant(n, 3, "mean")), var = im.floats(im.constant(n, 4, "var"));
    const float eps = im.attr_f(n, "epsilon", 1e-5f);
    if (Layer* l = im.foldable_producer(n.input(0)); l && !l->weights.empty() && l->op != Op::Lstm) {
        fold_batch_norm(*l, gamma, beta, mean, var, eps);
        im.define(n, im.activation(n.input(0), "input"));
        return;
    }
    const OnnxValue x = im.activation(n.input(0), "input");
    const auto c = static_cast<std::size_t>(im.net().shape(x.tensor).c);
    if (gamma.size() != c || beta.size() != c || mean.size() != c || var.size() != c)
        im.fail_node("scale, B, mean and var must have one value per channel (" + std::to_string(c) + ")");
    std::vector<float> a(c), b(c);
    for (std::size_t i = 0; i < c; ++i) {
        if (!(var[i] + eps > 0.0f)) im.fail_node("variance + epsilon must be positive");
        a[i] = gamma[i] / std::sqrt(var[i] + eps);
        b[i] = beta[i] - mean[i] * a[i];
    }
    im.define(n, {im.net().add_channel_affine(name, x.tensor, std::move(a), std::move(b)), x.rank});
}

// Relu.
void relu(Importer& im, const onnx::NodeProto& n, const std::string& name) {
    const OnnxValue x = im.activation(n.input(0), "input");
    im.define(n, {im.net().add_relu(name, x.tensor), x.rank});
}

// MaxPool, AveragePool.
void pool(Importer& im, const onnx::NodeProto& n, const std::string& name) {
    const std::string& op = n.op_type();
    im.only_first_output(n);
    const OnnxValue x = im.activation(n.input(0), "input");
    if (x.rank != 4) im.fail_node("input must be NCHW");
    if (im.attr_i(n, "ceil_mode", 0) != 0) im.fail_node("ceil_mode=1 is not supported");
    if (im.attr_i(n, "storage_order", 0) != 0) im.fail_node("storage_order=1 is not supported");
    const auto kernel = im.attr_ints(n, "kernel_shape", {});
    Window win = im.window(n, im.net().shape(x.tensor), kernel);
    win.count_include_pad = op == "AveragePool" && im.attr_i(n, "count_include_pad", 0) != 0;
    im.define(n, {im.net().add_pool(name, op == "MaxPool" ? Op::MaxPool : Op::AvgPool, x.tensor, win), 4});
}

// Softmax over the features.
void softmax(Importer& im, const onnx::NodeProto& n, const std::string& name) {
    const OnnxValue x = im.activation(n.input(0), "input");
    check_softmax_axis(im, n, x);
    im.define(n, {im.net().add_softmax(name, x.tensor), x.rank});
}

// GlobalAveragePool.
void global_avg_pool(Importer& im, const onnx::NodeProto& n, const std::string& name) {
    const OnnxValue x = im.activation(n.input(0), "input");
    if (x.rank != 4) im.fail_node("input must be NCHW");
    im.define(n, {im.net().add_global_avg_pool(name, x.tensor), 4});
}

// Flatten (axis 1: keep the batch).
void flatten(Importer& im, const onnx::NodeProto& n, const std::string& name) {
    const OnnxValue x = im.activation(n.input(0), "input");
    const int64_t axis = im.attr_i(n, "axis", 1);
    if (axis != 1) im.fail_node("axis " + std::to_string(axis) + " is not supported (only 1: keep the batch)");
    im.define(n, x.rank == 2 ? x : OnnxValue{im.net().add_flatten(name, x.tensor), 2});
}

// Reshape: only a flatten to [batch, features] (the batch the input declares; -1
// or 0 for it also do).
void reshape(Importer& im, const onnx::NodeProto& n, const std::string& name) {
    const OnnxValue x = im.activation(n.input(0), "input");
    const Shape s = im.net().shape(x.tensor);
    // Resolve the target against the full input dims, batch included (1 if symbolic:
    // a target that names a batch of 1 only fits a batch of 1).
    const int64_t batch = std::max(1, im.net().declared_batch);
    const std::vector<int64_t> in_dims =
        x.rank == 4 ? std::vector<int64_t>{batch, s.c, s.h, s.w} : std::vector<int64_t>{batch, s.c};
    std::vector<int64_t> to = im.int64s(im.constant(n, 1, "shape"));
    const int64_t features = static_cast<int64_t>(s.size());
    const int64_t total = batch * features;
    int64_t known = 1;
    int infer = -1;
    for (std::size_t i = 0; i < to.size(); ++i) {
        if (to[i] == 0 && i < in_dims.size()) to[i] = in_dims[i];
        if (to[i] == -1 && infer < 0)
            infer = static_cast<int>(i);
        else if (to[i] <= 0)
            im.fail_node("bad target shape " + onnx_dims_str(to));
        else if (to[i] > total / known)  // checked before multiplying: fuzzed dims overflow int64
            im.fail_node("target shape " + onnx_dims_str(to) + " has more elements than " + onnx_dims_str(in_dims));
        else
            known *= to[i];
    }
    if (infer >= 0) to[infer] = total % known == 0 ? total / known : -1;
    if (to.size() != 2 || to[0] != batch || to[1] != features)
        im.fail_node("Reshape of " + onnx_dims_str(in_dims) + " to " + onnx_dims_str(to) +
                  " is not supported; only a flatten to [" + std::to_string(batch) + ", " +
                  std::to_string(features) + "]");
    im.define(n, x.rank == 2 ? x : OnnxValue{im.net().add_flatten(name, x.tensor), 2});
}

}  // namespace

void add_basic_ops(OnnxOpTable& table) {
    table["Identity"] = pass_through;
    table["Dropout"] = pass_through;
    table["Constant"] = constant_node;
    table["Conv"] = conv;
    table["Gemm"] = dense;
    table["MatMul"] = dense;
    table["Add"] = add;
    table["BatchNormalization"] = batch_norm;
    table["Relu"] = relu;
    table["MaxPool"] = pool;
    table["AveragePool"] = pool;
    table["Softmax"] = softmax;
    table["GlobalAveragePool"] = global_avg_pool;
    table["Flatten"] = flatten;
    table["Reshape"] = reshape;
}

}  // namespace aimcsim
