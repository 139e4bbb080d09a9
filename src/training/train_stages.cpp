#include "src/training/train_stages.h"

#include <algorithm>
#include <limits>

#include "aimcsim/core/error.h"

namespace aimcsim {

std::string StageSpec::str() const {
    const std::string win = std::to_string(window.kernel_h) + "x" + std::to_string(window.kernel_w) + "/" +
                            std::to_string(window.stride_h);
    switch (kind) {
        case StageKind::Dense: return std::to_string(rows) + "x" + std::to_string(cols);
        case StageKind::Conv:
            return "conv " + std::to_string(rows) + "x" + std::to_string(cols) + ", " + std::to_string(pixels()) +
                   " pixels";
        case StageKind::Relu: return "relu";
        case StageKind::MaxPool: return "maxpool " + win;
        case StageKind::AvgPool: return "avgpool " + win;
        case StageKind::Flatten: return "flatten";
    }
    return "?";
}

std::vector<StageSpec> training_stages(const Network& net) {
    std::vector<StageSpec> stages;
    int tensor = net.input;
    bool any_weights = false;
    for (std::size_t i = 0; i < net.layers.size(); ++i) {
        const Layer& l = net.layers[i];
        if (l.op == Op::Softmax) {
            if (i + 1 != net.layers.size())
                throw InputError("training: layer '" + l.name + "' (Softmax) must be the last layer");
            break;  // the loss applies its own softmax to the logits
        }
        if (l.inputs.size() != 1 || l.inputs[0] != tensor) {
            throw InputError("training: layer '" + l.name + "' (" + op_name(l.op) +
                             ") does not read the layer before it; training runs a chain of layers");
        }
        StageSpec s;
        s.name = l.name;
        s.in = net.shape(l.inputs[0]);
        s.out = net.shape(l.output);
        s.window = l.window;
        s.rows = l.rows;
        s.cols = l.cols;
        switch (l.op) {
            case Op::Dense: s.kind = StageKind::Dense; break;
            case Op::Conv:
                if (l.groups != 1)
                    throw InputError("training: layer '" + l.name + "' is a grouped Conv; training supports groups 1");
                s.kind = StageKind::Conv;
                break;
            case Op::Relu: s.kind = StageKind::Relu; break;
            case Op::MaxPool: s.kind = StageKind::MaxPool; break;
            case Op::AvgPool: s.kind = StageKind::AvgPool; break;
            case Op::Flatten: s.kind = StageKind::Flatten; break;
            default:
                throw InputError("training: layer '" + l.name + "' is " + op_name(l.op) +
                                 "; training supports Conv, Dense, Relu, MaxPool, AvgPool, Flatten and a final "
                                 "Softmax");
        }
        if (s.kind == StageKind::Relu && !any_weights)
            throw InputError("training: layer '" + l.name + "' (Relu) comes before any weight layer");
        any_weights = any_weights || s.weights();
        stages.push_back(s);
        tensor = l.output;
    }
    if (!any_weights) throw InputError("training: the network has no Dense or Conv layer to train");
    if (stages.back().kind != StageKind::Dense)
        throw InputError("training: the last layer before the loss must be a Dense layer giving the logits (it is '" +
                         stages.back().name + "')");
    return stages;
}

void im2col_image(const StageSpec& conv, const float* in_chw, float* cols) {
    for (int oy = 0; oy < conv.out.h; ++oy)
        for (int ox = 0; ox < conv.out.w; ++ox, cols += conv.rows) im2col(conv.in, conv.window, in_chw, oy, ox, cols);
}

void col2im_image(const StageSpec& conv, const float* cols, float* in_chw) {
    std::fill(in_chw, in_chw + conv.in.size(), 0.0F);
    for (int oy = 0; oy < conv.out.h; ++oy)
        for (int ox = 0; ox < conv.out.w; ++ox, cols += conv.rows) col2im_add(conv.in, conv.window, cols, oy, ox, in_chw);
}

namespace {

// Pooling windows of output (c, oy, ox): calls f(input index) for every input inside.
template <typename F>
void for_window(const StageSpec& s, int c, int oy, int ox, F f) {
    const Window& w = s.window;
    const int y0 = oy * w.stride_h - w.pad_top, x0 = ox * w.stride_w - w.pad_left;
    for (int ky = 0; ky < w.kernel_h; ++ky)
        for (int kx = 0; kx < w.kernel_w; ++kx) {
            const int y = y0 + ky, x = x0 + kx;
            if (y >= 0 && y < s.in.h && x >= 0 && x < s.in.w)
                f((static_cast<std::size_t>(c) * s.in.h + y) * s.in.w + x);
        }
}

// The divisor of an average-pooling window (ONNX: the inside count, or the full window).
int avg_count(const StageSpec& s, int c, int oy, int ox) {
    if (s.window.count_include_pad) return s.window.kernel_h * s.window.kernel_w;
    int k = 0;
    for_window(s, c, oy, ox, [&](std::size_t) { ++k; });
    return std::max(k, 1);
}

}  // namespace

StageChain::StageChain(std::vector<StageSpec> specs, const TileConfig& tile, const TrainingSettings& settings,
                       std::uint64_t seed,
                       const std::function<std::vector<float>(const StageSpec&, std::size_t)>& init)
    : specs_(std::move(specs)) {
    std::uint64_t tile_id = 0;
    std::size_t weight_index = 0;
    bool weights_before = false;
    for (const StageSpec& s : specs_) {
        Stage st;
        st.spec = s;
        st.needs_input_grad = weights_before;
        if (s.weights()) {
            st.layer = std::make_unique<TrainedLayer>(s.rows, s.cols, false, init(s, weight_index++), tile, settings,
                                                      seed, tile_id);
            tile_id += static_cast<std::uint64_t>(st.layer->tiles());
            weights_before = true;
        }
        stages_.push_back(std::move(st));
    }
}

std::vector<TrainedLayer*> StageChain::weight_layers() const {
    std::vector<TrainedLayer*> out;
    for (const Stage& s : stages_)
        if (s.layer) out.push_back(s.layer.get());
    return out;
}

double StageChain::forward_ns_per_image() const {
    double ns = 0.0;
    for (const Stage& s : stages_)
        if (s.layer) ns += s.spec.pixels() * s.layer->mvm_ns();
    return ns;
}

double StageChain::backward_ns_per_image() const {
    double ns = 0.0;
    for (const Stage& s : stages_)
        if (s.layer && s.needs_input_grad) ns += s.spec.pixels() * s.layer->mvm_ns();
    return ns;
}

const std::vector<float>& StageChain::forward(const float* x, int n, MvmPass pass, const std::uint64_t* ids,
                                              MvmEnergy* energy) {
    const float* cur = x;
    for (Stage& st : stages_) {
        const StageSpec& s = st.spec;
        const std::size_t isz = s.in.size(), osz = s.out.size();
        st.in.assign(cur, cur + static_cast<std::size_t>(n) * isz);
        out_.assign(static_cast<std::size_t>(n) * osz, 0.0F);
        switch (s.kind) {
            case StageKind::Dense: st.layer->forward(st.in.data(), n, out_.data(), pass, ids, energy); break;
            case StageKind::Conv: {
                const int P = s.pixels();
                const std::size_t m = static_cast<std::size_t>(n) * P;
                st.cols.resize(m * s.rows);
                pixel_ids_.resize(m);
                for (int k = 0; k < n; ++k) {
                    im2col_image(s, &st.in[k * isz], &st.cols[static_cast<std::size_t>(k) * P * s.rows]);
                    if (ids != nullptr)
                        for (int p = 0; p < P; ++p) pixel_ids_[static_cast<std::size_t>(k) * P + p] = ids[k] * P + p;
                }
                thread_local std::vector<float> pix;
                pix.resize(m * s.cols);
                st.layer->forward(st.cols.data(), static_cast<int>(m), pix.data(), pass,
                                  ids != nullptr ? pixel_ids_.data() : nullptr, energy);
                for (int k = 0; k < n; ++k)  // pixel-major rows to the image's CHW
                    for (int p = 0; p < P; ++p)
                        for (int c = 0; c < s.cols; ++c)
                            out_[k * osz + static_cast<std::size_t>(c) * P + p] =
                                pix[(static_cast<std::size_t>(k) * P + p) * s.cols + c];
                break;
            }
            case StageKind::Relu:
                for (std::size_t i = 0; i < out_.size(); ++i) out_[i] = std::max(st.in[i], 0.0F);
                break;
            case StageKind::MaxPool:
            case StageKind::AvgPool: {
                const bool is_max = s.kind == StageKind::MaxPool;
                if (is_max) st.argmax.assign(out_.size(), -1);
                for (int k = 0; k < n; ++k) {
                    const float* in = &st.in[k * isz];
                    for (int c = 0; c < s.out.c; ++c)
                        for (int oy = 0; oy < s.out.h; ++oy)
                            for (int ox = 0; ox < s.out.w; ++ox) {
                                const std::size_t o = k * osz + (static_cast<std::size_t>(c) * s.out.h + oy) * s.out.w + ox;
                                if (is_max) {
                                    float best = -std::numeric_limits<float>::infinity();
                                    int arg = -1;
                                    for_window(s, c, oy, ox, [&](std::size_t i) {
                                        if (arg < 0 || in[i] > best) best = in[i], arg = static_cast<int>(i);
                                    });
                                    out_[o] = arg < 0 ? 0.0F : best;
                                    st.argmax[o] = arg;
                                } else {
                                    float sum = 0.0F;
                                    for_window(s, c, oy, ox, [&](std::size_t i) { sum += in[i]; });
                                    out_[o] = sum / static_cast<float>(avg_count(s, c, oy, ox));
                                }
                            }
                }
                break;
            }
            case StageKind::Flatten: out_ = st.in; break;
        }
        cur = out_.data();  // the next stage copies it into its own `in` before out_ is reused
    }
    return out_;
}

void StageChain::backward_update(std::vector<float>& grad, int n, const std::uint64_t* ids, double lr,
                                 std::uint64_t step, double t_s, TrainingCost& cost, bool count_energy) {
    std::vector<float> below;
    MvmEnergy* energy = count_energy ? &cost.backward : nullptr;
    for (std::size_t si = stages_.size(); si-- > 0;) {
        Stage& st = stages_[si];
        const StageSpec& s = st.spec;
        const std::size_t isz = s.in.size(), osz = s.out.size();
        if (!st.needs_input_grad && !s.weights()) return;  // a digital stage before every weight layer
        if (st.needs_input_grad) below.assign(static_cast<std::size_t>(n) * isz, 0.0F);
        switch (s.kind) {
            case StageKind::Dense:
                // The error of the stage below through this layer's weights before their update.
                if (st.needs_input_grad) st.layer->backward(grad.data(), n, below.data(), ids, energy);
                st.layer->update(st.in.data(), grad.data(), n, n, lr, step, t_s, cost);
                break;
            case StageKind::Conv: {
                const int P = s.pixels();
                const std::size_t m = static_cast<std::size_t>(n) * P;
                thread_local std::vector<float> dpix, gcols;
                dpix.resize(m * s.cols);
                for (int k = 0; k < n; ++k)
                    for (int p = 0; p < P; ++p)
                        for (int c = 0; c < s.cols; ++c)
                            dpix[(static_cast<std::size_t>(k) * P + p) * s.cols + c] =
                                grad[k * osz + static_cast<std::size_t>(c) * P + p];
                if (st.needs_input_grad) {
                    pixel_ids_.resize(m);
                    if (ids != nullptr)
                        for (int k = 0; k < n; ++k)
                            for (int p = 0; p < P; ++p) pixel_ids_[static_cast<std::size_t>(k) * P + p] = ids[k] * P + p;
                    gcols.resize(m * s.rows);
                    st.layer->backward(dpix.data(), static_cast<int>(m), gcols.data(),
                                       ids != nullptr ? pixel_ids_.data() : nullptr, energy);
                    for (int k = 0; k < n; ++k)
                        col2im_image(s, &gcols[static_cast<std::size_t>(k) * P * s.rows], &below[k * isz]);
                }
                st.layer->update(st.cols.data(), dpix.data(), static_cast<int>(m), n, lr, step, t_s, cost);
                break;
            }
            case StageKind::Relu:
                for (std::size_t i = 0; i < below.size(); ++i) below[i] = st.in[i] > 0.0F ? grad[i] : 0.0F;
                break;
            case StageKind::MaxPool:
                for (std::size_t o = 0; o < grad.size(); ++o) {
                    const int arg = st.argmax[o];
                    if (arg >= 0) below[(o / osz) * isz + static_cast<std::size_t>(arg)] += grad[o];
                }
                break;
            case StageKind::AvgPool:
                for (int k = 0; k < n; ++k)
                    for (int c = 0; c < s.out.c; ++c)
                        for (int oy = 0; oy < s.out.h; ++oy)
                            for (int ox = 0; ox < s.out.w; ++ox) {
                                const float g = grad[k * osz + (static_cast<std::size_t>(c) * s.out.h + oy) * s.out.w + ox] /
                                                static_cast<float>(avg_count(s, c, oy, ox));
                                for_window(s, c, oy, ox, [&](std::size_t i) { below[k * isz + i] += g; });
                            }
                break;
            case StageKind::Flatten: below = grad; break;
        }
        if (!st.needs_input_grad) return;  // no weight layer below
        grad.swap(below);
    }
}

}  // namespace aimcsim
