// The crossbar's batched integration: the effective weights of the current time
// (programming noise, drift, 1/f deviation and faults are all in w_pos_/w_neg_/w_diff_,
// set by set_time) times many input vectors in one sgemm call.
#include <cblas.h>

#include "tiles/crossbar.h"

namespace aimcsim {

namespace {

// y (n x cols) = alpha * x (n x rows) * w (rows x cols), all row-major.
void sgemm(const float* x, int n, int ldx, const float* w, int rows, int cols, float alpha, float* y, int ldy) {
    if (n <= 0 || cols <= 0) return;
    // Our threads each run their own products: OpenBLAS's own threads would only compete.
    static const bool single_threaded = (openblas_set_num_threads(1), true);
    (void)single_threaded;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, cols, rows, alpha, x, ldx, w, cols, 0.0F, y, ldy);
}

}  // namespace

void Crossbar::integrate_batch(const float* x, int n, int ldx, float alpha, float* y, int ldy) const {
    sgemm(x, n, ldx, w_diff_.data(), rows_used_, cols_used_, alpha, y, ldy);
}

void Crossbar::integrate_polarities_batch(const float* x, int n, int ldx, float alpha, float* pos, float* neg,
                                          int ldy) const {
    sgemm(x, n, ldx, w_pos_.data(), rows_used_, cols_used_, alpha, pos, ldy);
    sgemm(x, n, ldx, w_neg_.data(), rows_used_, cols_used_, alpha, neg, ldy);
}

}  // namespace aimcsim
