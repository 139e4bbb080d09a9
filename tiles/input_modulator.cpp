#include "tiles/input_modulator.h"

namespace aimcsim {

ParamSchema InputModulator::schema() {
    ParamSchema s;
    s.string("mode", "one_phase",
             "one_phase: all polarities in one window (peak speed); four_phase: one window per (input sign, weight "
             "sign) pair (higher precision)")
        .choices({"one_phase", "four_phase"});
    s.integer("bits", 8, "bit", "input precision: sign + (bits-1) magnitude bits as pulse width").range(2, 8);
    s.integer("passes", 1, "",
              "MVMs per input vector (multi-pass, bit-sliced inputs; an extension, HERMES drives 8-bit PWM once): "
              "pass 1 sends the codes, each further pass the codes of the residual left so far at 2^-(bits-1) of "
              "the previous step, so 8-bit inputs resolve 8 + 7 (passes - 1) bits; every pass costs a full MVM's "
              "time and energy (docs/physics.md, \"Multi-pass inputs\")")
        .range(1, 4);
    s.integer("cycles_per_lsb", 1, "cycle", "clock cycles per LSB of pulse width").range(1, 64);
    s.integer("load_cycles", 1, "cycle", "cycles to load an input vector into the row drivers").range(0, 1000);
    s.real("energy_per_active_row_pj", 1.0, "pJ", "driver energy per active row and window").at_least(0);
    s.real("energy_per_pulse_cycle_pj", 0.02, "pJ", "driver energy per row per pulse cycle").at_least(0);
    s.real("load_energy_pj_per_bit", 0.02, "pJ", "energy to move one input bit into the drivers").at_least(0);
    return s;
}

InputModulator::InputModulator(const Params& p)
    : mode_(p.str("mode") == "four_phase" ? InputMode::FourPhase : InputMode::OnePhase),
      bits_(static_cast<int>(p.integer("bits"))), passes_(static_cast<int>(p.integer("passes"))), cycles_per_lsb_(static_cast<int>(p.integer("cycles_per_lsb"))),
      load_cycles_(static_cast<int>(p.integer("load_cycles"))),
      energy_per_active_row_pj_(p.real("energy_per_active_row_pj")),
      energy_per_pulse_cycle_pj_(p.real("energy_per_pulse_cycle_pj")),
      load_energy_pj_per_bit_(p.real("load_energy_pj_per_bit")) {}

}  // namespace aimcsim
