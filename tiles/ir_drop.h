// IR drop on the array's wires, first order (docs/physics.md, "IR drop"). Every source
// line is driven from its column-0 end through one wire segment per cell; every bit line
// ends in its ADC's virtual ground below the array's last row, one segment per cell.
// With linear devices and input lines held at the common-mode voltage outside their
// pulse, the integrated column charge is linear in the inputs (superposition), so the
// drop is a fixed change of each device's contribution, folded into the effective
// weights when the crossbar is read (set_time); an MVM pays nothing for it.
#pragma once

#include <vector>

namespace aimcsim {

struct IrDrop {
    bool enabled = false;
    double segment_resistance_ohm = 0.0;  // wire resistance per cell segment, source and bit lines
    [[nodiscard]] bool active() const { return enabled && segment_resistance_ohm > 0.0; }
};

// Each device's current relative to ideal wires, per polarity group, to first order in r:
//   source line: A_ij = sum_m G_im (min(j, m) + 1)      (its own line, G of that polarity)
//   bit line:    C_ij = sum_l Gt_lj (R - max(i, l))     (Gt = G+ + G- of every cell on the column)
//   phi_ij = 1 - r (A_ij + C_ij);  source-line share alone phi_sl_ij = 1 - r A_ij.
// g_pos_us / g_neg_us: each cell's positive / negative group conductance in uS (rows x cols,
// row-major), the block at the top-left of an array of `array_rows` rows.
struct IrDropFactors {
    std::vector<float> pos, neg;        // output current of each device over the ideal one
    std::vector<float> pos_sl, neg_sl;  // the same with the source-line drop only (drivers' current)
};
[[nodiscard]] IrDropFactors first_order_ir_drop(const std::vector<float>& g_pos_us, const std::vector<float>& g_neg_us,
                                                int rows, int cols, int array_rows, double segment_resistance_ohm);

}  // namespace aimcsim
