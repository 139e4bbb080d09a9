#include "src/chip/schedule.h"

#include <algorithm>
#include <limits>
#include <stdexcept>

#include "aimcsim/core/error.h"
#include "src/mapping/grid_geometry.h"
#include "src/mapping/token_layout.h"

namespace aimcsim {

namespace {

// Inputs [lo, hi] of the window of output `o` along one axis, clipped to the input.
std::pair<int, int> window_inputs(int o, int kernel, int stride, int pad_begin, int in_size) {
    const int lo = o * stride - pad_begin;
    return {std::max(0, lo), std::min(in_size - 1, lo + kernel - 1)};
}

bool is_windowed(Op op) { return op == Op::Conv || op == Op::MaxPool || op == Op::AvgPool; }

GdpuParams gdpu_params(const ChipParams& chip) {
    GdpuParams p = chip.gdpu;  // the transformer work's parameters; the rest from the flat keys
    p.lanes = chip.gdpu_lanes;
    p.energy_pj_per_value = chip.digital_energy_pj;
    p.lookup_cycles = chip.softmax_cycles;
    return p;
}

std::vector<int> gdpu_tiles(const ChipParams& chip) {
    std::vector<int> tiles;
    for (int g = 0; g < chip.gdpus; ++g) tiles.push_back(chip.gdpu_tile(g));
    return tiles;
}

std::vector<int> matmul_unit_tiles(const ChipParams& chip) {
    std::vector<int> tiles;
    for (int u = 0; u < chip.matmul_unit.count; ++u) tiles.push_back(chip.matmul_unit_tile(u));
    return tiles;
}

}  // namespace

ChipSchedule::ChipSchedule(const Network& net, const Mapping& mapping, const ChipParams& chip, Interconnect& network,
                           int batch)
    : net_(net), map_(mapping), chip_(chip), network_(network), batch_(batch),
      gdpus_(gdpu_params(chip), gdpu_tiles(chip), kOpCount), mmus_(chip.matmul_unit, matmul_unit_tiles(chip)) {
    if (batch < 1) throw std::logic_error("ChipSchedule: batch must be >= 1");
    build_tensors();
    build_templates();
    build_block_plans();
    layer_timing_.assign(map_.layers.size(), LayerTiming{});
    block_mvms_.assign(map_.blocks.size(), 0);
    digital_layer_energy_pj_.assign(net_.layers.size(), 0.0);
    digital_layer_macs_.assign(net_.layers.size(), 0);
}

void ChipSchedule::build_tensors() {
    tensors_.assign(net_.tensors.size(), TensorInfo{});
    lstm_of_tensor_.assign(net_.tensors.size(), -1);
    softmax_slot_.assign(net_.layers.size(), -1);
    flow_.assign(net_.layers.size(), Flow::None);
    relabel_.assign(net_.layers.size(), {});
    mmu_hint_.assign(net_.tensors.size(), -1);
    const Shape& in = net_.input_shape();
    TensorInfo& ti = tensors_.at(static_cast<std::size_t>(net_.input));
    ti.h = in.h;
    ti.w = in.w;
    ti.parts = {Part{chip_.io_tile, 0, in.c}};
    if (is_token_tensor(net_, net_.input)) {  // tokens are the pixels, their features the vector
        ti.h = stream_pixels(net_, net_.input);
        ti.w = 1;
        ti.parts = {Part{chip_.io_tile, 0, stream_vector(net_, net_.input)}};
    }

    for (std::size_t li = 0; li < net_.layers.size(); ++li) {
        const Layer& l = net_.layers[li];
        for (std::size_t s = 0; s < l.inputs.size(); ++s) {
            tensors_.at(static_cast<std::size_t>(l.inputs[s]))
                .consumers.push_back({static_cast<int>(li), static_cast<int>(s), l.op});
        }
        if (!is_transformer_op(l.op) && l.op != Op::Relu && is_token_tensor(net_, l.inputs.at(0)))
            throw InputError("layer '" + l.name + "' (" + op_name(l.op) +
                             ") reads a token sequence, which the chip schedules only for the transformer ops "
                             "(network.h) and ReLU; aimcsim infer and the accuracy evaluation run it");
        const Shape& out = net_.shape(l.output);
        TensorInfo& to = tensors_.at(static_cast<std::size_t>(l.output));
        to.h = out.h;
        to.w = out.w;
        if (is_transformer_op(l.op) || is_token_tensor(net_, l.output)) {  // (a ReLU on tokens too: per token)
            to.h = stream_pixels(net_, l.output);
            to.w = 1;
        }
        const TensorInfo& first = tensors_.at(static_cast<std::size_t>(l.inputs.at(0)));
        if (is_transformer_op(l.op) && !l.has_weights_matrix()) {
            build_transformer_tensor(li);
        } else if (l.op == Op::Lstm) {
            // h_t comes out of the cell, on the GDPU nearest the layer's first tile.
            if (gdpus_.empty())
                throw InputError("layer '" + l.name + "': an LSTM runs its cell on a GDPU, but chip.gdpus is 0");
            const LayerPlacement& lp = *map_.placement(static_cast<int>(li));
            const int g = choose_gdpu(map_.blocks.at(static_cast<std::size_t>(lp.first_block)).tile);
            to.parts = {Part{gdpus_.tile(g), 0, l.hidden(), g}};
            lstm_of_tensor_[static_cast<std::size_t>(l.output)] = static_cast<int>(li);
        } else if (l.has_weights_matrix()) {
            if (l.op == Op::Dense && first.pixels() != 1) {
                throw InputError("layer '" + l.name + "': a dense layer on a spatial input needs a Flatten before it");
            }
            const LayerPlacement& lp = *map_.placement(static_cast<int>(li));
            for (int c = 0; c < lp.col_blocks; ++c) {
                const TileBlock& b = map_.blocks.at(static_cast<std::size_t>(lp.block_index(0, c)));
                to.parts.push_back(Part{b.tile, b.col_begin, b.col_begin + b.cols});
            }
            if (lp.replicas > 1) to.replicated = map_.placement_of_layer[li];
        } else if (l.op == Op::Flatten) {
            // CHW order: a channel slice of the input is a contiguous slice of the vector.
            const int hw = first.pixels();
            for (const Part& p : first.parts) to.parts.push_back(Part{p.tile, p.lo * hw, p.hi * hw, p.gdpu});
        } else if (l.op == Op::Softmax) {
            to.parts = {softmax_part(first, out.c)};
            softmax_slot_[li] = static_cast<int>(softmax_timing_.size());
            softmax_timing_.push_back(GdpuLayerTiming{static_cast<int>(li), to.parts.front().gdpu});
        } else if (l.op == Op::Relu) {
            to.parts = first.parts;  // in the LDPU, wherever each pixel is
            to.replicated = first.replicated;
        } else if (locate_cnn_op(li, to)) {
            // Unary, ChannelAffine, Concat, Pad, Resize (schedule_cnn_ops.cpp)
        } else if (gdpus_.empty()) {
            to.parts = first.parts;  // at the (first) input's tile (replica 0's, if replicated)
        } else {
            // Pooling, GAP, Add: each slice on a GDPU (the one that already holds it, or the nearest).
            for (const Part& p : first.parts) {
                const int g = p.gdpu >= 0 ? p.gdpu : choose_gdpu(p.tile);
                to.parts.push_back(Part{gdpus_.tile(g), p.lo, p.hi, g});
            }
        }
    }
}

void ChipSchedule::build_templates() {
    const std::size_t nl = net_.layers.size();
    weight_dests_.assign(nl, {});
    add_dests_.assign(nl, {});
    // Counters of a fresh inference: [block][out pixel], [layer][...], [placement][...], [layer][step].
    std::vector<std::vector<std::vector<int>>> needs(4);
    auto& block_need = needs[0];
    auto& op_need = needs[1];
    auto& psum_need = needs[2];
    auto& cell_need = needs[3];
    block_need.assign(map_.blocks.size(), {});
    op_need.assign(nl, {});
    psum_need.assign(map_.layers.size(), {});
    cell_need.assign(nl, {});
    recurrent_dests_.assign(nl, {});

    for (std::size_t li = 0; li < nl; ++li) {
        const Layer& l = net_.layers[li];
        const TensorInfo& tin = tensors_.at(static_cast<std::size_t>(l.inputs.at(0)));
        const TensorInfo& tout = tensors_.at(static_cast<std::size_t>(l.output));
        const Window& w = l.window;
        // Valid input pixels in the window of each output pixel.
        // (An LSTM step reads its own input pixel.)
        // (An LSTM step reads its own input pixel, a Linear layer its own token.)
        std::vector<int> window_count(static_cast<std::size_t>(tout.pixels()),
                                      l.op == Op::Lstm || l.op == Op::Linear ? 1 : tin.pixels());
        if (is_windowed(l.op)) {
            for (int oy = 0; oy < tout.h; ++oy) {
                for (int ox = 0; ox < tout.w; ++ox) {
                    const auto ry = window_inputs(oy, w.kernel_h, w.stride_h, w.pad_top, tin.h);
                    const auto rx = window_inputs(ox, w.kernel_w, w.stride_w, w.pad_left, tin.w);
                    window_count[static_cast<std::size_t>(oy * tout.w + ox)] =
                        std::max(0, ry.second - ry.first + 1) * std::max(0, rx.second - rx.first + 1);
                }
            }
        }
        if (l.has_weights_matrix()) {
            const int lpi = map_.placement_of_layer[li];
            const LayerPlacement& lp = map_.layers[static_cast<std::size_t>(lpi)];
            const int kk = l.op == Op::Conv ? w.kernel_h * w.kernel_w : 1;
            weight_dests_[li].assign(tin.parts.size(), {});
            for (int bi = lp.first_block; bi < lp.first_block + lp.all_tiles(); ++bi) {
                const TileBlock& b = map_.blocks[static_cast<std::size_t>(bi)];
                const bool original = b.replica == 0;  // replicas reuse the original's destinations
                // Channels of the input this block's rows read ((cin, ky, kx) row order).
                const int clo = b.row_begin / kk;
                const int chi = (b.row_begin + b.rows - 1) / kk + 1;
                int parts_needed = 0;
                for (std::size_t k = 0; k < tin.parts.size(); ++k) {
                    const int v = overlap(tin.parts[k].lo, tin.parts[k].hi, clo, chi);
                    if (v > 0) {
                        if (original) weight_dests_[li][k].push_back(Dest{bi, v});
                        ++parts_needed;
                    }
                }
                // LSTM: a block holding rows of h_{t-1} also waits for it (or, at t = 0, the zero state).
                int recurrent = 0;
                if (l.op == Op::Lstm) {
                    const int features = net_.shape(l.inputs[0]).c;
                    const int v = overlap(features, features + l.hidden(), b.row_begin, b.row_begin + b.rows);
                    if (v > 0) {
                        recurrent_dests_[li].push_back(Dest{bi, v});
                        recurrent = 1;
                    }
                }
                auto& need = block_need[static_cast<std::size_t>(bi)];
                need.resize(window_count.size());
                for (std::size_t o = 0; o < need.size(); ++o) need[o] = window_count[o] * parts_needed + recurrent;
            }
            if (l.op == Op::Lstm) cell_need[li].assign(static_cast<std::size_t>(tout.pixels()), lp.col_blocks);
            if (lp.row_blocks > 1) {
                psum_need[static_cast<std::size_t>(lpi)].assign(static_cast<std::size_t>(lp.col_blocks * tout.pixels()),
                                                                lp.row_blocks);
            }
        } else if (l.op == Op::MaxPool || l.op == Op::AvgPool) {
            auto& need = op_need[li];
            for (std::size_t k = 0; k < tout.parts.size(); ++k)
                need.insert(need.end(), window_count.begin(), window_count.end());
        } else if (l.op == Op::GlobalAvgPool || l.op == Op::Flatten) {
            op_need[li].assign(tout.parts.size(), tin.pixels());
        } else if (l.op == Op::Softmax || flow_[li] == Flow::Row) {
            op_need[li].assign(static_cast<std::size_t>(tout.pixels()), static_cast<int>(tin.parts.size()));
        } else if (flow_[li] == Flow::Gather) {
            int pieces = 0;  // every part of every pixel of every input (a Constant fires at its first)
            for (int t : l.inputs) {
                const TensorInfo& ti = tensors_.at(static_cast<std::size_t>(t));
                pieces += static_cast<int>(ti.parts.size()) * ti.pixels();
            }
            op_need[li].assign(1, l.op == Op::Constant ? 1 : pieces);
        } else if (flow_[li] == Flow::Matmul) {
            // [0]: pieces of the second operand still to come; [1 + row]: parts of a row of the first.
            const TensorInfo& tb = tensors_.at(static_cast<std::size_t>(l.inputs.at(1)));
            op_need[li].assign(1 + static_cast<std::size_t>(tin.pixels()), static_cast<int>(tin.parts.size()));
            op_need[li][0] = static_cast<int>(tb.parts.size()) * tb.pixels();
        } else if (l.op == Op::Add || flow_[li] == Flow::Pairwise) {
            const TensorInfo& tb = tensors_.at(static_cast<std::size_t>(l.inputs.at(1)));
            add_dests_[li].assign(tb.parts.size(), {});
            auto& need = op_need[li];
            for (std::size_t ka = 0; ka < tin.parts.size(); ++ka) {
                int from_b = 0;
                for (std::size_t kb = 0; kb < tb.parts.size(); ++kb) {
                    const int v = overlap(tin.parts[ka].lo, tin.parts[ka].hi, tb.parts[kb].lo, tb.parts[kb].hi);
                    if (v > 0) {
                        add_dests_[li][kb].push_back(Dest{static_cast<int>(ka), v});
                        ++from_b;
                    }
                }
                need.insert(need.end(), static_cast<std::size_t>(tout.pixels()), 1 + from_b);
            }
        } else {
            cnn_op_needs(li, op_need[li]);
        }
    }
    const TensorInfo& tout = tensors_.at(static_cast<std::size_t>(net_.output));
    flatten_template(needs, static_cast<int>(tout.parts.size()) * tout.pixels());
    for (const auto& dests : recurrent_dests_)
        initial_states_.insert(initial_states_.end(), dests.begin(), dests.end());
}

void ChipSchedule::flatten_template(const std::vector<std::vector<std::vector<int>>>& parts, int outputs_left) {
    std::vector<int>* offsets[] = {&need_.block, &need_.op, &need_.psum, &need_.cell};
    for (std::size_t k = 0; k < parts.size(); ++k) {
        for (const std::vector<int>& counters : parts[k]) {
            offsets[k]->push_back(static_cast<int>(need_.init.size()));
            need_.init.insert(need_.init.end(), counters.begin(), counters.end());
        }
    }
    need_.outputs = static_cast<int>(need_.init.size());
    need_.init.push_back(outputs_left);
}

int* ChipSchedule::allocate_need(int inference) {
    InferenceState& s = inf_[static_cast<std::size_t>(inference)];
    if (free_need_slots_.empty()) {
        free_need_slots_.push_back(static_cast<int>(need_slots_.size()));
        need_slots_.emplace_back();
    }
    s.slot = free_need_slots_.back();
    free_need_slots_.pop_back();
    need_slots_[static_cast<std::size_t>(s.slot)] = need_.init;
    return need_slots_[static_cast<std::size_t>(s.slot)].data();
}

void ChipSchedule::release_if_idle(int inference) {
    // Done, nothing of it queued or in flight, and all its input injected: no event will touch it again.
    InferenceState& s = inf_[static_cast<std::size_t>(inference)];
    if (s.done_cycle == kNever || s.live != 0 || s.slot < 0 || input_->next_inference() <= inference) return;
    free_need_slots_.push_back(s.slot);
    s.slot = -1;
    if (values_) values_->release(inference);
}

void ChipSchedule::start() {
    const TensorInfo& tin = tensors_.at(static_cast<std::size_t>(net_.input));
    // Bits of one input pixel (channels), or of one token (its features).
    const std::uint64_t bits = static_cast<std::uint64_t>(stream_vector(net_, net_.input)) * chip_.activation_bits;
    input_ = std::make_unique<InputStream>(batch_, tin.pixels(), bits, static_cast<std::uint64_t>(chip_.io_bits_per_cycle),
                                           static_cast<int>(initial_states_.size()));
    inf_.assign(static_cast<std::size_t>(batch_), InferenceState{});
    admit();
}

void ChipSchedule::admit() {
    // Inference n enters once n - window has left (chip.inferences_in_flight; 0: no limit).
    const int window = chip_.inferences_in_flight;
    while (input_->at_inference_start() && input_->next_inference() > admitted_) {
        const int n = input_->next_inference();
        if (window > 0 && n >= window) {
            const std::uint64_t free = inf_[static_cast<std::size_t>(n - window)].done_cycle;
            if (free == kNever) return;  // held back until then
            if (free > input_->first_input_cycle(n)) input_->restart(free);
        }
        inf_[static_cast<std::size_t>(n)].first_input_cycle = input_->first_input_cycle(n);
        admitted_ = n;
    }
}

std::uint64_t ChipSchedule::next_cycle() const {
    const std::uint64_t input = !input_ || input_->next_inference() > admitted_ ? kNever : input_->next_cycle();
    return std::min(input, events_.next_cycle());
}

bool ChipSchedule::finished() const {
    for (const auto& s : inf_) {
        if (s.done_cycle == kNever) return false;
    }
    return !inf_.empty();
}

void ChipSchedule::run_until(std::uint64_t now_cycle) {
    for (;;) {
        // The input stream's items come before the events raised while simulating at the same cycle.
        if (input_->at_inference_start()) admit();  // (admits only between two inferences)
        const std::uint64_t input = input_->next_inference() > admitted_ ? kNever : input_->next_cycle();
        const std::uint64_t event = events_.next_cycle();
        if (input <= event && input <= now_cycle) {
            handle_input(input_->pop());
        } else if (event <= now_cycle) {
            const Event e = events_.pop();
            handle(e);
            --inf_[static_cast<std::size_t>(e.inference)].live;
            release_if_done(e.inference);
        } else {
            return;
        }
    }
}

void ChipSchedule::handle_input(const InputStream::Item& item) {
    if (item.recurrent < 0) {
        tensor_ready(item.inference, net_.input, 0, item.pixel, item.cycle);
    } else {  // the zero initial state of an LSTM
        block_input(item.inference, initial_states_[static_cast<std::size_t>(item.recurrent)].target, 2, 0, item.cycle);
    }
    release_if_done(item.inference);
}

void ChipSchedule::push(Kind kind, std::uint64_t cycle, int inference, int a, int b, int pixel) {
    ++inf_[static_cast<std::size_t>(inference)].live;
    events_.push(Event{cycle, seq_++ << 8 | static_cast<std::uint64_t>(kind), inference, a, b, pixel});
}

void ChipSchedule::handle(const Event& e) {
    switch (e.kind()) {
        case Kind::TensorReady: tensor_ready(e.inference, e.a, e.b, e.pixel, e.cycle); break;
        case Kind::BlockInput: block_input(e.inference, e.a, e.b, e.pixel, e.cycle); break;
        case Kind::OpInput: op_input(e.inference, e.a, e.b, e.pixel, e.cycle); break;
        case Kind::PsumArrive: psum_arrive(e.inference, e.a, e.b, e.pixel, e.cycle); break;
        case Kind::GatesReady: column_ready(e.inference, e.a, e.b, e.pixel, e.cycle); break;
        case Kind::GatesArrive: gates_arrive(e.inference, e.a, e.pixel, e.cycle); break;
        case Kind::SoftmaxSlice: softmax_slice(e.inference, e.a, e.b, e.pixel, e.cycle); break;
        case Kind::GatherPiece: gather_piece(e.inference, e.a, e.cycle); break;
        case Kind::MatmulA: matmul_a(e.inference, e.a, e.pixel, e.cycle); break;
        case Kind::MatmulB: matmul_b(e.inference, e.a, e.cycle); break;
        case Kind::OutputArrive: output_arrive(e.inference, e.a, e.cycle); break;
    }
}

void ChipSchedule::output_arrive(int inference, int values, std::uint64_t now) {
    // The output stream is one serial resource: a slice leaves after the ones before it.
    const std::uint64_t bits = static_cast<std::uint64_t>(values) * static_cast<std::uint64_t>(chip_.activation_bits);
    const auto width = static_cast<std::uint64_t>(chip_.io_bits_per_cycle);
    output_stream_free_ = std::max(output_stream_free_, now) + (bits + width - 1) / width;
    InferenceState& s = inf_[static_cast<std::size_t>(inference)];
    s.outputs_out_cycle = std::max(s.outputs_out_cycle, output_stream_free_);
    if (--need(inference)[need_.outputs] == 0) s.done_cycle = s.outputs_out_cycle;
}

void ChipSchedule::send(int src_tile, int dst_tile, int values, int bits_per_value, std::uint64_t now, Kind kind,
                        int inference, int a, int b, int pixel) {
    const Delivery d = network_.send(src_tile, dst_tile, static_cast<std::uint64_t>(values) * bits_per_value, now);
    push(kind, d.arrival_cycle, inference, a, b, pixel);
}

void ChipSchedule::tensor_ready(int inference, int tensor, int part, int pixel, std::uint64_t now) {
    const TensorInfo& t = tensors_[static_cast<std::size_t>(tensor)];
    const Part& src = t.parts[static_cast<std::size_t>(part)];
    const int src_tile = tile_of(t, part, pixel);
    if (tensor == net_.output) {
        send(src_tile, chip_.io_tile, src.hi - src.lo, chip_.activation_bits, now, Kind::OutputArrive, inference,
             src.hi - src.lo, 0, 0);
    }
    const int lstm = lstm_of_tensor_[static_cast<std::size_t>(tensor)];
    if (lstm >= 0 && pixel + 1 < t.pixels()) {  // h_t back to the gate tiles, for step t + 1
        for (const Dest& d : recurrent_dests_[static_cast<std::size_t>(lstm)]) {
            send(src.tile, map_.blocks[static_cast<std::size_t>(d.target)].tile, d.values, chip_.activation_bits, now,
                 Kind::BlockInput, inference, d.target, 1, pixel);
        }
    }
    for (const Consumer& c : t.consumers) {
        const auto li = static_cast<std::size_t>(c.layer);
        switch (c.op) {
            case Op::Conv:
            case Op::Dense:
            case Op::Linear:
            case Op::Lstm: {
                const LayerPlacement& lp = *map_.placement(c.layer);
                const auto to_replica = [&](int r) {
                    for (const Dest& d : weight_dests_[li][static_cast<std::size_t>(part)]) {
                        const int block = d.target + r * lp.tiles();
                        send(src_tile, map_.blocks[static_cast<std::size_t>(block)].tile, d.values,
                             chip_.activation_bits, now, Kind::BlockInput, inference, block, 0, pixel);
                    }
                };
                if (lp.replicas == 1) {
                    to_replica(0);
                    break;
                }
                // Every replica that computes an output pixel whose window holds this pixel.
                const Layer& l = net_.layers[li];
                std::vector<char>& wanted = wanted_;
                wanted.assign(static_cast<std::size_t>(lp.replicas), 0);
                const TensorInfo& out = tensors_[static_cast<std::size_t>(l.output)];
                const Window& w = l.window;
                const auto ry = outputs_covering(pixel / t.w, w.kernel_h, w.stride_h, w.pad_top, out.h);
                const auto rx = outputs_covering(pixel % t.w, w.kernel_w, w.stride_w, w.pad_left, out.w);
                for (int oy = ry.first; oy <= ry.second; ++oy) {
                    for (int ox = rx.first; ox <= rx.second; ++ox)
                        wanted[static_cast<std::size_t>(lp.replica_of_pixel(oy * out.w + ox))] = 1;
                }
                for (int r = 0; r < lp.replicas; ++r) {
                    if (wanted[static_cast<std::size_t>(r)]) to_replica(r);
                }
                break;
            }
            case Op::Relu: {
                const Layer& l = net_.layers[li];
                if (values_) {
                    const Part& p = tensors_[static_cast<std::size_t>(l.output)].parts[static_cast<std::size_t>(part)];
                    values_->relu(inference, l, p.lo, p.hi, pixel);
                }
                tensor_ready(inference, l.output, part, pixel, now);
                break;
            }
            case Op::MaxPool:
            case Op::AvgPool:
            case Op::GlobalAvgPool:
            case Op::Flatten:
                to_op(inference, c.layer, src, src_tile, part, src.hi - src.lo, pixel,
                      now);  // output part k reads input part k
                break;
            case Op::Softmax: to_softmax(inference, c.layer, part, src_tile, pixel, now); break;
            case Op::Add:
                if (c.slot == 0) {
                    to_op(inference, c.layer, src, src_tile, part, src.hi - src.lo, pixel, now);
                } else {
                    for (const Dest& d : add_dests_[li][static_cast<std::size_t>(part)]) {
                        to_op(inference, c.layer, src, src_tile, d.target, d.values, pixel, now);
                    }
                }
                break;
            default:
                if (is_transformer_op(c.op)) {  // (the ones with weights are handled above)
                    transformer_input(inference, c.layer, c.slot, part, src_tile, pixel, now);
                } else if (!cnn_op_consumer(inference, c, src, src_tile, part, pixel, now)) {
                    throw std::logic_error("ChipSchedule::tensor_ready: an op without a route");
                }
        }
    }
}

int ChipSchedule::tile_of(const TensorInfo& t, int part, int pixel) const {
    if (t.replicated < 0) return t.parts[static_cast<std::size_t>(part)].tile;
    const LayerPlacement& lp = map_.layers[static_cast<std::size_t>(t.replicated)];
    return map_.blocks[static_cast<std::size_t>(lp.block_index(0, part, lp.replica_of_pixel(pixel)))].tile;
}

}  // namespace aimcsim
