// The `system:` config section: several copies of one chip joined by chip-to-chip
// links, and how a network is partitioned over them.
//
//   system:
//     chips: 4
//     chip: {file: hermes64.yaml}     # the chip: a map like `chip:`, or {file: config} whose `chip:` is
//                                     # taken (other keys override it); absent: the top-level `chip:`
//     links: {topology: ring, bandwidth_gbit_s: 64, latency_ns: 20, energy_pj_per_bit: 2, ports_per_chip: 4}
//     split_layers: false             # true: a layer's column blocks may go to different chips
//     balance_tolerance: 0.05         # stages may exceed the best balance by this to save inter-chip bits
//     max_imbalance: 0                # > 0: a partition whose heaviest stage exceeds the mean by more is an error
#pragma once

#include "aimcsim/chip_link.h"
#include "aimcsim/core/config.h"
#include "aimcsim/core/params.h"
#include "src/chip/chip_params.h"

namespace aimcsim {

struct SystemParams {
    int chips = 0;  // 0: no system (a single-chip run)
    ChipParams chip;
    ModelConfig<ChipLinkTopology> links;
    bool split_layers = false;
    double balance_tolerance = 0.05;
    double max_imbalance = 0.0;
    ConfigNode node;  // the section, for errors found later (the partition)
    [[nodiscard]] bool enabled() const { return chips > 0; }
};

[[nodiscard]] ParamSchema system_schema();

// Validates `system` (null: no system). `top_chip` is the run's `chip:` section,
// the chip of every system that names none.
[[nodiscard]] SystemParams parse_system_params(const ConfigNode& system, const ConfigNode& top_chip);

}  // namespace aimcsim
