// The chip schedule of Unary, ChannelAffine, Concat, Pad and Resize (schedule.h).
// Unary and ChannelAffine: the LDPU applies them to each output pixel in place, as it
// applies ReLU (no cycles of their own, the pixel stays where it is). Concat, Pad and
// Resize only move values: each output part stays where its input part is (Concat's
// parts are its inputs' parts, channels shifted) and is complete, every pixel of it,
// once the whole input part has arrived; it costs no digital cycles.
#include <algorithm>

#include "src/chip/pixel_values.h"
#include "src/chip/schedule.h"

namespace aimcsim {

bool ChipSchedule::locate_cnn_op(std::size_t li, TensorInfo& to) {
    const Layer& l = net_.layers[li];
    const TensorInfo& first = tensors_.at(static_cast<std::size_t>(l.inputs.at(0)));
    if (concat_base_.size() < net_.layers.size()) concat_base_.resize(net_.layers.size());
    switch (l.op) {
        case Op::Unary:
        case Op::ChannelAffine:
            to.parts = first.parts;
            to.replicated = first.replicated;
            return true;
        case Op::Pad:
        case Op::Resize: to.parts = first.parts; return true;  // replica 0's tiles: pixels move
        case Op::Concat: {
            int offset = 0;
            for (int t : l.inputs) {
                concat_base_[li].push_back(static_cast<int>(to.parts.size()));
                for (const Part& p : tensors_.at(static_cast<std::size_t>(t)).parts)
                    to.parts.push_back(Part{p.tile, p.lo + offset, p.hi + offset, p.gdpu});
                offset += net_.shape(t).c;
            }
            return true;
        }
        default: return false;
    }
}

void ChipSchedule::cnn_op_needs(std::size_t li, std::vector<int>& op_need) const {
    const Layer& l = net_.layers[li];
    if (l.op == Op::Pad || l.op == Op::Resize) {
        const TensorInfo& tin = tensors_.at(static_cast<std::size_t>(l.inputs.at(0)));
        op_need.assign(tensors_.at(static_cast<std::size_t>(l.output)).parts.size(), tin.pixels());
    } else if (l.op == Op::Concat) {
        for (int t : l.inputs) {
            const TensorInfo& tin = tensors_.at(static_cast<std::size_t>(t));
            op_need.insert(op_need.end(), tin.parts.size(), tin.pixels());
        }
    }
}

bool ChipSchedule::cnn_op_consumer(int inference, const Consumer& c, const Part& src, int src_tile, int part, int pixel,
                                   std::uint64_t now) {
    const Layer& l = net_.layers[static_cast<std::size_t>(c.layer)];
    switch (l.op) {
        case Op::Unary:
        case Op::ChannelAffine:
            if (values_) {
                const Part& p = tensors_[static_cast<std::size_t>(l.output)].parts[static_cast<std::size_t>(part)];
                values_->elementwise(inference, l, p.lo, p.hi, pixel);
            }
            tensor_ready(inference, l.output, part, pixel, now);
            return true;
        case Op::Pad:
        case Op::Resize: to_op(inference, c.layer, src, src_tile, part, src.hi - src.lo, pixel, now); return true;
        case Op::Concat:
            to_op(inference, c.layer, src, src_tile,
                  concat_base_[static_cast<std::size_t>(c.layer)][static_cast<std::size_t>(c.slot)] + part,
                  src.hi - src.lo, pixel, now);
            return true;
        default: return false;
    }
}

bool ChipSchedule::cnn_op_input(int inference, int layer, int part, std::uint64_t now) {
    const Layer& l = net_.layers[static_cast<std::size_t>(layer)];
    if (l.op != Op::Pad && l.op != Op::Resize && l.op != Op::Concat) return false;
    int* const need = this->need(inference) + need_.op[static_cast<std::size_t>(layer)];
    if (--need[static_cast<std::size_t>(part)] != 0) return true;
    const TensorInfo& out = tensors_[static_cast<std::size_t>(l.output)];
    const Part& p = out.parts[static_cast<std::size_t>(part)];
    if (values_) {
        int slot = 0;
        if (l.op == Op::Concat) {
            const auto& base = concat_base_[static_cast<std::size_t>(layer)];
            while (slot + 1 < static_cast<int>(base.size()) && base[static_cast<std::size_t>(slot) + 1] <= part) ++slot;
        }
        int offset = 0;
        for (int s = 0; s < slot; ++s) offset += net_.shape(l.inputs[static_cast<std::size_t>(s)]).c;
        values_->reshape(inference, l, slot, offset, p.lo, p.hi);
    }
    for (int o = 0; o < out.pixels(); ++o) push(Kind::TensorReady, now, inference, l.output, part, o);
    return true;
}

}  // namespace aimcsim
