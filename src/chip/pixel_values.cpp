#include "src/chip/pixel_values.h"

#include <algorithm>
#include <cstddef>
#include <limits>
#include <stdexcept>
#include <string>

#include "aimcsim/core/error.h"
#include "src/functional/analog_network.h"
#include "src/mapping/token_layout.h"
#include "src/network/op_kernels.h"

namespace aimcsim {

namespace {

// Rows [row_begin, row_begin + rows) of im2col(net, conv, input, oy, ox): the
// window's values in (channel, ky, kx) order, 0 outside the input. Taken a kernel row
// (c, ky) at a time: one bounds check of y and one input row per kernel row.
void im2col_rows(const Network& net, const Layer& conv, const float* input_chw, int oy, int ox, int row_begin,
                 int rows, float* out) {
    const Shape& in = net.shape(conv.inputs.at(0));
    const Window& win = conv.window;
    const int y0 = oy * win.stride_h - win.pad_top;
    const int x0 = ox * win.stride_w - win.pad_left;
    const int kk = win.kernel_h * win.kernel_w;
    int c = row_begin / kk;
    int ky = row_begin % kk / win.kernel_w;
    int kx = row_begin % win.kernel_w;
    const int kx_lo = std::max(0, -x0), kx_hi = std::min(win.kernel_w, in.w - x0);  // the kx inside the input
    const bool row_inside = kx_lo == 0 && kx_hi == win.kernel_w;                     // all of them
    for (int r = 0; r < rows;) {
        const int n = std::min(win.kernel_w - kx, rows - r);  // the rest of kernel row (c, ky)
        const int y = y0 + ky;
        float* o = out + r;
        if (y < 0 || y >= in.h) {
            std::fill(o, o + n, 0.0f);
        } else if (row_inside) {
            const float* src = input_chw + (static_cast<std::ptrdiff_t>(c) * in.h + y) * in.w + x0 + kx;
            for (int k = 0; k < n; ++k) o[k] = src[k];
        } else {
            const std::ptrdiff_t at = (static_cast<std::ptrdiff_t>(c) * in.h + y) * in.w + x0;
            for (int k = 0; k < n; ++k) {
                const int j = kx + k;
                o[k] = j >= kx_lo && j < kx_hi ? input_chw[at + j] : 0.0f;
            }
        }
        r += n;
        kx = 0;
        if (++ky == win.kernel_h) {
            ky = 0;
            ++c;
        }
    }
}

// Max-pooling of output pixel (oy, ox) of channels [lo, hi): pool_window()'s maxima in its
// order (the same bits), with the window's bounds found once for all the channels.
void max_pool_pixel(const Window& win, const float* input_chw, int in_h, int in_w, int oy, int ox, int lo, int hi,
                    float* out, std::size_t out_hw) {
    const int y0 = oy * win.stride_h - win.pad_top;
    const int x0 = ox * win.stride_w - win.pad_left;
    const int y_lo = std::max(y0, 0), y_hi = std::min(y0 + win.kernel_h, in_h);
    const int x_lo = std::max(x0, 0), x_hi = std::min(x0 + win.kernel_w, in_w);
    const std::size_t in_hw = static_cast<std::size_t>(in_h) * static_cast<std::size_t>(in_w);
    for (int c = lo; c < hi; ++c) {
        const float* plane = input_chw + static_cast<std::size_t>(c) * in_hw;
        float acc = -std::numeric_limits<float>::infinity();
        for (int y = y_lo; y < y_hi; ++y) {
            for (int x = x_lo; x < x_hi; ++x) acc = std::max(acc, plane[static_cast<std::size_t>(y) * in_w + x]);
        }
        out[static_cast<std::size_t>(c) * out_hw] = acc;
    }
}

}  // namespace

PixelValues::PixelValues(const Network& net, const Mapping& mapping, std::vector<std::vector<float>> inputs,
                         const AnalogNetwork& analog, bool gdc, std::uint64_t first_image)
    : net_(net), map_(mapping), analog_(analog), gdc_(gdc), first_image_(first_image) {
    for (const auto& in : inputs) {
        if (in.size() != net_.input_shape().size()) {
            throw InputError("network '" + net_.name + "': input has " + std::to_string(in.size()) +
                             " values, expected " + net_.input_shape().str());
        }
    }
    const std::size_t batch = inputs.size();
    inputs_ = std::move(inputs);
    values_.assign(batch, {});
    lstm_gates_.assign(batch, {});
    lstm_cell_.assign(batch, {});
    for (const Tensor& t : net_.tensors) inference_floats_ += t.shape.size();
}

void PixelValues::ensure(int inference) {
    const auto n = static_cast<std::size_t>(inference);
    if (!values_[n].empty()) return;
    auto& v = values_[n];
    v.resize(net_.tensors.size());
    v[static_cast<std::size_t>(net_.input)] = std::move(inputs_[n]);
    inputs_[n] = {};
    lstm_gates_[n].assign(net_.layers.size(), {});
    lstm_cell_[n].assign(net_.layers.size(), {});
    for (std::size_t li = 0; li < net_.layers.size(); ++li) {
        const Layer& l = net_.layers[li];
        if (l.op != Op::Lstm) continue;
        const auto steps = static_cast<std::size_t>(net_.shape(l.output).w);
        lstm_gates_[n][li].assign(static_cast<std::size_t>(l.cols) * steps, 0.0f);
        lstm_cell_[n][li].assign(static_cast<std::size_t>(l.hidden()), 0.0f);
    }
}

void PixelValues::allocate(int t, std::vector<float>& v) {
    // The smallest spare buffer that holds the tensor: reused memory, no fresh pages to fault in.
    const std::size_t size = net_.tensors[static_cast<std::size_t>(t)].shape.size();
    if (size == 0) return;
    auto best = spare_.end();
    for (auto it = spare_.begin(); it != spare_.end(); ++it) {
        if (it->capacity() >= size && (best == spare_.end() || it->capacity() < best->capacity())) best = it;
    }
    if (best != spare_.end()) {
        spare_floats_ -= best->capacity();
        std::iter_swap(best, spare_.end() - 1);  // taken from the back: no move onto itself
        v = std::move(spare_.back());
        spare_.pop_back();
    }
    v.assign(size, 0.0f);
}

void PixelValues::release(int inference) {
    const auto n = static_cast<std::size_t>(inference);
    if (values_[n].empty()) return;
    for (std::size_t t = 0; t < values_[n].size(); ++t) {
        std::vector<float>& v = values_[n][t];
        if (t == static_cast<std::size_t>(net_.output) || v.capacity() == 0) continue;
        if (spare_floats_ + v.capacity() > kSpareSets * inference_floats_) continue;
        spare_floats_ += v.capacity();
        spare_.push_back(std::move(v));
    }
    std::vector<float> output = std::move(values_[n][static_cast<std::size_t>(net_.output)]);
    values_[n].assign(net_.tensors.size(), {});
    values_[n].shrink_to_fit();
    values_[n][static_cast<std::size_t>(net_.output)] = std::move(output);
    lstm_gates_[n] = {};
    lstm_cell_[n] = {};
}

std::uint64_t PixelValues::noise_id(int inference, int out_pixel) const {
    return mvm_noise_id(first_image_ + static_cast<std::uint64_t>(inference), out_pixel);
}

float* PixelValues::prepare_mvm(std::uint64_t job_id, int inference, int block, int out_pixel, std::int8_t* codes) {
    const TileBlock& b = map_.blocks[static_cast<std::size_t>(block)];
    const Layer& l = net_.layers[static_cast<std::size_t>(b.layer)];
    const std::vector<float>& in = tensor(inference, l.inputs[0]);
    const float* x = in.data();
    if (l.op == Op::Conv) {  // only the block's rows of the window
        const int out_w = net_.shape(l.output).w;
        im2col_buf_.resize(static_cast<std::size_t>(b.rows));
        im2col_rows(net_, l, in.data(), out_pixel / out_w, out_pixel % out_w, b.row_begin, b.rows, im2col_buf_.data());
        analog_.quantize(b.layer, im2col_buf_.data(), b.rows, codes);
        return job_output(job_id, b.cols);
    } else if (l.op == Op::Linear) {  // token `out_pixel`: its row of the input
        x = in.data() + static_cast<std::size_t>(out_pixel) * static_cast<std::size_t>(l.rows);
    } else if (l.op == Op::Lstm) {
        im2col_buf_.resize(static_cast<std::size_t>(l.rows));
        lstm_step_input(in.data(), net_.shape(l.inputs[0]).c, tensor(inference, l.output).data(), l.hidden(),
                        static_cast<std::size_t>(net_.shape(l.output).w), static_cast<std::size_t>(out_pixel),
                        im2col_buf_.data());
        x = im2col_buf_.data();
    }
    analog_.quantize(b.layer, x + b.row_begin, b.rows, codes);
    return job_output(job_id, b.cols);
}

float* PixelValues::job_output(std::uint64_t job_id, int cols) {
    // Job ids are slots reused once an MVM is done, so this table stays as small as the MVMs in flight.
    if (job_outputs_.size() <= job_id) job_outputs_.resize(job_id + 1);
    std::vector<float>& y = job_outputs_[job_id];
    if (y.capacity() < static_cast<std::size_t>(cols) && !free_buffers_.empty()) {  // a combined partial's buffer
        y.swap(free_buffers_.back());
        free_buffers_.pop_back();
    }
    y.assign(static_cast<std::size_t>(cols), 0.0f);
    return y.data();
}

void PixelValues::mvm_done(std::uint64_t job_id, int inference, int block, int out_pixel) {
    // The tile's raw output waits (here, or travelling as a partial sum) until every
    // row block of its pixel is there.
    if (job_id >= job_outputs_.size() || job_outputs_[job_id].empty())
        throw std::logic_error("PixelValues: an MVM finished that was not prepared");
    std::vector<float>& slot = partials_[partial_key(inference, block, out_pixel)];
    slot.swap(job_outputs_[job_id]);  // the job's buffer becomes the partial; the slot's old one is reused
    job_outputs_[job_id].clear();
}

// As forward_network: y = combine(row blocks), then y += bias, scattered to CHW.
void PixelValues::finish_pixel(int inference, int placement, int col_block, int pixel) {
    const LayerPlacement& lp = map_.layers[static_cast<std::size_t>(placement)];
    const Layer& l = net_.layers[static_cast<std::size_t>(lp.layer)];
    const TileBlock& first = map_.blocks[static_cast<std::size_t>(lp.block_index(0, col_block))];
    part_ptrs_.resize(static_cast<std::size_t>(lp.row_blocks));
    part_its_.clear();
    for (int rb = 0; rb < lp.row_blocks; ++rb) {
        auto it =
            partials_.find(partial_key(inference, lp.block_index(rb, col_block, lp.replica_of_pixel(pixel)), pixel));
        if (it == partials_.end()) throw std::logic_error("PixelValues: a partial sum is missing");
        part_ptrs_[static_cast<std::size_t>(rb)] = it->second.data();
        part_its_.push_back(it);
    }
    pixel_buf_.resize(static_cast<std::size_t>(first.cols));
    analog_.combine_partials(lp.layer, col_block, part_ptrs_.data(), pixel_buf_.data(), gdc_);
    for (auto it : part_its_) {
        if (free_buffers_.size() < kFreeBuffers) free_buffers_.push_back(std::move(it->second));
        partials_.erase(it);
    }
    if (!l.bias.empty()) add_bias(l.bias.data() + first.col_begin, first.cols, pixel_buf_.data());
    if (l.op == Op::Lstm) {  // gate pre-activations of step `pixel`, for the cell
        ensure(inference);
        std::vector<float>& g = lstm_gates_[static_cast<std::size_t>(inference)][static_cast<std::size_t>(lp.layer)];
        std::copy(pixel_buf_.begin(), pixel_buf_.begin() + first.cols,
                  g.begin() + static_cast<std::ptrdiff_t>(static_cast<std::size_t>(pixel) * l.cols + first.col_begin));
        return;
    }
    std::vector<float>& out = tensor(inference, l.output);
    if (l.op == Op::Linear) {  // the token's row
        std::copy(pixel_buf_.begin(), pixel_buf_.begin() + first.cols,
                  out.begin() + static_cast<std::ptrdiff_t>(static_cast<std::size_t>(pixel) * l.cols + first.col_begin));
        return;
    }
    const std::size_t hw = pixels(l.output);
    for (int c = 0; c < first.cols; ++c) {
        out[static_cast<std::size_t>(first.col_begin + c) * hw + pixel] = pixel_buf_[static_cast<std::size_t>(c)];
    }
}

void PixelValues::relu(int inference, const Layer& l, int lo, int hi, int pixel) {
    if (is_token_tensor(net_, l.output)) {  // token `pixel`: features [lo, hi) of its row
        const std::size_t at = static_cast<std::size_t>(pixel) * static_cast<std::size_t>(net_.shape(l.output).w) + lo;
        aimcsim::relu(tensor(inference, l.inputs[0]).data() + at, static_cast<std::size_t>(hi - lo), 1,
                      tensor(inference, l.output).data() + at);
        return;
    }
    const std::size_t hw = pixels(l.output);
    const std::size_t at = static_cast<std::size_t>(lo) * hw + pixel;
    aimcsim::relu(tensor(inference, l.inputs[0]).data() + at, static_cast<std::size_t>(hi - lo), hw,
                  tensor(inference, l.output).data() + at);
}

void PixelValues::pool(int inference, const Layer& l, int lo, int hi, int out_pixel) {
    const std::vector<float>& in = tensor(inference, l.inputs[0]);
    std::vector<float>& out = tensor(inference, l.output);
    const Shape& si = net_.shape(l.inputs[0]);
    const int out_w = net_.shape(l.output).w;
    const std::size_t in_hw = pixels(l.inputs[0]);
    const std::size_t out_hw = pixels(l.output);
    if (l.op == Op::MaxPool) {
        max_pool_pixel(l.window, in.data(), si.h, si.w, out_pixel / out_w, out_pixel % out_w, lo, hi,
                       out.data() + out_pixel, out_hw);
        return;
    }
    for (int c = lo; c < hi; ++c) {
        out[static_cast<std::size_t>(c) * out_hw + out_pixel] =
            pool_window(l.op, l.window, in.data() + static_cast<std::size_t>(c) * in_hw, si.h, si.w, out_pixel / out_w,
                        out_pixel % out_w);
    }
}

void PixelValues::global_avg_pool(int inference, const Layer& l, int lo, int hi) {
    const std::vector<float>& in = tensor(inference, l.inputs[0]);
    std::vector<float>& out = tensor(inference, l.output);
    const std::size_t hw = pixels(l.inputs[0]);
    for (int c = lo; c < hi; ++c)
        out[static_cast<std::size_t>(c)] = channel_mean(in.data() + static_cast<std::size_t>(c) * hw, hw);
}

void PixelValues::flatten(int inference, const Layer& l, int lo, int hi) {
    const std::vector<float>& in = tensor(inference, l.inputs[0]);
    std::copy(in.begin() + lo, in.begin() + hi, tensor(inference, l.output).begin() + lo);  // CHW order is kept
}

void PixelValues::add(int inference, const Layer& l, int lo, int hi, int pixel) {
    const std::size_t hw = pixels(l.output);
    const std::size_t at = static_cast<std::size_t>(lo) * hw + pixel;
    aimcsim::add(tensor(inference, l.inputs[0]).data() + at, tensor(inference, l.inputs[1]).data() + at,
                 static_cast<std::size_t>(hi - lo), hw, tensor(inference, l.output).data() + at);
}

void PixelValues::softmax(int inference, const Layer& l, int pixel) {
    aimcsim::softmax(tensor(inference, l.inputs[0]).data() + pixel, net_.shape(l.output).c, pixels(l.output),
                     tensor(inference, l.output).data() + pixel);
}

void PixelValues::whole_layer(int inference, const Layer& l) {
    for (int t = 0; t < static_cast<int>(net_.tensors.size()); ++t) (void)tensor(inference, t);  // it reads any
    auto& v = values_[static_cast<std::size_t>(inference)];
    digital_layer(net_, l, v, v[static_cast<std::size_t>(l.output)].data(), analog_.digital_rounding());
}

void PixelValues::lstm_cell(int inference, int layer, int pixel) {
    const Layer& l = net_.layers[static_cast<std::size_t>(layer)];
    const auto steps = static_cast<std::size_t>(net_.shape(l.output).w);
    ensure(inference);
    const std::vector<float>& g = lstm_gates_[static_cast<std::size_t>(inference)][static_cast<std::size_t>(layer)];
    aimcsim::lstm_cell(g.data() + static_cast<std::size_t>(pixel) * l.cols, l.hidden(),
                       lstm_cell_[static_cast<std::size_t>(inference)][static_cast<std::size_t>(layer)].data(),
                       tensor(inference, l.output).data() + pixel, steps);
}

void PixelValues::elementwise(int inference, const Layer& l, int lo, int hi, int pixel) {
    const std::size_t hw = pixels(l.output);
    const std::size_t at = static_cast<std::size_t>(lo) * hw + pixel;
    const float* in = tensor(inference, l.inputs[0]).data();
    float* out = tensor(inference, l.output).data();
    if (l.op == Op::Unary) {
        aimcsim::unary(l.unary, in + at, static_cast<std::size_t>(hi - lo), hw, out + at);
    } else {
        channel_affine(l.channel_scale.data() + lo, l.channel_shift.data() + lo, in + at, hi - lo, hw, out + at);
    }
}

void PixelValues::reshape(int inference, const Layer& l, int slot, int offset, int lo, int hi) {
    const Shape& so = net_.shape(l.output);
    const std::size_t hw = pixels(l.output);
    std::vector<float>& out = tensor(inference, l.output);
    const std::vector<float>& in = tensor(inference, l.inputs[static_cast<std::size_t>(slot)]);
    const Shape& si = net_.shape(l.inputs[static_cast<std::size_t>(slot)]);
    for (int c = lo; c < hi; ++c) {
        float* o = out.data() + static_cast<std::size_t>(c) * hw;
        if (l.op == Op::Concat) {
            const float* src = in.data() + static_cast<std::size_t>(c - offset) * hw;
            std::copy(src, src + hw, o);
            continue;
        }
        for (int oy = 0; oy < so.h; ++oy)
            for (int ox = 0; ox < so.w; ++ox) {
                const std::size_t k = static_cast<std::size_t>(oy) * so.w + ox;
                if (l.op == Op::Pad) {
                    o[k] = pad_value(l, si, in.data(), c, oy, ox);
                } else {  // Resize
                    o[k] = in[(static_cast<std::size_t>(c) * si.h + l.source_h[oy]) * si.w + l.source_w[ox]];
                }
            }
    }
}

}  // namespace aimcsim
