#include "tiles/ir_drop.h"

#include <cstddef>

namespace aimcsim {

namespace {

// A_ij = sum_m g_im (min(j, m) + 1) along one source line: the prefix sum over segments
// k <= j of the current beyond each segment (suffix sums of g).
void source_line_drop(const float* g, int cols, double r_per_us, float* phi_sl) {
    std::vector<double> beyond(cols);
    double suffix = 0.0;
    for (int m = cols - 1; m >= 0; --m) beyond[m] = suffix += g[m];
    double a = 0.0;
    for (int j = 0; j < cols; ++j) {
        a += beyond[j];
        phi_sl[j] = static_cast<float>(1.0 - r_per_us * a);
    }
}

}  // namespace

IrDropFactors first_order_ir_drop(const std::vector<float>& g_pos_us, const std::vector<float>& g_neg_us, int rows,
                                  int cols, int array_rows, double segment_resistance_ohm) {
    const size_t n = static_cast<size_t>(rows) * cols;
    const double r = segment_resistance_ohm * 1e-6;  // ohm x uS -> dimensionless
    IrDropFactors f;
    f.pos_sl.resize(n);
    f.neg_sl.resize(n);
    for (int i = 0; i < rows; ++i) {
        const size_t o = static_cast<size_t>(i) * cols;
        source_line_drop(&g_pos_us[o], cols, r, &f.pos_sl[o]);
        source_line_drop(&g_neg_us[o], cols, r, &f.neg_sl[o]);
    }
    // C_ij = sum_{k >= i} P_kj over the bit line's segments k = i .. array_rows - 1, with
    // P_kj = sum_{l <= k} Gt_lj the current through segment k (rows below the block add none).
    std::vector<double> below(rows);
    f.pos = f.pos_sl;
    f.neg = f.neg_sl;
    for (int j = 0; j < cols; ++j) {
        double p = 0.0;
        for (int i = 0; i < rows; ++i) {
            const size_t w = static_cast<size_t>(i) * cols + j;
            p += static_cast<double>(g_pos_us[w]) + g_neg_us[w];
            below[i] = p;
        }
        double c = static_cast<double>(array_rows - rows) * p;  // segments under the block
        for (int i = rows - 1; i >= 0; --i) {
            c += below[i];
            const size_t w = static_cast<size_t>(i) * cols + j;
            f.pos[w] = static_cast<float>(f.pos[w] - r * c);
            f.neg[w] = static_cast<float>(f.neg[w] - r * c);
        }
    }
    return f;
}

}  // namespace aimcsim
