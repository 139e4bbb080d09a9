// Parameters of the chip around the tiles (`chip:` section): the grid, the
// interconnect, the digital work done outside the crossbars (partial-sum adds,
// pooling, residual adds) and the controller's I/O port.
#pragma once

#include "aimcsim/core/config.h"
#include "aimcsim/core/params.h"

namespace aimcsim {

struct ChipParams {
    int rows = 8;                       // tiles per grid column
    int cols = 8;                       // tiles per grid row
    double static_power_mw = 0.0;       // chip-level static power (clock tree, I/O, controller), besides the tiles'
    int activation_bits = 8;            // bits of one activation on the interconnect
    int psum_bits = 16;                 // bits of one partial sum on the interconnect
    int psum_add_cycles = 2;            // adding one vector of partial sums in the receiving tile's LDPU
    double psum_add_energy_pj = 0.5;    // per value added
    int pool_cycles = 2;                // one pooled output pixel (max/avg) at the producing tile
    int add_cycles = 2;                 // one residual-add output pixel
    int gap_cycles = 2;                 // global average pooling, after the last input pixel
    double digital_energy_pj = 0.5;     // per value of a pooling / residual-add / GAP op
    int io_tile = 0;                    // tile whose router the controller injects into and reads from
    int io_bits_per_cycle = 64;         // controller input stream rate
    ConfigNode interconnect;            // `interconnect:` section (topology model + link params)

    [[nodiscard]] int tiles() const { return rows * cols; }
};

[[nodiscard]] ParamSchema chip_schema();
// Validates the `chip:` section (null: all defaults).
[[nodiscard]] ChipParams parse_chip_params(const ConfigNode& chip);

}  // namespace aimcsim
