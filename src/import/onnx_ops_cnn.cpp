// The ONNX op handlers for CNNs beyond the basic ones (onnx_importer.h): the
// activations of MobileNets and friends (Sigmoid, Tanh, HardSigmoid, HardSwish,
// LeakyRelu, Clip/ReLU6), Concat along the channels, constant Pad, and
// nearest-neighbour Resize/Upsample.
#include <algorithm>
#include <cmath>
#include <limits>

#include "src/import/onnx_importer.h"

namespace aimcsim {

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

void add_unary_node(Importer& im, const onnx::NodeProto& n, const std::string& name, Unary fn) {
    const OnnxValue x = im.activation(n.input(0), "input");
    im.define(n, {im.net().add_unary(name, x.tensor, fn), x.rank});
}

// A scalar float constant input (Clip's min and max), or `dflt` when not given.
float scalar_input(Importer& im, const onnx::NodeProto& n, int i, const std::string& role, float dflt) {
    if (!im.has_input(n, i)) return dflt;
    const std::vector<float> v = im.floats(im.constant(n, i, role));
    if (v.size() != 1) im.fail_node(role + " must be a scalar, got " + std::to_string(v.size()) + " values");
    return v[0];
}

void sigmoid(Importer& im, const onnx::NodeProto& n, const std::string& name) {
    add_unary_node(im, n, name, {UnaryKind::Sigmoid, 0.0f, 0.0f});
}
void tanh_node(Importer& im, const onnx::NodeProto& n, const std::string& name) {
    add_unary_node(im, n, name, {UnaryKind::Tanh, 0.0f, 0.0f});
}
void hard_sigmoid(Importer& im, const onnx::NodeProto& n, const std::string& name) {
    add_unary_node(im, n, name, {UnaryKind::HardSigmoid, im.attr_f(n, "alpha", 0.2f), im.attr_f(n, "beta", 0.5f)});
}
void hard_swish(Importer& im, const onnx::NodeProto& n, const std::string& name) {
    add_unary_node(im, n, name, {UnaryKind::HardSwish, 0.0f, 0.0f});
}
void leaky_relu(Importer& im, const onnx::NodeProto& n, const std::string& name) {
    add_unary_node(im, n, name, {UnaryKind::LeakyRelu, im.attr_f(n, "alpha", 0.01f), 0.0f});
}

// Clip: bounds as attributes before opset 11, as optional scalar inputs from it on.
void clip(Importer& im, const onnx::NodeProto& n, const std::string& name) {
    float lo = -kInf, hi = kInf;
    if (im.opset() != 0 && im.opset() < 11) {
        lo = im.attr_f(n, "min", -kInf);
        hi = im.attr_f(n, "max", kInf);
    } else {
        lo = scalar_input(im, n, 1, "min", -kInf);
        hi = scalar_input(im, n, 2, "max", kInf);
    }
    add_unary_node(im, n, name, {UnaryKind::Clip, lo, hi});
}

// Concat along the channels of NCHW (axis 1 or -3) or the features of [N, F] (axis 1 or -1).
void concat(Importer& im, const onnx::NodeProto& n, const std::string& name) {
    const OnnxValue first = im.activation(n.input(0), "input");
    int64_t axis = im.attr_i(n, "axis", 1);
    if (axis < 0) axis += first.rank;
    if (axis != 1)
        im.fail_node("axis " + std::to_string(im.attr_i(n, "axis", 1)) +
                     " is not supported; only the channels (axis 1) of a rank-" + std::to_string(first.rank) +
                     " input");
    std::vector<int> ins;
    for (int i = 0; i < n.input_size(); ++i) {
        const OnnxValue v = im.activation(n.input(i), "input " + std::to_string(i));
        if (v.rank != first.rank) im.fail_node("inputs have different ranks");
        ins.push_back(v.tensor);
    }
    im.define(n, {im.net().add_concat(name, ins), first.rank});
}

// Pad: constant mode on H and W of NCHW; pads as an attribute before opset 11, as a
// constant input from it on ([n, c, h, w begins, then ends], or only the `axes` given).
void pad(Importer& im, const onnx::NodeProto& n, const std::string& name) {
    const OnnxValue x = im.activation(n.input(0), "input");
    if (x.rank != 4) im.fail_node("input must be NCHW");
    const std::string mode = im.attr_s(n, "mode", "constant");
    if (mode != "constant") im.fail_node("mode '" + mode + "' is not supported (only constant)");
    std::vector<int64_t> pads;
    float value = 0.0f;
    const bool as_inputs = im.opset() == 0 || im.opset() >= 11;
    if (as_inputs) {
        pads = im.int64s(im.constant(n, 1, "pads"));
        value = scalar_input(im, n, 2, "constant_value", 0.0f);
    } else {
        pads = im.attr_ints(n, "pads", {});
        value = im.attr_f(n, "value", 0.0f);
    }
    std::vector<int64_t> full(8, 0);
    if (as_inputs && im.has_input(n, 3)) {  // opset 18: pads for the listed axes only
        const std::vector<int64_t> axes = im.int64s(im.constant(n, 3, "axes"));
        if (pads.size() != 2 * axes.size())
            im.fail_node("pads " + onnx_dims_str(pads) + " need 2 values per axis of " + onnx_dims_str(axes));
        for (std::size_t i = 0; i < axes.size(); ++i) {
            const int64_t a = axes[i] < 0 ? axes[i] + 4 : axes[i];
            if (a < 0 || a >= 4) im.fail_node("axis " + std::to_string(axes[i]) + " is out of range");
            full[a] = pads[i];
            full[a + 4] = pads[i + axes.size()];
        }
    } else {
        if (pads.size() != 8) im.fail_node("pads must have 8 values for NCHW, got " + onnx_dims_str(pads));
        full = pads;
    }
    if (full[0] || full[1] || full[4] || full[5]) im.fail_node("only H and W may be padded, got " + onnx_dims_str(full));
    for (int64_t p : full)
        if (p < 0) im.fail_node("negative pads (cropping) are not supported, got " + onnx_dims_str(full));
    Window w;
    w.pad_top = im.small_int(full[2], "pad");
    w.pad_left = im.small_int(full[3], "pad");
    w.pad_bottom = im.small_int(full[6], "pad");
    w.pad_right = im.small_int(full[7], "pad");
    im.define(n, {im.net().add_pad(name, x.tensor, w, value), 4});
}

// The input index each output index of one axis reads, as ONNX Resize (mode nearest)
// defines it: the output coordinate mapped back by the coordinate transformation,
// then rounded by the nearest mode and clamped to the input.
std::vector<int> nearest_sources(Importer& im, int in, int out, double scale, const std::string& transform,
                                 const std::string& rounding) {
    std::vector<int> src(static_cast<std::size_t>(out));
    for (int o = 0; o < out; ++o) {
        double x = 0.0;
        if (transform == "half_pixel")
            x = (o + 0.5) / scale - 0.5;
        else if (transform == "pytorch_half_pixel")
            x = out > 1 ? (o + 0.5) / scale - 0.5 : 0.0;
        else if (transform == "align_corners")
            x = out == 1 ? 0.0 : o * static_cast<double>(in - 1) / (out - 1);
        else if (transform == "asymmetric")
            x = o / scale;
        else if (transform == "tf_half_pixel_for_nn")
            x = (o + 0.5) / scale;
        else
            im.fail_node("coordinate_transformation_mode '" + transform + "' is not supported");
        double r = 0.0;
        if (rounding == "round_prefer_floor")
            r = x == std::floor(x) + 0.5 ? std::floor(x) : std::round(x);
        else if (rounding == "round_prefer_ceil")
            r = std::round(x);
        else if (rounding == "floor")
            r = std::floor(x);
        else if (rounding == "ceil")
            r = std::ceil(x);
        else if (rounding == "simple")  // Upsample and Resize-10: floor when enlarging, ceil when shrinking
            r = scale >= 1.0 ? std::floor(x) : std::ceil(x);
        else
            im.fail_node("nearest_mode '" + rounding + "' is not supported");
        src[static_cast<std::size_t>(o)] = static_cast<int>(std::clamp(r, 0.0, static_cast<double>(in - 1)));
    }
    return src;
}

// Resize (opset 10: X, scales; 11+: X, roi, scales, sizes) and Upsample (scales as an
// attribute at opset 7, an input from 9), mode nearest, scaling H and W only.
void resize(Importer& im, const onnx::NodeProto& n, const std::string& name) {
    const OnnxValue x = im.activation(n.input(0), "input");
    if (x.rank != 4) im.fail_node("input must be NCHW");
    const Shape s = im.net().shape(x.tensor);
    const std::string mode = im.attr_s(n, "mode", "nearest");
    if (mode != "nearest") im.fail_node("mode '" + mode + "' is not supported (only nearest)");
    const bool upsample = n.op_type() == "Upsample";
    const bool v10 = upsample || (im.opset() != 0 && im.opset() < 11);
    std::string transform = v10 ? "asymmetric" : im.attr_s(n, "coordinate_transformation_mode", "half_pixel");
    std::string rounding = v10 ? "simple" : im.attr_s(n, "nearest_mode", "round_prefer_floor");
    if (!v10 && im.has_input(n, 4)) im.fail_node("the axes input is not supported");
    if (!v10 && im.attr_i(n, "exclude_outside", 0) != 0) im.fail_node("exclude_outside=1 is not supported");
    std::vector<float> scales;
    std::vector<int64_t> sizes;
    if (upsample && !im.has_input(n, 1))
        scales = im.attr_floats(n, "scales", {});
    else if (v10)
        scales = im.floats(im.constant(n, 1, "scales"));
    else if (im.has_input(n, 3))
        sizes = im.int64s(im.constant(n, 3, "sizes"));
    else
        scales = im.floats(im.constant(n, 2, "scales"));
    if (scales.empty() && sizes.empty()) im.fail_node("needs scales or sizes");
    const std::size_t count = scales.empty() ? sizes.size() : scales.size();
    if (count != 4) im.fail_node("scales/sizes must have 4 values (NCHW), got " + std::to_string(count));
    const int64_t in_dims[4] = {1, s.c, s.h, s.w};
    int64_t out_dims[4];
    double scale[4];
    for (int a = 0; a < 4; ++a) {
        if (sizes.empty()) {
            if (!(scales[a] > 0.0f)) im.fail_node("scales must be positive");
            scale[a] = scales[a];
            out_dims[a] = static_cast<int64_t>(std::floor(in_dims[a] * static_cast<double>(scales[a])));
        } else {
            out_dims[a] = sizes[a];
            scale[a] = static_cast<double>(sizes[a]) / static_cast<double>(in_dims[a]);
        }
    }
    if (scale[0] != 1.0 || scale[1] != 1.0) im.fail_node("only H and W may be resized (N and C scales must be 1)");
    const int oh = im.small_int(out_dims[2], "output height"), ow = im.small_int(out_dims[3], "output width");
    if (oh < 1 || ow < 1) im.fail_node("the output would be empty");
    std::vector<int> src_h = nearest_sources(im, s.h, oh, scale[2], transform, rounding);
    std::vector<int> src_w = nearest_sources(im, s.w, ow, scale[3], transform, rounding);
    im.define(n, {im.net().add_resize_nearest(name, x.tensor, std::move(src_h), std::move(src_w)), 4});
}

}  // namespace

void add_cnn_ops(OnnxOpTable& table) {
    table["Sigmoid"] = sigmoid;
    table["Tanh"] = tanh_node;
    table["HardSigmoid"] = hard_sigmoid;
    table["HardSwish"] = hard_swish;
    table["LeakyRelu"] = leaky_relu;
    table["Clip"] = clip;
    table["Concat"] = concat;
    table["Pad"] = pad;
    table["Resize"] = resize;
    table["Upsample"] = resize;
}

}  // namespace aimcsim
