// The schedule's transformer ops (issue 15; the model is in schedule.h): where each
// op's output lives, how a token reaches it, the whole-tensor gathers, and the
// products of two activations (Q K^T, A V) on a GDPU or a matmul unit.
#include <algorithm>
#include <stdexcept>

#include "aimcsim/core/error.h"
#include "src/chip/schedule.h"
#include "src/mapping/token_layout.h"

namespace aimcsim {

namespace {

// A Transpose that keeps the tokens in order: rows stay rows (perm[2] == 2) and the
// two row axes are not swapped, or one of them has size 1.
bool keeps_rows(const Layer& l, const Shape& in) {
    if (l.perm[2] != 2) return false;
    return l.perm[0] == 0 || in.c == 1 || in.h == 1;
}

}  // namespace

ChipSchedule::Part ChipSchedule::unit_near(int tile, bool matmul_unit) {
    // Whole-tensor work (gathers, MatMuls) is heavy: spread it, the unit with the
    // fewest such ops first, then the nearest, then the lowest index.
    std::vector<int>& load = matmul_unit ? heavy_mmu_ : heavy_gdpu_;
    const int units = matmul_unit ? mmus_.size() : gdpus_.size();
    load.resize(static_cast<std::size_t>(units), 0);
    int best = 0;
    auto unit_tile = [&](int u) { return matmul_unit ? mmus_.tile(u) : gdpus_.tile(u); };
    for (int u = 1; u < units; ++u) {
        const int lu = load[static_cast<std::size_t>(u)], lb = load[static_cast<std::size_t>(best)];
        if (lu < lb || (lu == lb && map_.manhattan(tile, unit_tile(u)) < map_.manhattan(tile, unit_tile(best))))
            best = u;
    }
    ++load[static_cast<std::size_t>(best)];
    Part p{unit_tile(best), 0, 0, matmul_unit ? -1 : best};
    if (matmul_unit) p.mmu = best;
    return p;
}

void ChipSchedule::build_transformer_tensor(std::size_t li) {
    const Layer& l = net_.layers[li];
    TensorInfo& to = tensors_.at(static_cast<std::size_t>(l.output));
    const TensorInfo& first = tensors_.at(static_cast<std::size_t>(l.inputs.at(0)));
    const Shape& in = net_.shape(l.inputs[0]);
    const Shape& out = net_.shape(l.output);
    const bool tokens_in = is_token_tensor(net_, l.inputs[0]);
    const int width = stream_vector(net_, l.output);
    Flow f = Flow::Gather;
    switch (l.op) {
        case Op::Gelu: f = Flow::Slicewise; break;
        case Op::Binary:
            if (l.inputs.size() == 1) {
                f = Flow::Slicewise;
            } else if (net_.shape(l.inputs[1]) == in && tokens_in && is_token_tensor(net_, l.inputs[1])) {
                f = Flow::Pairwise;
            }
            break;
        case Op::LayerNorm:
        case Op::SoftmaxLast: f = tokens_in ? Flow::Row : Flow::Gather; break;
        case Op::Slice: f = tokens_in && l.axis == 2 ? Flow::Relabel : Flow::Gather; break;
        case Op::Reshape: f = tokens_in && in.w == out.w ? Flow::Relabel : Flow::Gather; break;
        case Op::Transpose: f = tokens_in && keeps_rows(l, in) ? Flow::Relabel : Flow::Gather; break;
        case Op::ConcatAxis: {
            bool along_features = l.axis == 2;
            for (int t : l.inputs)
                along_features = along_features && is_token_tensor(net_, t) &&
                                 stream_pixels(net_, t) == stream_pixels(net_, l.inputs[0]);
            f = along_features ? Flow::Relabel : Flow::Gather;
            break;
        }
        case Op::MatMul:
            if (!tokens_in)
                throw InputError("layer '" + l.name + "': a MatMul's first operand must be a token tensor");
            f = Flow::Matmul;
            break;
        default: break;  // Constant: a gather
    }
    flow_[li] = f;
    const bool on_matmul_unit = f == Flow::Matmul && chip_.attention == ChipParams::Attention::MatmulUnit;
    if (f != Flow::Relabel && !on_matmul_unit && gdpus_.empty())
        throw InputError("layer '" + l.name + "': a " + op_name(l.op) + " runs on a GDPU, but chip.gdpus is 0");
    if (on_matmul_unit && mmus_.empty())
        throw InputError("layer '" + l.name + "': chip.attention is matmul_unit, but matmul_unit.count is 0");

    if (f == Flow::Relabel) {  // the data stays: the output's slices are the input's, renumbered
        relabel_[li].assign(l.inputs.size(), {});
        int offset = 0;  // Concat: where this input's features start
        for (std::size_t s = 0; s < l.inputs.size(); ++s) {
            const TensorInfo& ti = tensors_.at(static_cast<std::size_t>(l.inputs[s]));
            const int lo = l.op == Op::Slice ? l.begin : 0;
            const int hi = l.op == Op::Slice ? l.end : stream_vector(net_, l.inputs[s]);
            for (const Part& p : ti.parts) {
                const int a = std::max(p.lo, lo), b = std::min(p.hi, hi);
                if (b <= a) {
                    relabel_[li][s].push_back(-1);
                    continue;
                }
                relabel_[li][s].push_back(static_cast<int>(to.parts.size()));
                Part q = p;
                q.lo = a - lo + offset;
                q.hi = b - lo + offset;
                to.parts.push_back(q);
            }
            offset += hi - lo;
        }
        to.replicated = first.replicated;
        return;
    }
    // A token-wise op's rows stay tied to the matmul unit that made them (A V follows Q K^T).
    if (f != Flow::Gather && f != Flow::Matmul)
        mmu_hint_[static_cast<std::size_t>(l.output)] = mmu_hint_[static_cast<std::size_t>(l.inputs[0])];
    if (f == Flow::Slicewise || f == Flow::Pairwise) {  // each slice on the GDPU holding it or the nearest
        for (const Part& p : first.parts) {
            const int g = p.gdpu >= 0 ? p.gdpu : choose_gdpu(p.tile);
            to.parts.push_back(Part{gdpus_.tile(g), p.lo, p.hi, g});
        }
    } else if (f == Flow::Row && l.op == Op::LayerNorm) {
        // The residual stream's rows: each LayerNorm on a fresh unit (fewest whole-row ops),
        // else every layer's residual adds and norms would pile up on the one that held the input.
        Part site = unit_near(first.parts.front().tile, false);
        site.hi = width;
        to.parts = {site};
    } else if (f == Flow::Row) {  // softmax: where its scores are (Q K^T's unit), or the nearest GDPU
        to.parts = {softmax_part(first, width)};
    } else if (f == Flow::Matmul) {
        const TensorInfo& b = tensors_.at(static_cast<std::size_t>(l.inputs[1]));
        const Part& a0 = first.parts.front();
        const Part& b0 = b.parts.front();
        Part site;
        // Where its operands are (or the matmul unit that made the first one's input), else a free unit.
        const int hint = mmu_hint_[static_cast<std::size_t>(l.inputs[0])];
        if (on_matmul_unit) {
            site = b.parts.size() == 1 && b0.mmu >= 0 ? b0
                   : a0.mmu >= 0                      ? a0
                   : hint >= 0                        ? Part{mmus_.tile(hint), 0, 0, -1, hint}
                                                      : unit_near(a0.tile, true);
        } else {
            site = b.parts.size() == 1 && b0.gdpu >= 0 ? b0 : a0.gdpu >= 0 ? a0 : unit_near(a0.tile, false);
        }
        mmu_hint_[static_cast<std::size_t>(l.output)] = site.mmu;
        site.lo = 0;
        site.hi = width;
        to.parts = {site};
        // The second operand stays there for the whole sequence.
        const auto buffered = static_cast<std::uint64_t>(net_.shape(l.inputs[1]).size());
        if (site.mmu >= 0)
            mmus_.add_buffer(site.mmu, buffered);
        else
            gdpus_.add_buffer(site.gdpu, buffered);
    } else {  // gather
        const Part& p = first.parts.front();
        Part site = p.gdpu >= 0 ? p : unit_near(p.tile, false);
        site.lo = 0;
        site.hi = width;
        site.mmu = -1;
        to.parts = {site};
    }
    softmax_slot_[li] = static_cast<int>(softmax_timing_.size());
    GdpuLayerTiming t{static_cast<int>(li), to.parts.front().gdpu};
    t.matmul_unit = to.parts.front().mmu;
    softmax_timing_.push_back(t);
}

void ChipSchedule::transformer_input(int inference, int layer, int slot, int part, int src_tile, int pixel,
                                     std::uint64_t now) {
    const auto li = static_cast<std::size_t>(layer);
    const Layer& l = net_.layers[li];
    const Part& src = tensors_[static_cast<std::size_t>(l.inputs[static_cast<std::size_t>(slot)])]
                          .parts[static_cast<std::size_t>(part)];
    const Part& site = tensors_[static_cast<std::size_t>(l.output)].parts.front();
    const bool there = src_tile == site.tile && src.gdpu == site.gdpu && src.mmu == site.mmu;
    switch (flow_[li]) {
        case Flow::Relabel: {
            const int o = relabel_[li][static_cast<std::size_t>(slot)][static_cast<std::size_t>(part)];
            if (o < 0) return;
            if (values_) values_->whole_layer(inference, l);
            tensor_ready(inference, l.output, o, pixel, now);
            return;
        }
        case Flow::Slicewise: to_op(inference, layer, src, src_tile, part, src.hi - src.lo, pixel, now); return;
        case Flow::Pairwise:
            if (slot == 0) {
                to_op(inference, layer, src, src_tile, part, src.hi - src.lo, pixel, now);
            } else {
                for (const Dest& d : add_dests_[li][static_cast<std::size_t>(part)])
                    to_op(inference, layer, src, src_tile, d.target, d.values, pixel, now);
            }
            return;
        case Flow::Row: to_softmax(inference, layer, part, src_tile, pixel, now); return;
        case Flow::Gather:
            if (there)
                gather_piece(inference, layer, now);
            else
                send(src_tile, site.tile, src.hi - src.lo, chip_.activation_bits, now, Kind::GatherPiece, inference,
                     layer, 0, pixel);
            return;
        case Flow::Matmul: {
            const Kind kind = slot == 0 ? Kind::MatmulA : Kind::MatmulB;
            if (!there) {
                send(src_tile, site.tile, src.hi - src.lo, chip_.activation_bits, now, kind, inference, layer, 0,
                     pixel);
            } else if (slot == 0) {
                matmul_a(inference, layer, pixel, now);
            } else {
                matmul_b(inference, layer, now);
            }
            return;
        }
        case Flow::None: break;
    }
    throw std::logic_error("ChipSchedule::transformer_input: layer '" + l.name + "' has no flow");
}

void ChipSchedule::note_digital(int layer, int inference, std::uint64_t arrived, std::uint64_t ready) {
    const int slot = softmax_slot_[static_cast<std::size_t>(layer)];
    if (inference != 0 || slot < 0) return;
    GdpuLayerTiming& t = softmax_timing_[static_cast<std::size_t>(slot)];
    t.first_input_cycle = std::min(t.first_input_cycle, arrived);
    t.last_output_cycle = std::max(t.last_output_cycle, ready);
}

void ChipSchedule::gather_piece(int inference, int layer, std::uint64_t now) {
    note_digital(layer, inference, now, 0);
    int* const need = this->need(inference) + need_.op[static_cast<std::size_t>(layer)];
    if (--need[0] != 0) return;  // (a Constant goes negative after its first piece: fired once)
    const Layer& l = net_.layers[static_cast<std::size_t>(layer)];
    const TensorInfo& out = tensors_[static_cast<std::size_t>(l.output)];
    const Part& site = out.parts.front();
    if (values_) values_->whole_layer(inference, l);
    // A Constant is in the unit's memory; anything else is rewritten in one pass.
    const int values = static_cast<int>(net_.shape(l.output).size());
    const std::uint64_t ready = l.op == Op::Constant ? now : digital_op(site.gdpu, values, 0, layer, inference, 0, now);
    note_digital(layer, inference, now, ready);
    for (int p = 0; p < out.pixels(); ++p) push(Kind::TensorReady, ready, inference, l.output, 0, p);
}

void ChipSchedule::matmul_a(int inference, int layer, int pixel, std::uint64_t now) {
    note_digital(layer, inference, now, 0);
    int* const need = this->need(inference) + need_.op[static_cast<std::size_t>(layer)];
    int& row = need[1 + pixel];
    if (--row != 0 || need[0] != 0) return;  // the second operand is not all there yet
    row = -1;
    matmul_row(inference, layer, pixel, now);
}

void ChipSchedule::matmul_b(int inference, int layer, std::uint64_t now) {
    note_digital(layer, inference, now, 0);
    int* const need = this->need(inference) + need_.op[static_cast<std::size_t>(layer)];
    if (--need[0] != 0) return;
    // The whole second operand is in: every row of the first that waited for it, in row order.
    const Layer& l = net_.layers[static_cast<std::size_t>(layer)];
    const int rows = tensors_[static_cast<std::size_t>(l.inputs[0])].pixels();
    for (int r = 0; r < rows; ++r) {
        if (need[1 + r] != 0) continue;
        need[1 + r] = -1;
        matmul_row(inference, layer, r, now);
    }
}

void ChipSchedule::matmul_row(int inference, int layer, int row, std::uint64_t now) {
    const Layer& l = net_.layers[static_cast<std::size_t>(layer)];
    const Part& site = tensors_[static_cast<std::size_t>(l.output)].parts.front();
    // Row `row` of a {B, M, K} times b[row / M] {K, N}: K x N MACs.
    const auto macs = static_cast<std::uint64_t>(net_.shape(l.inputs[0]).w) *
                      static_cast<std::uint64_t>(net_.shape(l.inputs[1]).w);
    digital_layer_macs_[static_cast<std::size_t>(layer)] += macs;
    if (values_) values_->whole_layer(inference, l);
    std::uint64_t ready = 0;
    if (site.mmu >= 0) {
        const MatmulService s = mmus_.row(site.mmu, macs, now);
        digital_.energy_pj += s.energy_pj;
        digital_layer_energy_pj_[static_cast<std::size_t>(layer)] += s.energy_pj;
        if (record_spans_)
            mmu_spans_.push_back(GdpuSpan{site.mmu, layer, inference, row, s.start_cycle, s.end_cycle});
        ready = s.ready_cycle;
    } else {
        ready = account(gdpus_.matmul(site.gdpu, macs, static_cast<int>(l.op), now), site.gdpu, 0, layer, inference,
                        row);
    }
    note_digital(layer, inference, now, ready);
    push(Kind::TensorReady, ready, inference, l.output, 0, row);
}

}  // namespace aimcsim
