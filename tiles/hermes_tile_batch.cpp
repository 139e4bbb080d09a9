// HermesTile::mvm_batch: the crossbar integrates many input vectors in one matrix
// product (Crossbar::integrate_batch), then every MVM gets what HermesTile::read()
// gives one: its own per-read noise stream through the ADC, the LDPU's affine step,
// its energy from its own activity counters. Only the float rounding of the column
// sums differs from read() (a different summation order), so outputs follow the same
// statistics and the energy of every MVM is the same.
#include <algorithm>
#include <stdexcept>
#include <vector>

#include "tiles/hermes_tile.h"

namespace aimcsim {

namespace {

// Inputs per matrix product: bounds the scratch (256 x 256 floats per buffer) while
// keeping sgemm's blocks full.
constexpr int kBatchGroup = 256;

// ADC conversion of one MVM's `phases` windows of c columns each, with the MVM's
// per-read noise stream (one stream for all its windows, as read() draws it).
void convert_windows(const AdcModel& adc, const float* col, int c, int phases, std::int32_t* counts,
                     const RngKeyPrefix* noise_key, std::uint64_t noise_id) {
    if (noise_key == nullptr) {
        for (int p = 0; p < phases; ++p)
            adc.convert(col + static_cast<std::size_t>(p) * c, c, counts + static_cast<std::size_t>(p) * c, nullptr);
        return;
    }
    Rng noise(*noise_key, {noise_id});
    for (int p = 0; p < phases; ++p)
        adc.convert(col + static_cast<std::size_t>(p) * c, c, counts + static_cast<std::size_t>(p) * c, &noise);
}

}  // namespace

void HermesTile::mvm_batch(const std::int8_t* x, int n, int ldx, float* y, int ldy, MvmEnergy* energy,
                           const RngKeyPrefix* noise_key, const std::uint64_t* noise_ids) const {
    if (!timed_) throw std::logic_error("HermesTile::mvm_batch before set_time");
    if (noise_key != nullptr && noise_ids == nullptr)
        throw std::logic_error("HermesTile::mvm_batch: noise without ids");
    for (int k0 = 0; k0 < n; k0 += kBatchGroup) {
        const int m = std::min(kBatchGroup, n - k0);
        const std::int8_t* xs = x + static_cast<std::size_t>(k0) * ldx;
        float* ys = y + static_cast<std::size_t>(k0) * ldy;
        const std::uint64_t* ids = noise_ids != nullptr ? noise_ids + k0 : nullptr;
        if (input_.mode() == InputMode::OnePhase) {
            one_phase_batch(xs, m, ldx, ys, ldy, energy, noise_key, ids);
        } else {
            four_phase_batch(xs, m, ldx, ys, ldy, energy, noise_key, ids);
        }
    }
    if (gdc_factor_ == 1.0) return;
    const int c = crossbar_->cols_used();
    for (int k = 0; k < n; ++k) {
        float* yk = y + static_cast<std::size_t>(k) * ldy;
        for (int j = 0; j < c; ++j) yk[j] = static_cast<float>(yk[j] * gdc_factor_);
    }
}

void HermesTile::one_phase_batch(const std::int8_t* x, int n, int ldx, float* y, int ldy, MvmEnergy* energy,
                                 const RngKeyPrefix* noise_key, const std::uint64_t* noise_ids) const {
    const int r = crossbar_->rows_used();
    const int c = crossbar_->cols_used();
    const int max_code = input_.max_code();
    const double lsb = output_range_ / adc_->max_count() * w_max_ * max_code;  // as in read()
    thread_local std::vector<float> xf, col;
    thread_local std::vector<std::int32_t> counts;
    xf.resize(static_cast<std::size_t>(n) * r);
    col.resize(static_cast<std::size_t>(n) * c);
    counts.resize(static_cast<std::size_t>(c));
    for (int k = 0; k < n; ++k) {
        const std::int8_t* xk = x + static_cast<std::size_t>(k) * ldx;
        float* fk = &xf[static_cast<std::size_t>(k) * r];
        for (int i = 0; i < r; ++i) fk[i] = static_cast<float>(xk[i]);
    }
    // Column values straight in ADC full-scale units.
    crossbar_->integrate_batch(xf.data(), n, r, static_cast<float>(1.0 / (max_code * output_range_)), col.data(), c);
    for (int k = 0; k < n; ++k) {
        convert_windows(*adc_, &col[static_cast<std::size_t>(k) * c], c, 1, counts.data(), noise_key,
                        noise_key != nullptr ? noise_ids[k] : 0);
        Ldpu::affine(counts.data(), c, lsb, nullptr, y + static_cast<std::size_t>(k) * ldy);
        if (energy != nullptr)
            add_phase_energy(r, c, crossbar_->activity(x + static_cast<std::size_t>(k) * ldx), counts.data(), *energy);
    }
}

void HermesTile::four_phase_batch(const std::int8_t* x, int n, int ldx, float* y, int ldy, MvmEnergy* energy,
                                  const RngKeyPrefix* noise_key, const std::uint64_t* noise_ids) const {
    const int r = crossbar_->rows_used();
    const int c = crossbar_->cols_used();
    const int max_code = input_.max_code();
    const int max_count = adc_->max_count();
    const double lsb = output_range_ / max_count * w_max_ * max_code;
    const double phase_fs = four_phase_range_ratio_ * output_range_;
    thread_local std::vector<float> xf, pos, neg, col;
    thread_local std::vector<std::int32_t> counts;
    // Rows 0..n-1: the positive inputs' magnitudes, rows n..2n-1: the negative ones'.
    xf.resize(static_cast<std::size_t>(2 * n) * r);  // every element is written below
    for (int k = 0; k < n; ++k) {
        const std::int8_t* xk = x + static_cast<std::size_t>(k) * ldx;
        float* plus = &xf[static_cast<std::size_t>(k) * r];
        float* minus = &xf[static_cast<std::size_t>(n + k) * r];
        for (int i = 0; i < r; ++i) {
            const int v = xk[i];
            plus[i] = static_cast<float>(v > 0 ? v : 0);
            minus[i] = static_cast<float>(v < 0 ? -v : 0);
        }
    }
    pos.resize(static_cast<std::size_t>(2 * n) * c);
    neg.resize(static_cast<std::size_t>(2 * n) * c);
    crossbar_->integrate_polarities_batch(xf.data(), 2 * n, r, 1.0F / static_cast<float>(max_code), pos.data(),
                                          neg.data(), c);
    col.resize(4 * static_cast<std::size_t>(c));
    counts.resize(4 * static_cast<std::size_t>(c));
    // The phases of read(): (x+,w+), (x+,w-), (x-,w+), (x-,w-), each unipolar partial sum
    // p in [0, fs] spread over the CCO's whole span: (2p/fs - 1) * max.
    static constexpr int kSign[4] = {+1, -1, -1, +1};
    for (int k = 0; k < n; ++k) {
        const float* phase[4] = {&pos[static_cast<std::size_t>(k) * c], &neg[static_cast<std::size_t>(k) * c],
                                 &pos[static_cast<std::size_t>(n + k) * c], &neg[static_cast<std::size_t>(n + k) * c]};
        for (int p = 0; p < 4; ++p) {
            float* cp = &col[static_cast<std::size_t>(p) * c];
            for (int j = 0; j < c; ++j) cp[j] = static_cast<float>(2.0 * phase[p][j] / phase_fs - 1.0);
        }
        convert_windows(*adc_, col.data(), c, 4, counts.data(), noise_key, noise_key != nullptr ? noise_ids[k] : 0);
        float* yk = y + static_cast<std::size_t>(k) * ldy;
        for (int j = 0; j < c; ++j) {
            long net = 0;
            for (int p = 0; p < 4; ++p) net += kSign[p] * (counts[static_cast<std::size_t>(p) * c + j] + max_count);
            yk[j] = static_cast<float>(net * lsb * four_phase_range_ratio_ * 0.5);
        }
        if (energy != nullptr)
            add_phase_energy(r, c, crossbar_->activity(x + static_cast<std::size_t>(k) * ldx), counts.data(), *energy);
    }
}

}  // namespace aimcsim
