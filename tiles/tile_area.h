// Silicon area of a HERMES-like tile by component, from its geometry: the PCM array
// and its row drivers and column ADCs scale with rows and columns, the LDPU with its
// lanes, the rest is a fixed block per tile. Defaults reproduce the published core
// (Khaddam-Aljameh et al., JSSC 2022: 1.59 TOPS/mm2 at 1.008 TOPS -> 0.634 mm2, 256 CCO
// ADCs at a 4 um pitch); the split between components is not published (assumed,
// docs/physics.md "Area").
#pragma once

#include "aimcsim/core/params.h"
#include "aimcsim/tile.h"

namespace aimcsim {

class TileAreaModel {
public:
    static ParamSchema schema();
    explicit TileAreaModel(const Params& p);

    [[nodiscard]] TileArea area(int rows, int cols, int ldpu_lanes) const;

private:
    double cell_width_um_;
    double cell_height_um_;
    double driver_width_um_;
    double adc_height_um_;
    double programming_height_um_;
    double ldpu_um2_per_lane_;
    double registers_mm2_;
    double link_mm2_;
    double control_mm2_;
};

}  // namespace aimcsim
