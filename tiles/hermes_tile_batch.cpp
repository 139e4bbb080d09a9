// HermesTile::mvm_batch: the crossbar integrates many input vectors in one matrix
// product (Crossbar::integrate_batch), then every MVM gets what HermesTile::read()
// gives one: its own per-read noise stream through the ADC, the LDPU's affine step,
// its energy from its own activity counters. Only the float rounding of the column
// sums differs from read() (a different summation order), so outputs follow the same
// statistics and the energy of every MVM is the same.
#include <algorithm>
#include <stdexcept>
#include <vector>

#include "src/core/scratch.h"
#include "src/core/simd_clones.h"
#include "tiles/hermes_tile.h"

namespace aimcsim {

namespace {

// Inputs per matrix product: bounds the scratch (256 x 256 floats per buffer) while
// keeping sgemm's blocks full.
constexpr int kBatchGroup = 256;

// x[k ldx + i] -> xf[k r + i] for n vectors of r codes (the crossbar's float inputs).
AIMCSIM_SIMD_CLONES void codes_to_floats(const std::int8_t* x, int n, int ldx, int r, float* xf) {
    if (ldx == r) r *= n, n = 1;  // packed vectors: one long loop (r is often 9 or 144)
    for (int k = 0; k < n; ++k, x += ldx, xf += r) {
        for (int i = 0; i < r; ++i) xf[i] = static_cast<float>(x[i]);
    }
}

// The LDPU's affine step of n reads of c counts, drift-compensated as mvm() does it
// (Ldpu::affine_compensate); in a vector clone, eight or more lanes wide (the same
// operations).
AIMCSIM_SIMD_CLONES void affine_reads(const std::int32_t* counts, int n, int c, double lsb, double gdc, float* y,
                                      int ldy) {
    if (ldy == c) c *= n, n = 1;  // packed outputs: one long loop (c is often 16 or 32)
    for (int k = 0; k < n; ++k, counts += c, y += ldy) {
        if (gdc == 1.0) {
            Ldpu::affine(counts, c, lsb, nullptr, y);
        } else {
            Ldpu::affine_compensate(counts, c, lsb, gdc, y);
        }
    }
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
}

void HermesTile::one_phase_batch(const std::int8_t* x, int n, int ldx, float* y, int ldy, MvmEnergy* energy,
                                 const RngKeyPrefix* noise_key, const std::uint64_t* noise_ids) const {
    const int r = crossbar_->rows_used();
    const int c = crossbar_->cols_used();
    const int max_code = input_.max_code();
    const double lsb = output_range_ / adc_->max_count() * w_max_ * max_code;  // as in read()
    thread_local Scratch<float> xf_buf, col_buf;
    thread_local Scratch<std::int32_t> counts_buf;
    float* xf = xf_buf.get(static_cast<std::size_t>(n) * r);
    float* col = col_buf.get(static_cast<std::size_t>(n) * c);
    std::int32_t* counts = counts_buf.get(static_cast<std::size_t>(n) * c);
    codes_to_floats(x, n, ldx, r, xf);
    // Column values straight in ADC full-scale units.
    crossbar_->integrate_batch(xf, n, r, static_cast<float>(1.0 / (max_code * output_range_)), col, c);
    // Every MVM's conversions with its own noise stream (the streams drawn side by side).
    adc_->convert_batch(col, n, static_cast<std::size_t>(c), 1, c, counts, noise_key, noise_ids);
    affine_reads(counts, n, c, lsb, gdc_factor_, y, ldy);
    if (energy == nullptr) return;
    for (int k = 0; k < n; ++k) {
        const std::int32_t* ck = counts + static_cast<std::size_t>(k) * c;
        add_phase_energy(r, c, crossbar_->activity(x + static_cast<std::size_t>(k) * ldx), ck, *energy);
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
    thread_local Scratch<float> xf_buf, pos_buf, neg_buf, col_buf;
    thread_local Scratch<std::int32_t> counts_buf;
    // Rows 0..n-1: the positive inputs' magnitudes, rows n..2n-1: the negative ones'.
    float* xf = xf_buf.get(static_cast<std::size_t>(2 * n) * r);  // every element is written below
    for (int k = 0; k < n; ++k) {
        const std::int8_t* xk = x + static_cast<std::size_t>(k) * ldx;
        float* plus = xf + static_cast<std::size_t>(k) * r;
        float* minus = xf + static_cast<std::size_t>(n + k) * r;
        for (int i = 0; i < r; ++i) {
            const int v = xk[i];
            plus[i] = static_cast<float>(v > 0 ? v : 0);
            minus[i] = static_cast<float>(v < 0 ? -v : 0);
        }
    }
    float* pos = pos_buf.get(static_cast<std::size_t>(2 * n) * c);
    float* neg = neg_buf.get(static_cast<std::size_t>(2 * n) * c);
    crossbar_->integrate_polarities_batch(xf, 2 * n, r, 1.0F / static_cast<float>(max_code), pos, neg, c);
    const std::size_t per_mvm = 4 * static_cast<std::size_t>(c);
    float* col = col_buf.get(static_cast<std::size_t>(n) * per_mvm);
    std::int32_t* counts = counts_buf.get(static_cast<std::size_t>(n) * per_mvm);
    // The phases of read(): (x+,w+), (x+,w-), (x-,w+), (x-,w-), each unipolar partial sum
    // p in [0, fs] spread over the CCO's whole span: (2p/fs - 1) * max.
    static constexpr int kSign[4] = {+1, -1, -1, +1};
    for (int k = 0; k < n; ++k) {
        const float* phase[4] = {pos + static_cast<std::size_t>(k) * c, neg + static_cast<std::size_t>(k) * c,
                                 pos + static_cast<std::size_t>(n + k) * c, neg + static_cast<std::size_t>(n + k) * c};
        for (int p = 0; p < 4; ++p) {
            float* cp = col + k * per_mvm + static_cast<std::size_t>(p) * c;
            for (int j = 0; j < c; ++j) cp[j] = static_cast<float>(2.0 * phase[p][j] / phase_fs - 1.0);
        }
    }
    // One noise stream per MVM for its four windows, as read() draws it.
    adc_->convert_batch(col, n, per_mvm, 4, c, counts, noise_key, noise_ids);
    for (int k = 0; k < n; ++k) {
        const std::int32_t* ck = counts + k * per_mvm;
        float* yk = y + static_cast<std::size_t>(k) * ldy;
        for (int j = 0; j < c; ++j) {
            long net = 0;
            for (int p = 0; p < 4; ++p) net += kSign[p] * (ck[static_cast<std::size_t>(p) * c + j] + max_count);
            yk[j] = static_cast<float>(net * lsb * four_phase_range_ratio_ * 0.5);
        }
        if (gdc_factor_ != 1.0) Ldpu::compensate(yk, c, gdc_factor_);  // as mvm() does after read()
        if (energy != nullptr)
            add_phase_energy(r, c, crossbar_->activity(x + static_cast<std::size_t>(k) * ldx), ck, *energy);
    }
}

}  // namespace aimcsim
