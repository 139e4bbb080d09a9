// MVM error of measured outputs y against the exact products y_fp = W x, in the
// metrics the silicon papers use (docs/physics.md, "MVM error metrics"):
//   relative_rms          sqrt(sum (y - y_fp)^2 / sum y_fp^2) over all MVMs and outputs
//   relative_l2           mean over MVMs of ||y - y_fp|| / ||y_fp|| (64-core paper, Fig. 2d)
//   linear_relative_l2    mean over MVMs of ||W_hat x - y_fp|| / ||y_fp||, W_hat the least-squares
//   residual_relative_l2  fit of the measured outputs on the inputs; and of ||y - W_hat x|| / ||y_fp||
//   std_full_scale        std of (y - y_fp) / full_scale over all outputs (HERMES core, JSSC 2022)
// MVMs whose exact product is 0 are left out of the per-MVM means. The fit needs more
// MVMs than inputs (else the two split metrics are absent); it absorbs rows/mvms of the
// residual's variance, so use mvms >> rows.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace aimcsim {

struct MvmErrorMetrics {
    double relative_rms = 0.0;
    double relative_l2 = 0.0;
    std::optional<double> linear_relative_l2;
    std::optional<double> residual_relative_l2;
    double std_full_scale = 0.0;
};

// x: mvms x rows inputs; y, y_fp: mvms x cols measured and exact outputs (row-major).
// full_scale > 0: the output value at full scale, in the units of y.
[[nodiscard]] MvmErrorMetrics mvm_error_metrics(const std::vector<double>& x, const std::vector<double>& y,
                                                const std::vector<double>& y_fp, int mvms, int rows, int cols,
                                                double full_scale);

// W_hat (rows x cols, row-major) minimising sum_k ||W_hat^T x_k - y_k||^2; empty if the
// inputs do not determine it (mvms <= rows, or an input row that is always 0).
[[nodiscard]] std::vector<double> least_squares_weights(const std::vector<double>& x, const std::vector<double>& y,
                                                        int mvms, int rows, int cols);

}  // namespace aimcsim
