// The `training:` section of a config (docs/training.md), validated once: the rule, the
// schedule, how weights map to conductances and the update model of the devices.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "aimcsim/core/config.h"
#include "aimcsim/core/params.h"
#include "aimcsim/update.h"

namespace aimcsim {

enum class TrainingRule { MixedPrecision, AnalogSgd, Float };

[[nodiscard]] const char* rule_name(TrainingRule rule);

struct TrainingSettings {
    static ParamSchema schema();
    // From a validated section; NaN or infinite values are refused with the key's location.
    static TrainingSettings from(const Params& p);

    TrainingRule rule = TrainingRule::MixedPrecision;
    int epochs = 5;
    int batch = 32;
    double learning_rate = 0.1;
    double lr_decay = 1.0;  // the learning rate of epoch e (0-based) is learning_rate * lr_decay^e
    std::size_t samples = 0;       // training images per epoch (0: all 60,000)
    std::size_t test_samples = 0;  // test images per evaluation (0: all 10,000)
    std::string dataset_dir;
    double epsilon_us = 0.0;         // the rule's granularity; 0: the update model's mean step at g_max/2
    double refresh_threshold = 0.9;  // a group above this fraction of its full scale triggers a refresh
    double weight_range = 4.0;       // real weight at full scale = weight_range / sqrt(fan_in)
    double forward_output_range = 8.0;
    double backward_output_range = 2.0;
    std::vector<double> drift_times_s;  // after the last update
    double digital_mac_pj = 1.0;
    int digital_macs_per_cycle = 128;
    UpdateConfig update;
};

}  // namespace aimcsim
