// The crossbar's batched integration: the effective weights of the current time
// (programming noise, drift, 1/f deviation and faults are all in w_pos_/w_neg_/w_diff_,
// set by set_time) times many input vectors in one sgemm call (or, for a few vectors,
// one small_gemm call).
#include <cblas.h>

#include <vector>

#include "src/core/small_gemm.h"
#include "tiles/crossbar.h"

namespace aimcsim {

namespace {

// y (n x cols) = alpha * x (n x rows) * w (rows x cols) + beta * y, all row-major. A few
// vectors (a dense layer's chunk of images) go to small_gemm(), which does not repack w.
void sgemm(const float* x, int n, int ldx, const float* w, int rows, int cols, float alpha, float* y, int ldy,
           float beta = 0.0F) {
    if (n <= 0 || cols <= 0) return;
    if (beta == 0.0F && small_gemm(x, n, ldx, w, rows, cols, alpha, y, ldy)) return;
    // Our threads each run their own products: OpenBLAS's own threads would only compete.
    static const bool single_threaded = (openblas_set_num_threads(1), true);
    (void)single_threaded;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, cols, rows, alpha, x, ldx, w, cols, beta, y, ldy);
}

}  // namespace

void Crossbar::integrate_batch(const float* x, int n, int ldx, float alpha, float* y, int ldy) const {
    if (!asymmetric_) {
        sgemm(x, n, ldx, w_diff_.data(), rows_used_, cols_used_, alpha, y, ldy);
        return;
    }
    // Read-polarity asymmetry: rows driven positive see w_diff_, rows driven negative
    // w_diff_neg_ (as integrate_active does), so the inputs are split by sign.
    thread_local std::vector<float> pos, neg;
    const std::size_t size = static_cast<std::size_t>(n) * rows_used_;
    pos.resize(size);
    neg.resize(size);
    for (int i = 0; i < n; ++i) {
        const float* xi = x + static_cast<std::size_t>(i) * ldx;
        float* p = &pos[static_cast<std::size_t>(i) * rows_used_];
        float* q = &neg[static_cast<std::size_t>(i) * rows_used_];
        for (int r = 0; r < rows_used_; ++r) {
            p[r] = xi[r] > 0.0F ? xi[r] : 0.0F;
            q[r] = xi[r] < 0.0F ? xi[r] : 0.0F;
        }
    }
    sgemm(pos.data(), n, rows_used_, w_diff_.data(), rows_used_, cols_used_, alpha, y, ldy);
    sgemm(neg.data(), n, rows_used_, w_diff_neg_.data(), rows_used_, cols_used_, alpha, y, ldy, 1.0F);
}

void Crossbar::integrate_polarities_batch(const float* x, int n, int ldx, float alpha, float* pos, float* neg,
                                          int ldy) const {
    sgemm(x, n, ldx, w_pos_.data(), rows_used_, cols_used_, alpha, pos, ldy);
    sgemm(x, n, ldx, w_neg_.data(), rows_used_, cols_used_, alpha, neg, ldy);
}

}  // namespace aimcsim
