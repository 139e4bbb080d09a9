// The schedule's digital ops away from the tiles' arrays: pooling, GAP, Flatten,
// residual Add and softmax on the GDPUs (or a tile's digital unit), and their
// accounting (energy per layer, spans for the trace). See schedule.h.
#include "src/chip/schedule.h"

#include <algorithm>
#include <stdexcept>

#include "src/mapping/grid_geometry.h"

namespace aimcsim {

void ChipSchedule::to_op(int inference, int layer, const Part& src, int src_tile, int dst_part, int values, int pixel,
                         std::uint64_t now) {
    const Layer& l = net_.layers[static_cast<std::size_t>(layer)];
    const Part& dst = tensors_[static_cast<std::size_t>(l.output)].parts[static_cast<std::size_t>(dst_part)];
    if (src_tile == dst.tile && src.gdpu == dst.gdpu) {
        op_input(inference, layer, dst_part, pixel, now);
    } else {
        send(src_tile, dst.tile, values, chip_.activation_bits, now, Kind::OpInput, inference, layer, dst_part, pixel);
    }
}

std::uint64_t ChipSchedule::digital_op(int gdpu, int values, int latency, int layer, int inference, int pixel,
                                       std::uint64_t now) {
    const auto kind = static_cast<int>(net_.layers[static_cast<std::size_t>(layer)].op);
    return account(gdpus_.pass(gdpu, values, static_cast<std::uint64_t>(latency), kind, now), gdpu, values, layer,
                   inference, pixel);
}

std::uint64_t ChipSchedule::account(const GdpuService& s, int gdpu, int values, int layer, int inference, int pixel) {
    digital_.digital_ops += static_cast<std::uint64_t>(values);
    digital_.energy_pj += s.energy_pj;
    digital_layer_energy_pj_[static_cast<std::size_t>(layer)] += s.energy_pj;
    if (gdpu >= 0 && record_spans_)
        gdpu_spans_.push_back(GdpuSpan{gdpu, layer, inference, pixel, s.start_cycle, s.end_cycle});
    return s.ready_cycle;
}

ChipSchedule::Part ChipSchedule::softmax_part(const TensorInfo& in, int channels) {
    const Part& first = in.parts.front();
    if (first.gdpu >= 0) return Part{first.tile, 0, channels, first.gdpu};  // already on a GDPU: stay there
    if (gdpus_.empty()) return Part{first.tile, 0, channels, -1};
    const int g = choose_gdpu(first.tile);
    return Part{gdpus_.tile(g), 0, channels, g};
}

void ChipSchedule::to_softmax(int inference, int layer, int src_part, int src_tile, int pixel, std::uint64_t now) {
    const Layer& l = net_.layers[static_cast<std::size_t>(layer)];
    const Part& src = tensors_[static_cast<std::size_t>(l.inputs[0])].parts[static_cast<std::size_t>(src_part)];
    const Part& dst = tensors_[static_cast<std::size_t>(l.output)].parts.front();
    if (src_tile == dst.tile && src.gdpu == dst.gdpu) {
        softmax_slice(inference, layer, src_part, pixel, now);
    } else {
        send(src_tile, dst.tile, src.hi - src.lo, chip_.activation_bits, now, Kind::SoftmaxSlice, inference, layer,
             src_part, pixel);
    }
}

void ChipSchedule::softmax_slice(int inference, int layer, int src_part, int pixel, std::uint64_t now) {
    const Layer& l = net_.layers[static_cast<std::size_t>(layer)];
    const Part& src = tensors_[static_cast<std::size_t>(l.inputs[0])].parts[static_cast<std::size_t>(src_part)];
    const Part& unit = tensors_[static_cast<std::size_t>(l.output)].parts.front();
    GdpuLayerTiming& timing = softmax_timing_[static_cast<std::size_t>(softmax_slot_[static_cast<std::size_t>(layer)])];
    if (inference == 0) timing.first_input_cycle = std::min(timing.first_input_cycle, now);
    const std::uint64_t maxed = digital_op(unit.gdpu, src.hi - src.lo, 0, layer, inference, pixel, now);  // running max
    int* const need = this->need(inference) + need_.op[static_cast<std::size_t>(layer)];
    if (--need[static_cast<std::size_t>(pixel)] != 0) return;
    if (values_) {
        if (l.op == Op::Softmax)
            values_->softmax(inference, l, pixel);
        else
            values_->whole_layer(inference, l);
    }
    const int n = unit.hi - unit.lo;
    // The exp (LayerNorm: normalisation) and normalisation (scale and shift) passes each
    // touch every value; the GDPU stays on the vector throughout.
    const std::uint64_t tail =
        l.op == Op::LayerNorm ? gdpus_.layernorm_tail_cycles(n) : gdpus_.softmax_tail_cycles(n);
    const std::uint64_t ready = account(gdpus_.serve(unit.gdpu, 2 * n, tail, 0, static_cast<int>(l.op), maxed),
                                        unit.gdpu, 2 * n, layer, inference, pixel);
    if (inference == 0) timing.last_output_cycle = std::max(timing.last_output_cycle, ready);
    push(Kind::TensorReady, ready, inference, l.output, 0, pixel);
}

int ChipSchedule::choose_gdpu(int near_tile) {
    return gdpus_.assign_nearest(near_tile, [this](int a, int b) { return map_.manhattan(a, b); });
}

void ChipSchedule::op_input(int inference, int layer, int part, int pixel, std::uint64_t now) {
    const Layer& l = net_.layers[static_cast<std::size_t>(layer)];
    const TensorInfo& in = tensors_[static_cast<std::size_t>(l.inputs[0])];
    const TensorInfo& out = tensors_[static_cast<std::size_t>(l.output)];
    const Part& p = out.parts[static_cast<std::size_t>(part)];
    int* const need = this->need(inference) + need_.op[static_cast<std::size_t>(layer)];
    switch (l.op) {
        case Op::MaxPool:
        case Op::AvgPool: {
            const Window& w = l.window;
            const auto ry = outputs_covering(pixel / in.w, w.kernel_h, w.stride_h, w.pad_top, out.h);
            const auto rx = outputs_covering(pixel % in.w, w.kernel_w, w.stride_w, w.pad_left, out.w);
            for (int oy = ry.first; oy <= ry.second; ++oy) {
                for (int ox = rx.first; ox <= rx.second; ++ox) {
                    const int o = oy * out.w + ox;
                    if (--need[static_cast<std::size_t>(part * out.pixels() + o)] != 0) continue;
                    if (values_) values_->pool(inference, l, p.lo, p.hi, o);
                    const std::uint64_t ready =
                        digital_op(p.gdpu, p.hi - p.lo, chip_.pool_cycles, layer, inference, o, now);
                    push(Kind::TensorReady, ready, inference, l.output, part, o);
                }
            }
            break;
        }
        case Op::GlobalAvgPool: {
            // Each arriving pixel is accumulated as it comes; the mean is ready gap_cycles after the last.
            const std::uint64_t done = digital_op(p.gdpu, p.hi - p.lo, 0, layer, inference, pixel, now);
            if (--need[static_cast<std::size_t>(part)] != 0) break;
            if (values_) values_->global_avg_pool(inference, l, p.lo, p.hi);
            push(Kind::TensorReady, done + static_cast<std::uint64_t>(chip_.gap_cycles), inference, l.output, part, 0);
            break;
        }
        case Op::Flatten:
            if (--need[static_cast<std::size_t>(part)] != 0) break;
            if (values_) values_->flatten(inference, l, p.lo, p.hi);
            push(Kind::TensorReady, now, inference, l.output, part, 0);
            break;
        case Op::Add:
            if (--need[static_cast<std::size_t>(part * out.pixels() + pixel)] != 0) break;
            if (values_) values_->add(inference, l, p.lo, p.hi, pixel);
            push(Kind::TensorReady, digital_op(p.gdpu, p.hi - p.lo, chip_.add_cycles, layer, inference, pixel, now),
                 inference, l.output, part, pixel);
            break;
        case Op::Gelu:
        case Op::Binary: {
            // GELU through its lookup, a Binary as an add; a two-input Binary waits for both operands.
            if (l.inputs.size() == 2 && --need[static_cast<std::size_t>(part * out.pixels() + pixel)] != 0) break;
            if (values_) values_->whole_layer(inference, l);
            const int latency = l.op == Op::Gelu ? gdpus_.params().gelu_cycles : chip_.add_cycles;
            const std::uint64_t ready = digital_op(p.gdpu, p.hi - p.lo, latency, layer, inference, pixel, now);
            note_digital(layer, inference, now, ready);
            push(Kind::TensorReady, ready, inference, l.output, part, pixel);
            break;
        }
        default:
            if (!cnn_op_input(inference, layer, part, now))
                throw std::logic_error("ChipSchedule::op_input: not a digital op");
    }
}

}  // namespace aimcsim
