#include "src/functional/mvm_error.h"

#include <algorithm>
#include <cmath>

namespace aimcsim {

std::vector<double> least_squares_weights(const std::vector<double>& x, const std::vector<double>& y, int mvms,
                                          int rows, int cols) {
    if (mvms <= rows) return {};
    const auto R = static_cast<std::size_t>(rows);
    const auto C = static_cast<std::size_t>(cols);
    // Normal equations G W = B with G = X^T X (rows x rows), B = X^T Y (rows x cols).
    std::vector<double> g(R * R, 0.0), w(R * C, 0.0);
    for (int k = 0; k < mvms; ++k) {
        const double* xk = &x[static_cast<std::size_t>(k) * R];
        const double* yk = &y[static_cast<std::size_t>(k) * C];
        for (std::size_t i = 0; i < R; ++i) {
            if (xk[i] == 0.0) continue;
            for (std::size_t j = 0; j <= i; ++j) g[i * R + j] += xk[i] * xk[j];
            for (std::size_t c = 0; c < C; ++c) w[i * C + c] += xk[i] * yk[c];
        }
    }
    // Cholesky G = L L^T in the lower triangle; a pivot that vanishes against the
    // diagonal's scale means the inputs do not determine W_hat.
    for (std::size_t j = 0; j < R; ++j) {
        const double diag = g[j * R + j];
        double d = diag;
        for (std::size_t k = 0; k < j; ++k) d -= g[j * R + k] * g[j * R + k];
        if (!(d > 1e-12 * diag) || diag <= 0.0) return {};
        const double l = std::sqrt(d);
        g[j * R + j] = l;
        for (std::size_t i = j + 1; i < R; ++i) {
            double s = g[i * R + j];
            for (std::size_t k = 0; k < j; ++k) s -= g[i * R + k] * g[j * R + k];
            g[i * R + j] = s / l;
        }
    }
    // Forward (L Z = B) then backward (L^T W = Z) substitution, all columns at once.
    for (std::size_t i = 0; i < R; ++i) {
        for (std::size_t k = 0; k < i; ++k) {
            const double l = g[i * R + k];
            for (std::size_t c = 0; c < C; ++c) w[i * C + c] -= l * w[k * C + c];
        }
        for (std::size_t c = 0; c < C; ++c) w[i * C + c] /= g[i * R + i];
    }
    for (std::size_t i = R; i-- > 0;) {
        for (std::size_t k = i + 1; k < R; ++k) {
            const double l = g[k * R + i];
            for (std::size_t c = 0; c < C; ++c) w[i * C + c] -= l * w[k * C + c];
        }
        for (std::size_t c = 0; c < C; ++c) w[i * C + c] /= g[i * R + i];
    }
    return w;
}

MvmErrorMetrics mvm_error_metrics(const std::vector<double>& x, const std::vector<double>& y,
                                  const std::vector<double>& y_fp, int mvms, int rows, int cols, double full_scale) {
    const auto R = static_cast<std::size_t>(rows);
    const auto C = static_cast<std::size_t>(cols);
    MvmErrorMetrics m;
    const std::vector<double> w_hat = least_squares_weights(x, y, mvms, rows, cols);
    double err2 = 0.0, ref2 = 0.0, err_sum = 0.0;
    double l2 = 0.0, lin = 0.0, res = 0.0;
    int counted = 0;
    std::vector<double> fit(C);
    for (int k = 0; k < mvms; ++k) {
        const std::size_t o = static_cast<std::size_t>(k) * C;
        double e2 = 0.0, r2 = 0.0;
        for (std::size_t c = 0; c < C; ++c) {
            const double d = y[o + c] - y_fp[o + c];
            e2 += d * d;
            r2 += y_fp[o + c] * y_fp[o + c];
            err2 += d * d;
            ref2 += y_fp[o + c] * y_fp[o + c];
            err_sum += d / full_scale;
        }
        if (r2 <= 0.0) continue;
        ++counted;
        l2 += std::sqrt(e2 / r2);
        if (w_hat.empty()) continue;
        std::fill(fit.begin(), fit.end(), 0.0);
        const double* xk = &x[static_cast<std::size_t>(k) * R];
        for (std::size_t i = 0; i < R; ++i) {
            if (xk[i] == 0.0) continue;
            for (std::size_t c = 0; c < C; ++c) fit[c] += w_hat[i * C + c] * xk[i];
        }
        double l2_lin = 0.0, l2_res = 0.0;
        for (std::size_t c = 0; c < C; ++c) {
            l2_lin += (fit[c] - y_fp[o + c]) * (fit[c] - y_fp[o + c]);
            l2_res += (y[o + c] - fit[c]) * (y[o + c] - fit[c]);
        }
        lin += std::sqrt(l2_lin / r2);
        res += std::sqrt(l2_res / r2);
    }
    const double n = static_cast<double>(mvms) * static_cast<double>(C);
    m.relative_rms = ref2 > 0.0 ? std::sqrt(err2 / ref2) : 0.0;
    m.relative_l2 = counted > 0 ? l2 / counted : 0.0;
    if (!w_hat.empty() && counted > 0) {
        m.linear_relative_l2 = lin / counted;
        m.residual_relative_l2 = res / counted;
    }
    // Sample std (n - 1) of the normalised error over all outputs.
    const double mean = err_sum / n;
    double ss = 0.0;
    for (std::size_t i = 0; i < y.size(); ++i) {
        const double d = (y[i] - y_fp[i]) / full_scale - mean;
        ss += d * d;
    }
    m.std_full_scale = n > 1.0 ? std::sqrt(ss / (n - 1.0)) : 0.0;
    return m;
}

}  // namespace aimcsim
