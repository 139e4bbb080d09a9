#include "tiles/crossbar.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <cstdlib>
#include <stdexcept>

#include "src/core/simd_clones.h"

namespace aimcsim {

Crossbar::Crossbar(int rows, int cols, int devices_per_polarity, DeviceModel& device)
    : rows_(rows), cols_(cols), devices_per_polarity_(devices_per_polarity), device_(device),
      draws_per_polarity_(device.polarity_level_fit() ? 1 : devices_per_polarity),
      g_polarity_max_us_(device.g_max_us() * draws_per_polarity_),
      g_device_max_us_(g_polarity_max_us_ / devices_per_polarity) {}

void Crossbar::program(const std::vector<float>& w_norm, int rows_used, int cols_used, Rng& rng, Rng* fault_rng,
                       CrossbarKey key) {
    if (rows_used > rows_ || cols_used > cols_) throw std::logic_error("Crossbar: block larger than the array");
    rows_used_ = rows_used;
    cols_used_ = cols_used;
    const double g_max = device_.g_max_us();
    const int n = draws_per_polarity_;
    devices_.assign(static_cast<size_t>(rows_used) * cols_used * 2 * n, ProgrammedDevice{});
    device_.begin_block({rows_used, cols_used, n, devices_.size(), key.seed, key.tile_id});
    for (size_t w = 0; w < w_norm.size(); ++w) {
        const double g = std::fabs(w_norm[w]) * g_max;
        const int on = w_norm[w] >= 0.0F ? 0 : 1;  // which polarity carries the weight
        for (int pol = 0; pol < 2; ++pol) {
            for (int k = 0; k < n; ++k) {
                devices_[(w * 2 + pol) * n + k] = device_.program(pol == on ? g : 0.0, site(w, pol, k), rng);
            }
        }
    }
    stuck_low_.clear();
    stuck_high_.clear();
    stuck_low_count_ = stuck_high_count_ = 0;
    if (fault_rng == nullptr || faults_.stuck_low + faults_.stuck_high <= 0.0) return;
    // Physical devices per draw: all of the group for a polarity-level fit, else one.
    const int per_draw = devices_per_polarity_ / n;
    stuck_low_.assign(devices_.size(), 0);
    stuck_high_.assign(devices_.size(), 0);
    for (size_t d = 0; d < devices_.size(); ++d) {
        for (int k = 0; k < per_draw; ++k) {
            const double u = fault_rng->uniform();
            if (u < faults_.stuck_low) {
                ++stuck_low_[d];
                ++stuck_low_count_;
            } else if (u < faults_.stuck_low + faults_.stuck_high) {
                ++stuck_high_[d];
                ++stuck_high_count_;
            }
        }
    }
}

void Crossbar::set_time(double t_s, Rng& rng) {
    const size_t weights = static_cast<size_t>(rows_used_) * cols_used_;
    const int n = draws_per_polarity_;
    const double norm = 1.0 / g_polarity_max_us_;
    const bool faulty = !stuck_low_.empty();
    const double per_draw = static_cast<double>(devices_per_polarity_ / n);
    w_pos_.assign(weights, 0.0F);
    w_neg_.assign(weights, 0.0F);
    std::vector<float> pos_plus(weights), neg_plus(weights);  // the groups under V+
    std::vector<double> conduction_pos(rows_used_, 0.0), conduction_neg(rows_used_, 0.0);
    row_conduction_.assign(rows_used_, 0.0F);
    asymmetric_ = false;
    for (size_t w = 0; w < weights; ++w) {
        double g[2] = {0.0, 0.0}, g_plus[2] = {0.0, 0.0};
        for (int pol = 0; pol < 2; ++pol) {
            for (int k = 0; k < n; ++k) {
                const size_t d = (w * 2 + pol) * n + k;
                // Always read, so a fault does not shift the read-noise draws of other devices.
                const DeviceRead read = device_.read(devices_[d], site(w, pol, k), t_s, rng);
                if (!faulty) {
                    g[pol] += read.g_us;
                    g_plus[pol] += read.g_plus_us;
                } else {
                    // A stuck device conducts the same under both polarities.
                    const double healthy = per_draw - stuck_low_[d] - stuck_high_[d];
                    g[pol] += read.g_us * healthy / per_draw + stuck_high_[d] * g_device_max_us_;
                    g_plus[pol] += read.g_plus_us * healthy / per_draw + stuck_high_[d] * g_device_max_us_;
                }
            }
        }
        w_pos_[w] = static_cast<float>(g[0] * norm);
        w_neg_[w] = static_cast<float>(g[1] * norm);
        pos_plus[w] = static_cast<float>(g_plus[0] * norm);
        neg_plus[w] = static_cast<float>(g_plus[1] * norm);
        asymmetric_ = asymmetric_ || pos_plus[w] != w_pos_[w] || neg_plus[w] != w_neg_[w];
        const size_t row = w / cols_used_;
        row_conduction_[row] += static_cast<float>((g[0] + g[1]) / g_device_max_us_);
        conduction_pos[row] += (g[0] + g_plus[1]) / g_device_max_us_;  // one-phase, x > 0
        conduction_neg[row] += (g_plus[0] + g[1]) / g_device_max_us_;  // one-phase, x < 0
    }
    row_conduction_pos_.assign(conduction_pos.begin(), asymmetric_ ? conduction_pos.end() : conduction_pos.begin());
    row_conduction_neg_.assign(conduction_neg.begin(), asymmetric_ ? conduction_neg.end() : conduction_neg.begin());
    if (ir_drop_.active()) apply_ir_drop(pos_plus, neg_plus);
    build_one_phase(pos_plus, neg_plus);
}

void Crossbar::apply_ir_drop(std::vector<float>& pos_plus, std::vector<float>& neg_plus) {
    const size_t weights = w_pos_.size();
    std::vector<float> g_pos(weights), g_neg(weights);
    for (size_t w = 0; w < weights; ++w) {
        g_pos[w] = static_cast<float>(w_pos_[w] * g_polarity_max_us_);
        g_neg[w] = static_cast<float>(w_neg_[w] * g_polarity_max_us_);
    }
    const IrDropFactors f =
        first_order_ir_drop(g_pos, g_neg, rows_used_, cols_used_, rows_, ir_drop_.segment_resistance_ohm);
    // The drivers deliver the devices' currents as the source-line drop leaves them (the
    // bit-line share is a signed sum over the column's rows, about 0 on average: not counted).
    const double to_device = g_polarity_max_us_ / g_device_max_us_;
    std::fill(row_conduction_.begin(), row_conduction_.end(), 0.0F);
    std::fill(row_conduction_pos_.begin(), row_conduction_pos_.end(), 0.0F);
    std::fill(row_conduction_neg_.begin(), row_conduction_neg_.end(), 0.0F);
    for (size_t w = 0; w < weights; ++w) {
        const size_t row = w / cols_used_;
        const double p = w_pos_[w] * f.pos_sl[w], m = w_neg_[w] * f.neg_sl[w];
        const double pp = pos_plus[w] * f.pos_sl[w], mp = neg_plus[w] * f.neg_sl[w];
        row_conduction_[row] += static_cast<float>((p + m) * to_device);
        if (asymmetric_) {
            row_conduction_pos_[row] += static_cast<float>((p + mp) * to_device);
            row_conduction_neg_[row] += static_cast<float>((pp + m) * to_device);
        }
        w_pos_[w] *= f.pos[w];
        w_neg_[w] *= f.neg[w];
        pos_plus[w] *= f.pos[w];
        neg_plus[w] *= f.neg[w];
    }
}

void Crossbar::build_one_phase(const std::vector<float>& pos_plus, const std::vector<float>& neg_plus) {
    const size_t weights = w_pos_.size();
    w_diff_.assign(weights, 0.0F);
    w_diff_neg_.assign(asymmetric_ ? weights : 0, 0.0F);
    for (size_t w = 0; w < weights; ++w) {
        // Rows with x > 0 read G+ under V- and G- under V+; rows with x < 0 the other way round.
        w_diff_[w] = w_pos_[w] - neg_plus[w];
        if (asymmetric_) w_diff_neg_[w] = pos_plus[w] - w_neg_[w];
    }
}

double Crossbar::programmed_mean_abs_weight() const {
    const size_t weights = static_cast<size_t>(rows_used_) * cols_used_;
    const int n = draws_per_polarity_;
    const bool faulty = !stuck_low_.empty();
    const double per_draw = static_cast<double>(devices_per_polarity_ / n);
    const auto conductance = [&](size_t d) {
        const double g = devices_[d].g_prog_us;
        if (!faulty) return g;
        return g * (per_draw - stuck_low_[d] - stuck_high_[d]) / per_draw + stuck_high_[d] * g_device_max_us_;
    };
    double sum = 0.0;
    for (size_t w = 0; w < weights; ++w) {
        double g = 0.0;
        for (int k = 0; k < n; ++k) g += conductance((w * 2) * n + k) - conductance((w * 2 + 1) * n + k);
        sum += std::fabs(g);
    }
    return weights > 0 ? sum / (g_polarity_max_us_ * static_cast<double>(weights)) : 0.0;
}

double Crossbar::mean_abs_weight() const {
    double sum = 0.0;
    for (float w : w_diff_) sum += std::fabs(w);
    return w_diff_.empty() ? 0.0 : sum / static_cast<double>(w_diff_.size());
}

namespace {

// L float lanes of a GCC/Clang vector: 4 (SSE2, NEON) or 8 (AVX2).
template <int L> struct Lanes {
    typedef float type __attribute__((vector_size(sizeof(float) * L)));
};
using V4 = Lanes<4>::type;

// y[0..L*N) (+)= sum_k row[k][j0..j0+L*N) * xs[k] over the m active rows, with the L*N
// sums held in registers across the rows. Each lane does exactly the scalar loop's
// operations in the same order (a product, then an add; no fused multiply-add), so the
// result is the same bit for bit as accumulating in memory row by row, whatever L is.
// Always inlined, so that in accumulate_columns_avx2 it is compiled for AVX2.
template <int L, int N>
__attribute__((always_inline)) inline void accumulate(const float* const* row, const float* xs, int m, int j0,
                                                      bool first, float* y) {
    using V = typename Lanes<L>::type;
    V acc[N];
    for (int v = 0; v < N; ++v) {
        if (first) {
            acc[v] = V{};
        } else {
            std::memcpy(&acc[v], y + L * v, sizeof(V));
        }
    }
    for (int k = 0; k < m; ++k) {
        const float* w = row[k] + j0;
        V xk;
        for (int l = 0; l < L; ++l) xk[l] = xs[k];
        for (int v = 0; v < N; ++v) {
            V wv;
            std::memcpy(&wv, w + L * v, sizeof wv);
            acc[v] += wv * xk;
        }
    }
    for (int v = 0; v < N; ++v) std::memcpy(y + L * v, &acc[v], sizeof(V));
}

// The columns [0, c) of one group of rows, 8L at a time, then 4L, 2L, L, then one by one.
template <int L>
__attribute__((always_inline)) inline void accumulate_columns_lanes(const float* const* row, const float* xs, int m,
                                                                    int c, bool first, float* y) {
    int j = 0;
    for (; j + 8 * L <= c; j += 8 * L) accumulate<L, 8>(row, xs, m, j, first, y + j);
    if (j + 4 * L <= c) accumulate<L, 4>(row, xs, m, j, first, y + j), j += 4 * L;
    if (j + 2 * L <= c) accumulate<L, 2>(row, xs, m, j, first, y + j), j += 2 * L;
    if (j + L <= c) accumulate<L, 1>(row, xs, m, j, first, y + j), j += L;
    for (; j < c; ++j) {
        float acc = first ? 0.0F : y[j];
        for (int k = 0; k < m; ++k) acc += row[k][j] * xs[k];
        y[j] = acc;
    }
}

void accumulate_columns(const float* const* row, const float* xs, int m, int c, bool first, float* y) {
    accumulate_columns_lanes<4>(row, xs, m, c, first, y);
}

#if defined(__x86_64__) && defined(__GNUC__)
// Eight lanes where the CPU has AVX2 (chosen at run time). AVX2 alone has no fused
// multiply-add, so the compiler cannot fuse the product and the add: the same bits.
#define AIMCSIM_AVX2_COLUMNS 1
__attribute__((target("avx2"))) void accumulate_columns_avx2(const float* const* row, const float* xs, int m, int c,
                                                             bool first, float* y) {
    accumulate_columns_lanes<8>(row, xs, m, c, first, y);
}

const bool kHaveAvx2 = cpu_has_avx2();
#endif

// Rows are handled in groups of this many (buffers on the stack).
constexpr int kRowGroup = 256;

// What the rows drive (see Crossbar::Activity), summed over groups of rows.
struct RowSums {
    long active = 0;
    long pulses = 0;
    V4 conduction = {0.0F, 0.0F, 0.0F, 0.0F};  // partial sums: no serial chain of float adds

