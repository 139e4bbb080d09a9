#include "digital/drift_compensation.h"

namespace aimcsim {

ParamSchema DriftCompensation::schema() {
    ParamSchema s;
    s.boolean("enabled", true, "rescale outputs by the drift measured on calibration inputs");
    s.integer("vectors", 16, "", "calibration input vectors read per measurement").range(1, 4096);
    s.real("t_reference_s", 20.0, "s",
           "when the reference is read after programming (# assumed: right after the programming pass)")
        .at_least(0);
    return s;
}

DriftCompensation::DriftCompensation(const Params& p)
    : enabled_(p.flag("enabled")), vectors_(static_cast<int>(p.integer("vectors"))),
      t_reference_s_(p.real("t_reference_s")) {}

std::vector<std::int8_t> DriftCompensation::calibration_inputs(int rows, int max_code, const Rng& base) const {
    Rng rng = base;
    std::vector<std::int8_t> x(static_cast<size_t>(vectors_) * rows);
    for (auto& v : x) v = static_cast<std::int8_t>(rng.uniform_int(-max_code, max_code));
    return x;
}

}  // namespace aimcsim
