// The crossbar under in-memory training: conductances set by the training's device state
// and the transposed read of the backward pass (inputs on the columns, outputs on the rows).
#include <cblas.h>

#include <cstdlib>
#include <stdexcept>

#include "tiles/crossbar.h"

namespace aimcsim {

void Crossbar::load_conductances(const std::vector<float>& g_pos_us, const std::vector<float>& g_neg_us,
                                 int rows_used, int cols_used) {
    const std::size_t weights = static_cast<std::size_t>(rows_used) * cols_used;
    if (rows_used < 1 || cols_used < 1 || rows_used > rows_ || cols_used > cols_ || g_pos_us.size() != weights ||
        g_neg_us.size() != weights) {
        throw std::logic_error("Crossbar::load_conductances: block does not fit the array");
    }
    rows_used_ = rows_used;
    cols_used_ = cols_used;
    devices_.clear();
    stuck_low_.clear();
    stuck_high_.clear();
    stuck_low_count_ = stuck_high_count_ = 0;
    asymmetric_ = false;
    row_conduction_pos_.clear();
    row_conduction_neg_.clear();
    w_diff_neg_.clear();
    const float norm = static_cast<float>(1.0 / g_polarity_max_us_);
    const float to_device = static_cast<float>(1.0 / g_device_max_us_);
    w_pos_.resize(weights);
    w_neg_.resize(weights);
    w_diff_.resize(weights);
    row_conduction_.assign(rows_used, 0.0F);
    col_conduction_.assign(cols_used, 0.0F);
    for (int r = 0; r < rows_used; ++r) {
        float row_sum = 0.0F;
        for (int c = 0; c < cols_used; ++c) {
            const std::size_t w = idx(r, c);
            w_pos_[w] = g_pos_us[w] * norm;
            w_neg_[w] = g_neg_us[w] * norm;
            w_diff_[w] = w_pos_[w] - w_neg_[w];
            const float g = (g_pos_us[w] + g_neg_us[w]) * to_device;
            row_sum += g;
            col_conduction_[c] += g;
        }
        row_conduction_[r] = row_sum;
    }
}

void Crossbar::integrate_transposed_batch(const float* x, int n, int ldx, float alpha, float* y, int ldy) const {
    if (n <= 0) return;
    // Our threads each run their own products, as in crossbar_gemm.cpp.
    static const bool single_threaded = (openblas_set_num_threads(1), true);
    (void)single_threaded;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, rows_used_, cols_used_, alpha, x, ldx, w_diff_.data(),
                cols_used_, 0.0F, y, ldy);
}

Crossbar::Activity Crossbar::column_activity(const std::int8_t* x) const {
    Activity a;
    for (int j = 0; j < cols_used_; ++j) {
        const int mag = std::abs(static_cast<int>(x[j]));
        a.active_rows += mag != 0;
        a.pulse_lsbs += mag;
        a.conduction += static_cast<double>(mag) * col_conduction_[j];
    }
    return a;
}

}  // namespace aimcsim
