#include "src/training/training_settings.h"

#include <cmath>

#include "aimcsim/core/error.h"

namespace aimcsim {

const char* rule_name(TrainingRule rule) {
    switch (rule) {
        case TrainingRule::MixedPrecision: return "mixed_precision";
        case TrainingRule::AnalogSgd: return "analog_sgd";
        case TrainingRule::Float: return "float";
    }
    return "?";
}

ParamSchema TrainingSettings::schema() {
    ParamSchema s;
    s.string("rule", "mixed_precision",
             "mixed_precision: a digital accumulator chi per weight, floor(chi/epsilon) SET pulses when |chi| >= "
             "epsilon (Nandakumar et al. 2020); analog_sgd: every update straight to the devices, stochastically "
             "rounded to pulses; float: the same loop in float, the reference")
        .choices({"mixed_precision", "analog_sgd", "float"});
    s.integer("epochs", 5, "", "passes over the training images").range(1, 1000);
    s.integer("batch", 32, "", "images per weight update").range(1, 60000);
    s.real("learning_rate", 0.1, "", "SGD step on the batch-mean gradient").positive();
    s.real("lr_decay", 1.0, "", "factor of the learning rate from one epoch to the next (1: constant)")
        .range(0.0, 1.0);
    s.integer("samples", 0, "", "training images per epoch (0: all 60,000 of Fashion-MNIST)").range(0, 60000);
    s.integer("test_samples", 0, "", "test images of each evaluation (0: all 10,000)").range(0, 10000);
    s.string("dataset_dir", "/usr/share/datasets/fashion-mnist",
             "directory of the Fashion-MNIST IDX files (Debian package dataset-fashion-mnist)");
    s.real("epsilon_us", 0.0, "uS",
           "conductance change one pulse is counted as (0: the update model's mean step of a device at half its "
           "range, g_max/2)")
        .at_least(0.0);
    s.real("refresh_threshold", 0.9, "",
           "a weight's pair is refreshed (both RESET, the difference reprogrammed) when a polarity group exceeds "
           "this fraction of its full scale (# assumed)")
        .range(0.05, 1.0);
    s.real("weight_range", 4.0, "",
           "real weight of a pair at full scale, times sqrt(fan_in): 4 puts the initial weights (uniform in "
           "+-1/sqrt(fan_in)) at a quarter of the range (# assumed)")
        .positive();
    s.real("forward_output_range", 8.0, "rows",
           "column value at the column ADCs' full scale in forward reads, inputs scaled to their largest magnitude "
           "(# assumed; aihwkit's default out_bound is 20)")
        .positive();
    s.real("backward_output_range", 2.0, "rows",
           "row value at the row converters' full scale in transposed reads (# assumed)")
        .positive();
    s.reals("drift_times_s", {60.0, 3600.0, 86400.0}, "s",
            "times after the last update at which the trained network is evaluated (drift, with and without GDC)")
        .at_least(0.0);
    s.real("digital_mac_pj", 1.0, "pJ",
           "energy of one multiply-accumulate of the digital update (outer product, chi) (# assumed: fp16 in 14 nm)")
        .at_least(0.0);
    s.integer("digital_macs_per_cycle", 128, "",
              "multiply-accumulates per tile-clock cycle of the digital unit beside each tile (# assumed: the LDPU's "
              "128 lanes)")
        .range(1, 1 << 20);
    s.section("update", "the devices' pulse response: model: pcm_set | <plugin>", UpdateConfig::resolver());
    return s;
}

TrainingSettings TrainingSettings::from(const Params& p) {
    TrainingSettings t;
    const std::string& rule = p.str("rule");
    t.rule = rule == "float" ? TrainingRule::Float
                             : (rule == "analog_sgd" ? TrainingRule::AnalogSgd : TrainingRule::MixedPrecision);
    t.epochs = static_cast<int>(p.integer("epochs"));
    t.batch = static_cast<int>(p.integer("batch"));
    for (const char* key : {"learning_rate", "lr_decay", "epsilon_us", "refresh_threshold", "weight_range", "forward_output_range",
                            "backward_output_range", "digital_mac_pj"}) {
        if (!std::isfinite(p.real(key))) throw p.error(key, "expected a finite number");
    }
    t.learning_rate = p.real("learning_rate");
    t.lr_decay = p.real("lr_decay");
    t.samples = static_cast<std::size_t>(p.integer("samples"));
    t.test_samples = static_cast<std::size_t>(p.integer("test_samples"));
    t.dataset_dir = p.str("dataset_dir");
    t.epsilon_us = p.real("epsilon_us");
    t.refresh_threshold = p.real("refresh_threshold");
    t.weight_range = p.real("weight_range");
    t.forward_output_range = p.real("forward_output_range");
    t.backward_output_range = p.real("backward_output_range");
    t.drift_times_s = p.reals("drift_times_s");
    for (double v : t.drift_times_s) {
        if (!std::isfinite(v)) throw p.error("drift_times_s", "expected finite times");
    }
    t.digital_mac_pj = p.real("digital_mac_pj");
    t.digital_macs_per_cycle = static_cast<int>(p.integer("digital_macs_per_cycle"));
    t.update = p.resolved<UpdateConfig>("update");
    return t;
}

}  // namespace aimcsim
