// The schedule's tile side: a block's inputs arriving, its MVMs issued and done,
// partial sums of row-split layers, LSTM gates to their cell; and the functional
// mode's hooks (values through pixel_values.h). See schedule.h.
#include "src/chip/schedule.h"

#include <algorithm>
#include <stdexcept>

#include "src/mapping/grid_geometry.h"

namespace aimcsim {

void ChipSchedule::build_block_plans() {
    block_plans_.assign(map_.blocks.size(), BlockPlan{});
    std::uint64_t mvms_per_inference = 0;
    for (std::size_t bi = 0; bi < map_.blocks.size(); ++bi) {
        const TileBlock& b = map_.blocks[bi];
        const Layer& l = net_.layers[static_cast<std::size_t>(b.layer)];
        const TensorInfo& out = tensors_[static_cast<std::size_t>(l.output)];
        BlockPlan& p = block_plans_[bi];
        p.op = l.op;
        p.placement = map_.placement_of_layer[static_cast<std::size_t>(b.layer)];
        p.need = need_.block[bi];
        const LayerPlacement& lp = map_.layers[static_cast<std::size_t>(p.placement)];
        p.placed = &lp;
        p.replicas = lp.replicas;
        p.replica = b.replica;
        p.in_w = tensors_[static_cast<std::size_t>(l.inputs[0])].w;
        p.out_h = out.h;
        p.out_w = out.w;
        p.window = l.window;
        p.layer = b.layer;
        p.tile = b.tile;
        p.block_row = b.block_row;
        p.block_col = b.block_col;
        p.cols = b.cols;
        p.row_blocks = lp.row_blocks;
        p.psum_tile = map_.blocks[static_cast<std::size_t>(lp.block_index(0, b.block_col, b.replica))].tile;
        mvms_per_inference += static_cast<std::uint64_t>(out.pixels());
    }
    // Room for an inference's MVMs in flight from the start: growing the table while
    // a busy tile's queue fills copies it over and over.
    jobs_.reserve(mvms_per_inference);
}

void ChipSchedule::block_input(int inference, int block, int source, int pixel, std::uint64_t now) {
    const BlockPlan& p = block_plans_[static_cast<std::size_t>(block)];
    if (inference == 0 && source != 2) {  // (an LSTM's zero initial state is not an input)
        LayerTiming& lt = layer_timing_[static_cast<std::size_t>(p.placement)];
        lt.first_input_cycle = std::min(lt.first_input_cycle, now);
    }
    int* const need = this->need(inference) + p.need;
    auto ready = [&](int o) {
        if (--need[static_cast<std::size_t>(o)] != 0) return;
        std::uint64_t id = jobs_.size();
        if (free_jobs_.empty()) {
            jobs_.emplace_back();
        } else {
            id = free_jobs_.back();
            free_jobs_.pop_back();
        }
        jobs_[id] = MvmJob{inference, block, o};
        ++mvms_issued_;
        ++inf_[static_cast<std::size_t>(inference)].live;
        ++layer_timing_[static_cast<std::size_t>(p.placement)].mvms;
        issue_mvm(block, id, now);
    };
    if (p.op == Op::Dense) {
        ready(0);
        return;
    }
    if (p.op == Op::Lstm) {  // step t reads x_t (source 0) and h_{t-1} (1; 2: the zero state at t = 0)
        ready(source == 0 ? pixel : source == 1 ? pixel + 1 : 0);
        return;
    }
    const Window& w = p.window;
    const auto ry = outputs_covering(pixel / p.in_w, w.kernel_h, w.stride_h, w.pad_top, p.out_h);
    const auto rx = outputs_covering(pixel % p.in_w, w.kernel_w, w.stride_w, w.pad_left, p.out_w);
    const bool all_mine = p.replicas == 1;  // (skips a division per output pixel)
    for (int oy = ry.first; oy <= ry.second; ++oy) {
        for (int ox = rx.first; ox <= rx.second; ++ox) {
            const int o = oy * p.out_w + ox;
            if (all_mine || p.placed->replica_of_pixel(o) == p.replica) ready(o);  // this copy's pixels
        }
    }
}

void ChipSchedule::mvm_done(std::uint64_t job_id, std::uint64_t now) {
    const MvmJob j = jobs_.at(job_id);
    mvm_result(job_id, j, now);
    free_jobs_.push_back(job_id);
    --inf_[static_cast<std::size_t>(j.inference)].live;
    release_if_done(j.inference);
}

void ChipSchedule::mvm_result(std::uint64_t job_id, const MvmJob& j, std::uint64_t now) {
    const BlockPlan& b = block_plans_[static_cast<std::size_t>(j.block)];
    ++block_mvms_[static_cast<std::size_t>(j.block)];
    if (record_spans_) spans_.push_back(MvmSpan{b.tile, j.block, j.inference, j.out_pixel, j.start_cycle, now});
    const int lpi = b.placement;
    if (values_) {
        values_->mvm_done(job_id, j.inference, j.block, j.out_pixel);
        if (b.row_blocks == 1) values_->finish_pixel(j.inference, lpi, b.block_col, j.out_pixel);
    }
    if (b.row_blocks == 1) {
        if (j.inference == 0) {
            LayerTiming& lt = layer_timing_[static_cast<std::size_t>(lpi)];
            lt.last_output_cycle = std::max(lt.last_output_cycle, now);
        }
        column_ready(j.inference, b.layer, b.block_col, j.out_pixel, now);
    } else if (b.block_row == 0) {
        psum_arrive(j.inference, lpi, b.block_col, j.out_pixel, now);
    } else {
        send(b.tile, b.psum_tile, b.cols, chip_.psum_bits, now, Kind::PsumArrive, j.inference, lpi, b.block_col,
             j.out_pixel);
    }
}

void ChipSchedule::psum_arrive(int inference, int placement, int col_block, int pixel, std::uint64_t now) {
    const LayerPlacement& lp = map_.layers[static_cast<std::size_t>(placement)];
    const BlockPlan& first = block_plans_[static_cast<std::size_t>(lp.block_index(0, col_block))];
    int* const need = this->need(inference) + need_.psum[static_cast<std::size_t>(placement)];
    if (--need[static_cast<std::size_t>(col_block * first.out_h * first.out_w + pixel)] != 0) return;
    if (values_) values_->finish_pixel(inference, placement, col_block, pixel);
    const int cols = first.cols;
    const auto adds = static_cast<std::uint64_t>(lp.row_blocks - 1) * cols;
    digital_.psum_adds += adds;
    digital_.energy_pj += static_cast<double>(adds) * chip_.psum_add_energy_pj;
    const std::uint64_t ready = now + chip_.psum_add_cycles;
    if (inference == 0) {
        LayerTiming& lt = layer_timing_[static_cast<std::size_t>(placement)];
        lt.last_output_cycle = std::max(lt.last_output_cycle, ready);
    }
    push(Kind::GatesReady, ready, inference, lp.layer, col_block, pixel);
}

void ChipSchedule::column_ready(int inference, int layer, int col_block, int pixel, std::uint64_t now) {
    const Layer& l = net_.layers[static_cast<std::size_t>(layer)];
    if (l.op != Op::Lstm) {
        tensor_ready(inference, l.output, col_block, pixel, now);
        return;
    }
    // LSTM: the gate pre-activations go to the cell's GDPU.
    const LayerPlacement& lp = *map_.placement(layer);
    const TileBlock& b = map_.blocks[static_cast<std::size_t>(lp.block_index(0, col_block))];
    const Part& cell = tensors_[static_cast<std::size_t>(l.output)].parts.front();
    send(b.tile, cell.tile, b.cols, chip_.psum_bits, now, Kind::GatesArrive, inference, layer, col_block, pixel);
}

void ChipSchedule::gates_arrive(int inference, int layer, int pixel, std::uint64_t now) {
    int* const need = this->need(inference) + need_.cell[static_cast<std::size_t>(layer)];
    if (--need[static_cast<std::size_t>(pixel)] != 0) return;
    const Layer& l = net_.layers[static_cast<std::size_t>(layer)];
    if (values_) values_->lstm_cell(inference, layer, pixel);
    const Part& cell = tensors_[static_cast<std::size_t>(l.output)].parts.front();
    const std::uint64_t ready = digital_op(cell.gdpu, l.cols, chip_.lstm_cell_cycles, layer, inference, pixel, now);
    if (inference == 0) {
        LayerTiming& lt =
            layer_timing_[static_cast<std::size_t>(map_.placement_of_layer[static_cast<std::size_t>(layer)])];
        lt.last_output_cycle = std::max(lt.last_output_cycle, ready);
    }
    push(Kind::TensorReady, ready, inference, l.output, 0, pixel);
}

// ------------------------------------------------------------------ functional mode

void ChipSchedule::enable_values(std::vector<std::vector<float>> inputs, const AnalogNetwork& analog, bool gdc,
                                 std::uint64_t first_image) {
    if (static_cast<int>(inputs.size()) != batch_) throw std::logic_error("enable_values: one input per inference");
    values_ = std::make_unique<PixelValues>(net_, map_, std::move(inputs), analog, gdc, first_image);
}

std::uint64_t ChipSchedule::mvm_id(std::uint64_t job_id) const {
    const MvmJob& j = jobs_.at(job_id);
    return values_->noise_id(j.inference, j.out_pixel);
}

float* ChipSchedule::prepare_mvm(std::uint64_t job_id, std::int8_t* codes) {
    const MvmJob& j = jobs_.at(job_id);
    return values_->prepare_mvm(job_id, j.inference, j.block, j.out_pixel, codes);
}

}  // namespace aimcsim