    [[nodiscard]] Crossbar::Activity activity() const {
        const double g = static_cast<double>(conduction[0]) + conduction[1] + conduction[2] + conduction[3];
        return Crossbar::Activity{static_cast<double>(active), static_cast<double>(pulses), g};
    }
};

// The weights and row conductions a row reads, by the sign of its input (the same
// arrays for both signs unless devices are asymmetric; see Crossbar::set_time).
struct RowSource {
    const float* g_pos;
    const float* g_neg;
    const float* w_pos;
    const float* w_neg;
};

using I4 = std::int32_t __attribute__((vector_size(16)));

// One group of rows [0, n) of x: adds to `sums` (with the rows' conductions) and,
// with kList, lists the rows with a pulse (row[k] = their weights, c per row;
// xs[k] = code * scale) and returns how many. activity() and integrate_active()
// both use it, so their sums agree bit for bit. Row i's conduction goes to lane i % 4
// (n is a multiple of 4 but for the last group): the sums take four rows a step in the
// four lanes of a vector, each lane the same product and add as one row at a time.
template <bool kList>
int scan_rows(const std::int8_t* x, int n, const RowSource& src, int c, float scale, const float** row, float* xs,
              RowSums& sums) {
    I4 active = {0, 0, 0, 0};
    I4 pulses = {0, 0, 0, 0};
    V4 conduction = sums.conduction;
    int i = 0;
    for (; i + 4 <= n; i += 4) {
        const I4 xi = {x[i], x[i + 1], x[i + 2], x[i + 3]};
        const I4 negative = xi < 0;
        const I4 mag = negative ? -xi : xi;
        active -= mag != 0;  // a true lane is -1
        pulses += mag;
        V4 g_pos, g_neg;
        std::memcpy(&g_pos, src.g_pos + i, sizeof g_pos);
        std::memcpy(&g_neg, src.g_neg + i, sizeof g_neg);
        conduction += __builtin_convertvector(mag, V4) * (negative ? g_neg : g_pos);
    }
    for (int l = 0; i + l < n; ++l) {  // the last rows, lanes 0..2
        const int xi = x[i + l];
        const int mag = xi < 0 ? -xi : xi;
        active[l] += mag != 0;
        pulses[l] += mag;
        conduction[l] += static_cast<float>(mag) * (xi < 0 ? src.g_neg : src.g_pos)[i + l];
    }
    sums.active += active[0] + active[1] + active[2] + active[3];
    sums.pulses += pulses[0] + pulses[1] + pulses[2] + pulses[3];
    sums.conduction = conduction;
    int m = 0;
    if (kList) {  // branch-free: every row is written, the count advances on a pulse
        for (int k = 0; k < n; ++k) {
            const int xk = x[k];
            row[m] = (xk < 0 ? src.w_neg : src.w_pos) + static_cast<std::size_t>(k) * c;
            xs[m] = static_cast<float>(xk) * scale;
            m += xk != 0;
        }
    }
    return m;
}

}  // namespace

void Crossbar::integrate(const std::int8_t* x, float scale, float* y) const { (void)integrate_active(x, scale, y); }

Crossbar::Activity Crossbar::integrate_active(const std::int8_t* x, float scale, float* y) const {
    // Rows are taken in groups: the rows with a pulse are listed first, then every
    // block of columns sums over just those rows in registers.
    const float* row[kRowGroup];
    float xs[kRowGroup];
    const int c = cols_used_;
    const float* g_pos = (asymmetric_ ? row_conduction_pos_ : row_conduction_).data();
    const float* g_neg = (asymmetric_ ? row_conduction_neg_ : row_conduction_).data();
    const float* w_neg = (asymmetric_ ? w_diff_neg_ : w_diff_).data();
    RowSums sums;
    for (int r0 = 0; r0 < rows_used_ || r0 == 0; r0 += kRowGroup) {
        const int n = std::min(rows_used_ - r0, kRowGroup);
        const size_t w0 = static_cast<size_t>(r0) * c;
        const RowSource src{g_pos + r0, g_neg + r0, w_diff_.data() + w0, w_neg + w0};
        const int m = scan_rows<true>(x + r0, n, src, c, scale, row, xs, sums);
        const bool first = r0 == 0;
#ifdef AIMCSIM_AVX2_COLUMNS
        if (kHaveAvx2) {
            accumulate_columns_avx2(row, xs, m, c, first, y);
            continue;
        }
#endif
        accumulate_columns(row, xs, m, c, first, y);
    }
    return sums.activity();
}

void Crossbar::integrate_four_phase(const std::int8_t* x, int max_code, float* partial) const {
    const int c = cols_used_;
    for (int j = 0; j < 4 * c; ++j) partial[j] = 0.0F;
    const float inv = 1.0F / static_cast<float>(max_code);
    for (int i = 0; i < rows_used_; ++i) {
        if (x[i] == 0) continue;
        const float xi = std::fabs(static_cast<float>(x[i])) * inv;
        float* pp = partial + (x[i] > 0 ? 0 : 2 * c);  // phases of this input sign
        const float* wp = &w_pos_[static_cast<size_t>(i) * c];
        const float* wn = &w_neg_[static_cast<size_t>(i) * c];
        for (int j = 0; j < c; ++j) {
            pp[j] += wp[j] * xi;
            pp[c + j] += wn[j] * xi;
        }
    }
}

Crossbar::Activity Crossbar::activity(const std::int8_t* x) const {
    RowSums sums;
    for (int r0 = 0; r0 < rows_used_; r0 += kRowGroup) {
        const float* g = row_conduction_.data() + r0;  // four-phase reads: every device under V-
        (void)scan_rows<false>(x + r0, std::min(rows_used_ - r0, kRowGroup), RowSource{g, g, nullptr, nullptr}, 0, 0.0F,
                               nullptr, nullptr, sums);
    }
    return sums.activity();
}

}  // namespace aimcsim
