#include "tiles/tile_area.h"

namespace aimcsim {

ParamSchema TileAreaModel::schema() {
    ParamSchema s;
    s.real("cell_width_um", 4.0, "um", "unit-cell (column) pitch; one ADC per column sits under it").positive();
    s.real("cell_height_um", 1.0, "um", "unit-cell (row) pitch of the 8T4R cell").positive();
    s.real("driver_width_um", 80.0, "um", "width of one row's PWM driver, at the row pitch").at_least(0);
    s.real("adc_height_um", 60.0, "um", "height of one column's CCO ADC and counter, at the column pitch").at_least(0);
    s.real("programming_height_um", 60.0, "um", "height of the column programming circuits, at the column pitch")
        .at_least(0);
    s.real("ldpu_um2_per_lane", 780.0, "um2", "one LDPU lane: FP16 multiply-add, ReLU/max, requantisation").at_least(0);
    s.real("registers_mm2", 0.05, "mm2", "local registers and buffers of the tile").at_least(0);
    s.real("link_mm2", 0.03, "mm2", "link controller (RX/TX) of the tile").at_least(0);
    s.real("control_mm2", 0.049, "mm2", "local controller, clocking and routing overhead").at_least(0);
    return s;
}

TileAreaModel::TileAreaModel(const Params& p)
    : cell_width_um_(p.real("cell_width_um")), cell_height_um_(p.real("cell_height_um")),
      driver_width_um_(p.real("driver_width_um")), adc_height_um_(p.real("adc_height_um")),
      programming_height_um_(p.real("programming_height_um")), ldpu_um2_per_lane_(p.real("ldpu_um2_per_lane")),
      registers_mm2_(p.real("registers_mm2")), link_mm2_(p.real("link_mm2")), control_mm2_(p.real("control_mm2")) {}

TileArea TileAreaModel::area(int rows, int cols, int ldpu_lanes) const {
    constexpr double kUm2PerMm2 = 1e6;
    const double array_width_um = cols * cell_width_um_;
    const double array_height_um = rows * cell_height_um_;
    TileArea a;
    a.components_mm2 = {
        {"pcm_array", array_width_um * array_height_um / kUm2PerMm2},
        {"pwm_drivers", array_height_um * driver_width_um_ / kUm2PerMm2},
        {"adcs", array_width_um * adc_height_um_ / kUm2PerMm2},
        {"programming", array_width_um * programming_height_um_ / kUm2PerMm2},
        {"ldpu", ldpu_lanes * ldpu_um2_per_lane_ / kUm2PerMm2},
        {"registers", registers_mm2_},
        {"link", link_mm2_},
        {"control", control_mm2_},
    };
    return a;
}

}  // namespace aimcsim
