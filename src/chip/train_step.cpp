#include "src/chip/train_step.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <stdexcept>

namespace aimcsim {

TrainStep::TrainStep(const Mapping& map, const ChipParams& chip, Interconnect& network, const TrainStepPlan& plan,
                     int batch, double clock_ghz)
    : map_(map), chip_(chip), network_(network), plan_(plan), batch_(batch) {
    if (plan.layers.size() != map.layers.size())
        throw std::logic_error("TrainStep: the plan has " + std::to_string(plan.layers.size()) +
                               " layers, the mapping " + std::to_string(map.layers.size()));
    if (plan.digital_macs_per_cycle < 1) throw std::logic_error("TrainStep: digital_macs_per_cycle < 1");
    for (const TrainStepLayer& l : plan.layers)
        if (l.vectors < batch || l.vectors % batch != 0)
            throw std::logic_error("TrainStep: a layer's vectors are not a multiple of the batch");
    const std::size_t nb = map.blocks.size();
    error_need_.assign(nb, std::vector<int>(static_cast<std::size_t>(batch), 0));
    images_need_.assign(nb, 0);
    psum_need_.resize(nb);
    pulse_cycles_ = block_pulse_cycles(map, plan, clock_ghz);
    const int last = static_cast<int>(map.layers.size()) - 1;
    for (int l = 0; l <= last; ++l) {
        const LayerPlacement& lp = map.layers[static_cast<std::size_t>(l)];
        for (int cb = 0; cb < lp.col_blocks; ++cb) {
            for (int rb = 0; rb < lp.row_blocks; ++rb) {
                const int b = lp.block_index(rb, cb);
                images_need_[static_cast<std::size_t>(b)] = batch;
                if (l == last) std::fill(error_need_[b].begin(), error_need_[b].end(), 1);  // from the controller
                if (cb == 0 && l > 0 && lp.col_blocks > 1)
                    psum_need_[static_cast<std::size_t>(b)].assign(static_cast<std::size_t>(batch) * pixels(l),
                                                                   lp.col_blocks);
            }
        }
        if (l == 0) continue;
        // Every summed row block of layer l sends each pixel's error to the blocks below it covers.
        const LayerPlacement& below = map.layers[static_cast<std::size_t>(l - 1)];
        for (int rb = 0; rb < lp.row_blocks; ++rb) {
            const TileBlock& src = map.blocks[static_cast<std::size_t>(lp.block_index(rb, 0))];
            for (int i = 0; i < below.tiles(); ++i) {
                const int tb = below.first_block + i;
                if (overlap(l, src.row_begin, src.row_begin + src.rows, map.blocks[static_cast<std::size_t>(tb)]) == 0)
                    continue;
                for (int& need : error_need_[static_cast<std::size_t>(tb)]) need += pixels(l);
            }
        }
    }
}

int TrainStep::overlap(int layer, int r0, int r1, const TileBlock& below) const {
    const LayerPlacement& lp = map_.layers[static_cast<std::size_t>(layer)];
    const long long rows = lp.rows, cols = map_.layers[static_cast<std::size_t>(layer - 1)].cols;
    const long long lo = below.col_begin * rows / cols, hi = (below.col_begin + below.cols) * rows / cols;
    return static_cast<int>(std::max(0LL, std::min<long long>(r1, hi) - std::max<long long>(r0, lo)));
}

std::vector<std::uint64_t> block_pulse_cycles(const Mapping& map, const TrainStepPlan& plan, double clock_ghz) {
    std::vector<std::uint64_t> cycles(map.blocks.size(), 0);
    for (std::size_t bi = 0; bi < map.blocks.size(); ++bi) {
        const TileBlock& b = map.blocks[bi];
        const int layer = map.placement_of_layer[static_cast<std::size_t>(b.layer)];
        if (layer < 0 || static_cast<std::size_t>(layer) >= plan.layers.size()) continue;
        double ns = 0.0;
        for (const TrainStepBlock& t : plan.layers[static_cast<std::size_t>(layer)].blocks) {
            const bool rows = t.row_begin < b.row_begin + b.rows && b.row_begin < t.row_begin + t.rows;
            const bool cols = t.col_begin < b.col_begin + b.cols && b.col_begin < t.col_begin + t.cols;
            if (rows && cols) ns = std::max(ns, t.programming_ns);
        }
        // Whole cycles (a hair over an integer from the ns product rounds down to it).
        cycles[bi] = static_cast<std::uint64_t>(std::ceil(ns * clock_ghz - 1e-9));
    }
    return cycles;
}

std::uint64_t step_end_with_pulses(const TrainStepTiming& t, const std::vector<std::uint64_t>& pulse_cycles) {
    std::uint64_t end = t.update_end_cycle;
    for (std::size_t b = 0; b < t.update_done_cycle.size() && b < pulse_cycles.size(); ++b)
        if (t.update_done_cycle[b] > 0 && pulse_cycles[b] > 0) end = std::max(end, t.update_done_cycle[b] + pulse_cycles[b]);
    return end;
}

void TrainStep::push(std::uint64_t cycle, int kind, int layer, int block, int image, int pixel) {
    heap_.push_back(Event{cycle, seq_++, kind, layer, block, image, pixel});
    std::push_heap(heap_.begin(), heap_.end(), std::greater<Event>());
}

TrainStepTiming TrainStep::run(std::uint64_t forward_end_cycle, const Occupy& occupy) {
    occupy_ = &occupy;
    t_ = TrainStepTiming{};
    t_.update_done_cycle.assign(map_.blocks.size(), 0);
    t_.forward_end_cycle = t_.backward_end_cycle = forward_end_cycle;
    const int last = static_cast<int>(map_.layers.size()) - 1;
    if (last < 0) return t_;
    const LayerPlacement& lp = map_.layers[static_cast<std::size_t>(last)];
    const auto bits = static_cast<std::uint64_t>(chip_.activation_bits);
    for (int k = 0; k < batch_; ++k) {
        for (int i = 0; i < lp.tiles(); ++i) {
            const TileBlock& b = map_.blocks[static_cast<std::size_t>(lp.first_block + i)];
            const Delivery d = network_.send(chip_.io_tile, b.tile,
                                             static_cast<std::uint64_t>(b.cols) * pixels(last) * bits, forward_end_cycle);
            push(d.arrival_cycle, ErrorArrive, last, lp.first_block + i, k, 0);
        }
    }
    while (!heap_.empty()) {
        std::pop_heap(heap_.begin(), heap_.end(), std::greater<Event>());
        const Event e = heap_.back();
        heap_.pop_back();
        handle(e);
    }
    t_.update_end_cycle = std::max(t_.update_end_cycle, t_.backward_end_cycle);
    t_.step_end_cycle = std::max(t_.step_end_cycle, t_.update_end_cycle);
    return t_;
}

void TrainStep::handle(const Event& e) {
    const LayerPlacement& lp = map_.layers[static_cast<std::size_t>(e.layer)];
    switch (e.kind) {
        case ErrorArrive:
            t_.backward_end_cycle = std::max(t_.backward_end_cycle, e.cycle);
            if (--error_need_[static_cast<std::size_t>(e.block)][static_cast<std::size_t>(e.image)] == 0)
                error_complete(e.layer, e.block, e.image, e.cycle);
            break;
        case MvmDone: {
            const TileBlock& b = map_.blocks[static_cast<std::size_t>(e.block)];
            if (lp.col_blocks == 1) {
                send_below(e.layer, b.block_row, e.image, e.cycle);
                break;
            }
            const int reducer = lp.block_index(b.block_row, 0);
            const TileBlock& r = map_.blocks[static_cast<std::size_t>(reducer)];
            const std::uint64_t arrival =
                reducer == e.block ? e.cycle
                                   : network_.send(b.tile, r.tile, static_cast<std::uint64_t>(b.rows) * chip_.psum_bits,
                                                   e.cycle).arrival_cycle;
            push(arrival, PsumArrive, e.layer, reducer, e.image, e.pixel);
            break;
        }
        case PsumArrive:
            if (--psum_need_[static_cast<std::size_t>(e.block)]
                            [static_cast<std::size_t>(e.image) * pixels(e.layer) + e.pixel] == 0)
                push(e.cycle + static_cast<std::uint64_t>(chip_.psum_add_cycles), SumReady, e.layer,
                     map_.blocks[static_cast<std::size_t>(e.block)].block_row, e.image, e.pixel);
            break;
        case SumReady: send_below(e.layer, e.block, e.image, e.cycle); break;
        default: throw std::logic_error("TrainStep: unknown event");
    }
}

void TrainStep::error_complete(int layer, int block, int image, std::uint64_t now) {
    const TileBlock& b = map_.blocks[static_cast<std::size_t>(block)];
    if (layer > 0) {
        // The image's error vectors through the block, transposed (the tile queues them).
        for (int p = 0; p < pixels(layer); ++p) {
            push((*occupy_)(block, kMvm, 0, now), MvmDone, layer, block, image, p);
            ++t_.transposed_mvms;
        }
    }
    if (--images_need_[static_cast<std::size_t>(block)] > 0) return;
    // Every image's error is in: the update on the LDPU, then the pulses on the array.
    const TrainStepLayer& pl = plan_.layers[static_cast<std::size_t>(layer)];
    const double macs = static_cast<double>(pl.vectors + 1) * b.rows * b.cols;
    const auto update = static_cast<std::uint64_t>(std::ceil(macs / plan_.digital_macs_per_cycle));
    const std::uint64_t updated = (*occupy_)(block, kDigital, update, now);
    t_.update_cycles += update;
    t_.update_end_cycle = std::max(t_.update_end_cycle, updated);
    t_.update_done_cycle[static_cast<std::size_t>(block)] = updated;
    const std::uint64_t pulses = pulse_cycles_[static_cast<std::size_t>(block)];
    if (pulses == 0) return;
    t_.programming_cycles += pulses;
    t_.step_end_cycle = std::max(t_.step_end_cycle, (*occupy_)(block, kPulse, pulses, updated));
}

void TrainStep::send_below(int layer, int rb, int image, std::uint64_t now) {
    const LayerPlacement& lp = map_.layers[static_cast<std::size_t>(layer)];
    const TileBlock& src = map_.blocks[static_cast<std::size_t>(lp.block_index(rb, 0))];
    const LayerPlacement& below = map_.layers[static_cast<std::size_t>(layer - 1)];
    for (int i = 0; i < below.tiles(); ++i) {
        const int tb = below.first_block + i;
        const TileBlock& dst = map_.blocks[static_cast<std::size_t>(tb)];
        const int values = overlap(layer, src.row_begin, src.row_begin + src.rows, dst);
        if (values == 0) continue;
        const Delivery d = network_.send(src.tile, dst.tile,
                                         static_cast<std::uint64_t>(values) * chip_.activation_bits, now);
        push(d.arrival_cycle, ErrorArrive, layer - 1, tb, image, 0);
    }
}

}  // namespace aimcsim
