#include "digital/drift_compensation.h"

#include <algorithm>
#include <cmath>

namespace aimcsim {

ParamSchema DriftCompensation::schema() {
    ParamSchema s;
    s.boolean("enabled", true, "rescale outputs by the drift measured on a reference read");
    s.string("reference", "chip",
             "reference protocol: chip (calibration vectors through the ADC right after programming, as the "
             "silicon does) | aihwkit (one-hot reads of the programmed weights, aihwkit GlobalDriftCompensation)")
        .choices({"chip", "aihwkit"});
    s.integer("vectors", 16, "", "chip protocol: calibration input vectors read per measurement").range(1, 4096);
    s.real("t_reference_s", 0.0, "s",
           "chip protocol: time after programming of the reference read (0: right after programming, before "
           "the devices' t0, so undrifted)")
        .at_least(0);
    return s;
}

DriftCompensation::DriftCompensation(const Params& p)
    : enabled_(p.flag("enabled")),
      reference_(p.str("reference") == "aihwkit" ? GdcReference::Aihwkit : GdcReference::Chip),
      vectors_(static_cast<int>(p.integer("vectors"))), t_reference_s_(p.real("t_reference_s")) {}

std::vector<std::int8_t> DriftCompensation::calibration_inputs(int rows, int max_code, const Rng& base) const {
    Rng rng = base;
    std::vector<std::int8_t> x(static_cast<size_t>(vectors_) * rows);
    for (auto& v : x) v = static_cast<std::int8_t>(rng.uniform_int(-max_code, max_code));
    return x;
}

double DriftCompensation::calibration_range(const std::vector<float>& w_norm, int rows, int cols,
                                            const std::vector<std::int8_t>& x, int max_code, double unipolar_ratio) {
    const int vectors = rows > 0 ? static_cast<int>(x.size() / static_cast<size_t>(rows)) : 0;
    double largest = 0.0;
    // Per column: the net value and the four (input sign, weight sign) partial sums.
    std::vector<double> net(static_cast<size_t>(cols)), part(4 * static_cast<size_t>(cols));
    for (int v = 0; v < vectors; ++v) {
        std::fill(net.begin(), net.end(), 0.0);
        std::fill(part.begin(), part.end(), 0.0);
        for (int i = 0; i < rows; ++i) {
            const double xi = static_cast<double>(x[static_cast<size_t>(v) * rows + i]) / max_code;
            if (xi == 0.0) continue;
            const float* w = &w_norm[static_cast<size_t>(i) * cols];
            const size_t sign_in = xi > 0.0 ? 0 : 2;
            for (int j = 0; j < cols; ++j) {
                net[static_cast<size_t>(j)] += w[j] * xi;
                const size_t p = sign_in + (w[j] >= 0.0F ? 0 : 1);
                part[p * cols + static_cast<size_t>(j)] += std::fabs(w[j] * xi);
            }
        }
        for (double y : net) largest = std::max(largest, std::fabs(y));
        if (unipolar_ratio > 0.0) {
            for (double p : part) largest = std::max(largest, p / unipolar_ratio);
        }
    }
    return largest > 0.0 ? kHeadroom * largest : 1.0;
}

}  // namespace aimcsim
