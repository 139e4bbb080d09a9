// HermesTile under in-memory training: conductances from the training's device state,
// and the transposed read of the backward pass through the same devices.
#include <algorithm>
#include <stdexcept>
#include <vector>

#include "aimcsim/core/error.h"
#include "tiles/hermes_tile.h"

namespace aimcsim {

void HermesTile::load_conductances(const ConductanceBlock& block, const TileKey& key) {
    if (block.rows < 1 || block.rows > rows_ || block.cols < 1 || block.cols > cols_) {
        throw std::logic_error("HermesTile::load_conductances: block does not fit the tile");
    }
    // Set conductances bypass set_time, where IR drop and stuck devices act: refuse them
    // rather than train as if they were off.
    if (ir_drop_.active() || faults_.stuck_low + faults_.stuck_high > 0.0) {
        throw InputError("training: tile.ir_drop and stuck devices (tile.stuck_low_fraction, "
                         "tile.stuck_high_fraction) are not modelled under in-memory training; turn them off");
    }
    crossbar_->load_conductances(block.g_pos_us, block.g_neg_us, block.rows, block.cols);
    w_max_ = block.weight_scale > 0.0 ? block.weight_scale : 1.0;
    output_range_ = block.output_range > 0.0 ? block.output_range : default_output_range_;
    transposed_range_ = block.transposed_range > 0.0 ? block.transposed_range : default_output_range_;
    // The converters' mismatch is drawn once per tile, as program() draws it; the row
    // converters from a stream of their own, so the column ADCs match program()'s.
    if (!loaded_ || key.seed != key_.seed || key.tile_id != key_.tile_id) {
        Rng mismatch_rng(key.seed, Stream::AdcMismatch, {key.tile_id});
        adc_->setup(cols_, mismatch_rng);
        Rng row_mismatch_rng(key.seed, Stream::AdcMismatch, {key.tile_id, 0x7205});
        row_adc_->setup(rows_, row_mismatch_rng);
    }
    key_ = key;
    loaded_ = programmed_ = timed_ = true;
    gdc_factor_ = 1.0;
}

void HermesTile::mvm_transposed_batch(const std::int8_t* x, int n, int ldx, float* y, int ldy, MvmEnergy* energy,
                                      const RngKeyPrefix* noise_key, const std::uint64_t* noise_ids) const {
    if (!loaded_) throw std::logic_error("HermesTile::mvm_transposed_batch before load_conductances");
    if (noise_key != nullptr && noise_ids == nullptr)
        throw std::logic_error("HermesTile::mvm_transposed_batch: noise without ids");
    const int r = crossbar_->rows_used();
    const int c = crossbar_->cols_used();
    const int max_code = input_.max_code();
    const double lsb = transposed_range_ / row_adc_->max_count() * w_max_ * max_code;
    thread_local std::vector<float> xf, row;
    thread_local std::vector<std::int32_t> counts;
    xf.resize(static_cast<std::size_t>(n) * c);
    row.resize(static_cast<std::size_t>(n) * r);
    counts.resize(static_cast<std::size_t>(r));
    for (int k = 0; k < n; ++k) {
        const std::int8_t* xk = x + static_cast<std::size_t>(k) * ldx;
        for (int j = 0; j < c; ++j) xf[static_cast<std::size_t>(k) * c + j] = static_cast<float>(xk[j]);
    }
    // Row values straight in the row converters' full-scale units, as read() does for columns.
    crossbar_->integrate_transposed_batch(xf.data(), n, c, static_cast<float>(1.0 / (max_code * transposed_range_)),
                                          row.data(), r);
    for (int k = 0; k < n; ++k) {
        const float* rk = &row[static_cast<std::size_t>(k) * r];
        if (noise_key == nullptr) {
            row_adc_->convert(rk, r, counts.data(), nullptr);
        } else {
            Rng noise(*noise_key, {noise_ids[k]});
            row_adc_->convert(rk, r, counts.data(), &noise);
        }
        Ldpu::affine(counts.data(), r, lsb, nullptr, y + static_cast<std::size_t>(k) * ldy);
        if (energy == nullptr) continue;
        // The same components as a forward read, with rows and columns swapped.
        const Crossbar::Activity act = crossbar_->column_activity(x + static_cast<std::size_t>(k) * ldx);
        energy->input_pj += input_.load_energy_pj(c);
        energy->pwm_pj += input_.pwm_energy_pj(act.active_rows, act.pulse_lsbs);
        energy->array_pj += array_energy_pj_per_device_cycle_ * input_.cycles_per_lsb() * act.conduction;
        energy->adc_pj += row_adc_->energy_pj(counts.data(), r) + column_energy_pj_per_window_cycle_ * r *
                                                                        input_.window_cycles();
        energy->ldpu_pj += ldpu_.energy_pj(r);
    }
}

}  // namespace aimcsim
