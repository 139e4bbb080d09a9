// Input drivers of a tile: signed activation codes become pulses whose width is
// the code's magnitude (PWM, 1 LSB = cycles_per_lsb clock cycles). In one-phase
// mode both input polarities drive both weight polarities in one window; in
// four-phase mode each (input sign, weight sign) pair gets a window of its own.
#pragma once

#include <cstdint>
#include <cstdlib>

#include "aimcsim/core/params.h"

namespace aimcsim {

enum class InputMode { OnePhase, FourPhase };

class InputModulator {
public:
    static ParamSchema schema();
    explicit InputModulator(const Params& p);

    [[nodiscard]] InputMode mode() const { return mode_; }
    [[nodiscard]] int bits() const { return bits_; }
    // MVMs per input vector (multi-pass inputs, aimcsim/tile.h MultiPassInput).
    [[nodiscard]] int passes() const { return passes_; }
    [[nodiscard]] int max_code() const { return (1 << (bits_ - 1)) - 1; }
    // One integration window: the longest pulse plus one cycle, 2^(bits-1) LSBs.
    [[nodiscard]] int window_cycles() const { return (1 << (bits_ - 1)) * cycles_per_lsb_; }
    [[nodiscard]] int windows() const { return mode_ == InputMode::FourPhase ? 4 : 1; }
    [[nodiscard]] int load_cycles() const { return load_cycles_; }

    // Driver energy for one MVM: a fixed part per active row, plus a part per pulse
    // cycle, plus loading the input bits (once per MVM in both modes).
    [[nodiscard]] double load_energy_pj(int rows) const { return load_energy_pj_per_bit_ * bits_ * rows; }
    // The parameters are per active row and per pulse cycle of one one-phase window, in
    // which a row's switches connect both of its source lines (SL+ and SL-) for |x|
    // cycles. Four-phase drives the row in the two windows of its input sign, one source
    // line in each: the same two source-line switchings, each held |x| cycles. So the
    // driver energy of an MVM is the same in both modes (docs/physics.md, "Energy").
    [[nodiscard]] double pwm_energy_pj(double active_rows, double pulse_lsbs) const {
        return source_line_windows_per_row() / 2.0 *
               (active_rows * energy_per_active_row_pj_ + pulse_lsbs * cycles_per_lsb_ * energy_per_pulse_cycle_pj_);
    }
    // Source lines switched per active row, summed over the MVM's windows: 2 lines in
    // 1 window (one-phase), 1 line in each of 2 windows (four-phase).
    [[nodiscard]] int source_line_windows_per_row() const { return mode_ == InputMode::FourPhase ? 1 * 2 : 2 * 1; }
    [[nodiscard]] int cycles_per_lsb() const { return cycles_per_lsb_; }

private:
    InputMode mode_;
    int bits_;
    int passes_;
    int cycles_per_lsb_;
    int load_cycles_;
    double energy_per_active_row_pj_;
    double energy_per_pulse_cycle_pj_;
    double load_energy_pj_per_bit_;
};

}  // namespace aimcsim
