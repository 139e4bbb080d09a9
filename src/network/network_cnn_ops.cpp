// The builders of the layers without weights that CNNs beyond the basic ones need
// (MobileNets, pre-activation ResNets, U-Nets): elementwise functions, a channel-wise
// affine, channel Concat, constant Pad, nearest Resize. Like network.cpp's builders,
// each checks its arguments and throws InputError naming the layer.
#include <cmath>
#include <limits>

#include "aimcsim/core/error.h"
#include "aimcsim/network.h"
#include "src/network/builder_support.h"

namespace aimcsim {

namespace {

using builder::fail;
using builder::new_layer;

bool finite(float v) { return std::isfinite(v); }

}  // namespace

const char* unary_name(UnaryKind kind) {
    switch (kind) {
        case UnaryKind::Sigmoid: return "Sigmoid";
        case UnaryKind::Tanh: return "Tanh";
        case UnaryKind::HardSigmoid: return "HardSigmoid";
        case UnaryKind::HardSwish: return "HardSwish";
        case UnaryKind::LeakyRelu: return "LeakyRelu";
        case UnaryKind::Clip: return "Clip";
    }
    return "?";
}

int Network::add_unary(const std::string& layer, int in, Unary fn) {
    check_tensor(layer, in);
    if (!finite(fn.alpha) && fn.kind != UnaryKind::Clip) fail(layer, "alpha must be finite");
    if (!finite(fn.beta) && fn.kind != UnaryKind::Clip) fail(layer, "beta must be finite");
    if (fn.kind == UnaryKind::Clip && (std::isnan(fn.alpha) || std::isnan(fn.beta)))
        fail(layer, "Clip bounds must not be NaN");
    Layer l = new_layer(layer, Op::Unary, {in});
    l.unary = fn;
    const Shape s = shape(in);
    return add_layer(std::move(l), s);
}

int Network::add_channel_affine(const std::string& layer, int in, std::vector<float> scale, std::vector<float> shift) {
    check_tensor(layer, in);
    const auto c = static_cast<std::size_t>(shape(in).c);
    if (scale.size() != c || shift.size() != c)
        fail(layer, "scale and shift need one value per channel (" + std::to_string(c) + "), got " +
                        std::to_string(scale.size()) + " and " + std::to_string(shift.size()));
    for (std::size_t i = 0; i < c; ++i)
        if (!finite(scale[i]) || !finite(shift[i])) fail(layer, "scale and shift must be finite");
    Layer l = new_layer(layer, Op::ChannelAffine, {in});
    l.channel_scale = std::move(scale);
    l.channel_shift = std::move(shift);
    const Shape s = shape(in);
    return add_layer(std::move(l), s);
}

int Network::add_concat(const std::string& layer, const std::vector<int>& ins) {
    if (ins.empty()) fail(layer, "Concat needs at least one input");
    for (int t : ins) check_tensor(layer, t);
    Shape out = shape(ins[0]);
    out.c = 0;
    for (int t : ins) {
        const Shape& s = shape(t);
        if (s.h != out.h || s.w != out.w)
            fail(layer,
                 "Concat along the channels needs equal H and W, got " + shape(ins[0]).str() + " and " + s.str());
        if (out.c > std::numeric_limits<int>::max() - s.c) fail(layer, "too many channels");
        out.c += s.c;
    }
    return add_layer(new_layer(layer, Op::Concat, ins), out);
}

int Network::add_pad(const std::string& layer, int in, const Window& pads, float value) {
    check_tensor(layer, in);
    if (pads.pad_top < 0 || pads.pad_left < 0 || pads.pad_bottom < 0 || pads.pad_right < 0)
        fail(layer, "pads must not be negative");
    if (!finite(value)) fail(layer, "the pad value must be finite");
    const Shape& s = shape(in);
    const long h = static_cast<long>(s.h) + pads.pad_top + pads.pad_bottom;
    const long w = static_cast<long>(s.w) + pads.pad_left + pads.pad_right;
    if (h > std::numeric_limits<int>::max() || w > std::numeric_limits<int>::max()) fail(layer, "pads too large");
    Layer l = new_layer(layer, Op::Pad, {in});
    l.window = Window{};
    l.window.pad_top = pads.pad_top;
    l.window.pad_left = pads.pad_left;
    l.window.pad_bottom = pads.pad_bottom;
    l.window.pad_right = pads.pad_right;
    l.pad_value = value;
    return add_layer(std::move(l), {s.c, static_cast<int>(h), static_cast<int>(w)});
}

int Network::add_resize_nearest(const std::string& layer, int in, std::vector<int> source_h,
                                std::vector<int> source_w) {
    check_tensor(layer, in);
    const Shape& s = shape(in);
    if (source_h.empty() || source_w.empty()) fail(layer, "the resized output is empty");
    if (source_h.size() > (std::size_t{1} << 20) || source_w.size() > (std::size_t{1} << 20))
        fail(layer, "the resized output is too large");
    for (int y : source_h)
        if (y < 0 || y >= s.h) fail(layer, "source row " + std::to_string(y) + " is outside the input " + s.str());
    for (int x : source_w)
        if (x < 0 || x >= s.w) fail(layer, "source column " + std::to_string(x) + " is outside the input " + s.str());
    Layer l = new_layer(layer, Op::Resize, {in});
    const Shape out{s.c, static_cast<int>(source_h.size()), static_cast<int>(source_w.size())};
    l.source_h = std::move(source_h);
    l.source_w = std::move(source_w);
    return add_layer(std::move(l), out);
}

}  // namespace aimcsim
