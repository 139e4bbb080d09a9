#include "adc/cco_adc.h"

#include "aimcsim/core/rounding.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "aimcsim/core/registry.h"
#include "src/core/normal_lanes.h"
#include "src/core/simd_clones.h"

namespace aimcsim {

ParamSchema CcoAdc::schema() {
    ParamSchema s;
    s.real("ps_per_lsb", 300.0, "ps", "oscillator period: integration time per count").positive();
    s.real("window_ns", 128.0, "ns",
           "integration window the counter runs over; max_count = floor(window_ns*1000/ps_per_lsb/2)")
        .positive();
    s.integer("readout_cycles", 1, "cycles", "cycles after the window until the counts are latched").at_least(0);
    s.real("gain_sigma", 0.02, "", "relative per-column gain spread left after digital calibration").at_least(0.0);
    s.real("offset_sigma_lsb", 0.5, "LSB", "per-column offset spread left after digital calibration").at_least(0.0);
    s.real("noise_lsb", 0.5, "LSB", "per-conversion output-referred noise std (thermal, shot, read-to-read)")
        .at_least(0.0);
    s.real("inl_lsb", 0.0, "LSB", "amplitude of the smooth nonlinearity inl_lsb*sin(pi*v), largest at |v| = 0.5")
        .at_least(0.0);
    s.real("energy_fixed_pj", 1.5, "pJ", "energy of one conversion at count 0 (assumed split)").at_least(0.0);
    s.real("energy_per_count_pj", 0.02, "pJ", "energy per |count|: the oscillator's toggles (assumed split)")
        .at_least(0.0);
    return s;
}

CcoAdc::CcoAdc(const Params& p)
    : max_count_(static_cast<int>(std::floor(p.real("window_ns") * 1000.0 / p.real("ps_per_lsb") / 2.0))),
      readout_cycles_(static_cast<int>(p.integer("readout_cycles"))), gain_sigma_(p.real("gain_sigma")),
      offset_sigma_lsb_(p.real("offset_sigma_lsb")), noise_lsb_(p.real("noise_lsb")), inl_lsb_(p.real("inl_lsb")),
      energy_fixed_pj_(p.real("energy_fixed_pj")), energy_per_count_pj_(p.real("energy_per_count_pj")) {
    if (max_count_ < 1) {
        throw p.error("ps_per_lsb", "max_count = floor(window_ns*1000/ps_per_lsb/2) is 0 for window_ns " +
                                        std::to_string(p.real("window_ns")) +
                                        " ns: the window must hold at "
                                        "least 2 oscillator periods");
    }
}

void CcoAdc::setup(int columns, Rng& mismatch_rng) {
    gain_.assign(static_cast<std::size_t>(columns), 1.0);
    offset_lsb_.assign(static_cast<std::size_t>(columns), 0.0);
    // All gains, then all offsets: a change of one sigma does not move the other's draws.
    for (double& g : gain_) g = 1.0 + gain_sigma_ * mismatch_rng.normal();
    for (double& o : offset_lsb_) o = offset_sigma_lsb_ * mismatch_rng.normal();
    gain_max_.resize(gain_.size());
    offset_f_.resize(gain_.size());
    for (std::size_t j = 0; j < gain_.size(); ++j) {
        gain_max_[j] = static_cast<float>(gain_[j] * max_count_);
        offset_f_[j] = static_cast<float>(offset_lsb_[j]);
    }
}

namespace {

// The noisy conversion of `rows` rows of n columns (row r's values at v + r ldv, its
// noise at z + r ldz, its counts at out + r ldv), for convert() and convert_batch(), in
// float: the same IEEE operations in the same order, so the same counts on either clone
// (AVX2 only widens the lanes, to eight). convert_batch() makes one call per group of
// reads: a call per row of 16 columns cost more than its conversions.
AIMCSIM_SIMD_CLONES void noisy_counts(const float* v, std::size_t ldv, const float* gm, const float* off, float sigma,
                                      const float* z, std::size_t ldz, float max, int n, int rows, std::int32_t* out) {
    for (int r = 0; r < rows; ++r, v += ldv, z += ldz, out += ldv) {
        for (int j = 0; j < n; ++j) out[j] = round_clamp_f(gm[j] * v[j] + off[j] + sigma * z[j], max);
    }
}

}  // namespace

void CcoAdc::convert(const float* value_fs, int n, std::int32_t* counts, Rng* noise_rng) const {
    if (n > static_cast<int>(gain_.size())) {
        throw std::logic_error("CcoAdc::convert: " + std::to_string(n) + " columns but setup() drew " +
                               std::to_string(gain_.size()));
    }
    constexpr double kPi = 3.14159265358979323846;
    const double max = max_count_;
    const double* gain = gain_.data();
    const double* offset = offset_lsb_.data();
    // The noise of a chunk of columns is drawn first (normals_f32(), whole pairs: the
    // chunk is even), then the common case (no INL) converts it in one vectorisable loop.
    constexpr int kChunk = 64;
    float noise[kChunk] = {};
    const float* gain_max = gain_max_.data();
    for (int j0 = 0; j0 < n; j0 += kChunk) {
        const int m = std::min(kChunk, n - j0);
        if (noise_rng != nullptr) noise_rng->normals_f32(noise, static_cast<std::size_t>(m));
        if (inl_lsb_ == 0.0 && noise_rng != nullptr) {
            noisy_counts(value_fs + j0, 0, gain_max + j0, offset_f_.data() + j0, static_cast<float>(noise_lsb_), noise, 0,
                         static_cast<float>(max), m, 1, counts + j0);
            continue;
        }
        for (int j = j0; j < j0 + m; ++j) {
            const double v = value_fs[j];
            double x = gain[j] * v * max + offset[j];
            if (inl_lsb_ != 0.0) x += inl_lsb_ * std::sin(kPi * std::fmin(std::fmax(v, -1.0), 1.0));
            if (noise_rng != nullptr) x += noise_lsb_ * noise[j - j0];
            // Clamped before rounding: no overflow in the conversion, and NaN maps to a rail.
            counts[j] = round_clamp(x, max);
        }
    }
}

void CcoAdc::convert_batch(const float* value_fs, int m, std::size_t ld, int windows, int n, std::int32_t* counts,
                           const RngKeyPrefix* noise_key, const std::uint64_t* noise_ids) const {
    if (inl_lsb_ != 0.0 || noise_key == nullptr) {
        AdcModel::convert_batch(value_fs, m, ld, windows, n, counts, noise_key, noise_ids);
        return;
    }
    if (n > static_cast<int>(gain_.size())) {
        throw std::logic_error("CcoAdc::convert_batch: " + std::to_string(n) + " columns but setup() drew " +
                               std::to_string(gain_.size()));
    }
    // convert()'s noisy loop, with the noise of a group of reads drawn first, their
    // streams side by side (keyed_normals: each stream's normals_f32(), bit for bit). A
    // read's windows are convert() calls on one stream, each taking whole pairs: n + 1
    // values per window when n is odd, the last unused.
    constexpr int kGroup = 16;  // keyed_normals seeds sixteen streams side by side
    const int per_window = n + (n & 1);
    const int per_read = windows * per_window;
    thread_local std::vector<float> noise;
    noise.resize(static_cast<std::size_t>(kGroup) * per_read);
    const auto max = static_cast<float>(max_count_);
    const float* gm = gain_max_.data();
    const float* off = offset_f_.data();
    const auto sigma = static_cast<float>(noise_lsb_);
    for (int k0 = 0; k0 < m; k0 += kGroup) {
        const int g = std::min(kGroup, m - k0);
        keyed_normals(*noise_key, noise_ids + k0, g, per_read, noise.data(), static_cast<std::size_t>(per_read));
        const float* z = noise.data();
        const float* v = value_fs + static_cast<std::size_t>(k0) * ld;
        std::int32_t* out = counts + static_cast<std::size_t>(k0) * ld;
        if (windows == 1) {
            noisy_counts(v, ld, gm, off, sigma, z, static_cast<std::size_t>(per_read), max, n, g, out);
            continue;
        }
        for (int k = 0; k < g; ++k) {  // a read's windows are rows of n columns
            const std::size_t row = static_cast<std::size_t>(k) * ld;
            noisy_counts(v + row, static_cast<std::size_t>(n), gm, off, sigma, z + static_cast<std::size_t>(k) * per_read,
                         static_cast<std::size_t>(per_window), max, n, windows, out + row);
        }
    }
}

double CcoAdc::energy_pj(const std::int32_t* counts, int n) const {
    // Summed in integers: a double holds every partial sum of counts exactly, so this is
    // the same value as adding them one by one in doubles, without that serial chain of adds.
    long long sum_abs = 0;
    for (int j = 0; j < n; ++j) sum_abs += std::llabs(static_cast<long long>(counts[j]));
    return energy_fixed_pj_ * n + energy_per_count_pj_ * static_cast<double>(sum_abs);
}

double CcoAdc::energy_per_conversion_pj(double abs_count) const {
    return energy_fixed_pj_ + energy_per_count_pj_ * abs_count;
}

AIMCSIM_REGISTER(AdcModel, CcoAdc, "cco",
                 "HERMES current-controlled-oscillator ADC: counts edges over the integration window, per-column "
                 "gain/offset mismatch, per-conversion noise");

}  // namespace aimcsim
