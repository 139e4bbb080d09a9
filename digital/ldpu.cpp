#include "digital/ldpu.h"

namespace aimcsim {

ParamSchema Ldpu::schema() {
    ParamSchema s;
    s.integer("lanes", 128, "", "columns processed in parallel").range(1, 65536);
    s.integer("cycles_per_column", 1, "cycle", "cycles per column per lane (affine, bias, activation, requantisation)")
        .range(1, 1000);
    s.real("energy_per_column_pj", 4.0, "pJ", "energy of post-processing one column of one MVM").at_least(0);
    s.real("energy_per_add_pj", 0.5, "pJ", "energy of adding one partial sum from another tile").at_least(0);
    s.real("static_power_mw", 2.0, "mW", "leakage and clock of the LDPU").at_least(0);
    return s;
}

Ldpu::Ldpu(const Params& p)
    : lanes_(static_cast<int>(p.integer("lanes"))),
      cycles_per_column_(static_cast<int>(p.integer("cycles_per_column"))),
      energy_per_column_pj_(p.real("energy_per_column_pj")), energy_per_add_pj_(p.real("energy_per_add_pj")),
      static_power_mw_(p.real("static_power_mw")) {}

}  // namespace aimcsim
