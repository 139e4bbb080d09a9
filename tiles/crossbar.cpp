#include "tiles/crossbar.h"

#include <cmath>
#include <cstdlib>
#include <stdexcept>

namespace aimcsim {

Crossbar::Crossbar(int rows, int cols, int devices_per_polarity, const DeviceModel& device)
    : rows_(rows), cols_(cols), devices_per_polarity_(devices_per_polarity), device_(device) {}

void Crossbar::program(const std::vector<float>& w_norm, int rows_used, int cols_used, Rng& rng) {
    if (rows_used > rows_ || cols_used > cols_) throw std::logic_error("Crossbar: block larger than the array");
    rows_used_ = rows_used;
    cols_used_ = cols_used;
    const double g_max = device_.g_max_us();
    const int n = devices_per_polarity_;
    devices_.assign(static_cast<size_t>(rows_used) * cols_used * 2 * n, ProgrammedDevice{});
    for (size_t w = 0; w < w_norm.size(); ++w) {
        const double g = std::fabs(w_norm[w]) * g_max;
        const int on = w_norm[w] >= 0.0F ? 0 : 1;  // which polarity carries the weight
        for (int pol = 0; pol < 2; ++pol) {
            for (int k = 0; k < n; ++k) {
                devices_[(w * 2 + pol) * n + k] = device_.program(pol == on ? g : 0.0, rng);
            }
        }
    }
}

void Crossbar::set_time(double t_s, Rng& rng) {
    const size_t weights = static_cast<size_t>(rows_used_) * cols_used_;
    const int n = devices_per_polarity_;
    const double norm = 1.0 / (n * device_.g_max_us());
    w_pos_.assign(weights, 0.0F);
    w_neg_.assign(weights, 0.0F);
    w_diff_.assign(weights, 0.0F);
    row_conduction_.assign(rows_used_, 0.0F);
    for (size_t w = 0; w < weights; ++w) {
        double g[2] = {0.0, 0.0};
        for (int pol = 0; pol < 2; ++pol) {
            for (int k = 0; k < n; ++k) g[pol] += device_.read(devices_[(w * 2 + pol) * n + k], t_s, rng);
        }
        w_pos_[w] = static_cast<float>(g[0] * norm);
        w_neg_[w] = static_cast<float>(g[1] * norm);
        w_diff_[w] = w_pos_[w] - w_neg_[w];
        row_conduction_[w / cols_used_] += static_cast<float>((g[0] + g[1]) / device_.g_max_us());
    }
}

void Crossbar::integrate(const std::int8_t* x, float scale, float* y) const {
    for (int j = 0; j < cols_used_; ++j) y[j] = 0.0F;
    const float inv = scale;
    for (int i = 0; i < rows_used_; ++i) {
        if (x[i] == 0) continue;
        const float xi = static_cast<float>(x[i]) * inv;
        const float* w = &w_diff_[static_cast<size_t>(i) * cols_used_];
        for (int j = 0; j < cols_used_; ++j) y[j] += w[j] * xi;
    }
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
    int active = 0;
    int pulses = 0;
    float conduction = 0.0F;  // float: the loop vectorises; energy needs no more precision
    for (int i = 0; i < rows_used_; ++i) {
        const int m = x[i] < 0 ? -x[i] : x[i];
        active += m != 0;
        pulses += m;
        conduction += static_cast<float>(m) * row_conduction_[i];
    }
    return Activity{static_cast<double>(active), static_cast<double>(pulses), static_cast<double>(conduction)};
}

}  // namespace aimcsim
