#include "src/training/training_report.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <functional>
#include <sstream>
#include <vector>

namespace aimcsim {

namespace {

using nlohmann::json;

// One per-epoch figure: its key under training.epochs[], unit, meaning and value.
struct EpochKey {
    const char* key;
    const char* unit;
    const char* meaning;
    std::function<double(const EpochRecord&)> value;
};

const std::vector<EpochKey>& epoch_keys() {
    static const std::vector<EpochKey> keys = {
        {"epoch", "", "1-based epoch number", [](const EpochRecord& e) { return e.epoch; }},
        {"learning_rate", "", "learning rate of the epoch", [](const EpochRecord& e) { return e.learning_rate; }},
        {"train_loss", "nat", "mean softmax cross-entropy of the epoch's training forward passes",
         [](const EpochRecord& e) { return e.train_loss; }},
        {"train_accuracy", "", "top-1 of the epoch's training forward passes",
         [](const EpochRecord& e) { return e.train_accuracy; }},
        {"test_accuracy", "", "top-1 on the test images after the epoch", [](const EpochRecord& e) { return e.test_accuracy; }},
        {"pulses", "count", "SET pulses applied to devices in the epoch",
         [](const EpochRecord& e) { return static_cast<double>(e.cost.pulses); }},
        {"refreshes", "count", "weight pairs refreshed (RESET and reprogrammed) in the epoch",
         [](const EpochRecord& e) { return static_cast<double>(e.cost.refreshes); }},
        {"energy_pj", "pJ", "chip energy of the epoch's training steps (MVMs, digital update, programming, static)",
         [](const EpochRecord& e) { return e.cost.energy_pj(); }},
        {"forward_energy_pj", "pJ", "forward MVMs", [](const EpochRecord& e) { return e.cost.forward.total_pj(); }},
        {"backward_energy_pj", "pJ", "transposed MVMs", [](const EpochRecord& e) { return e.cost.backward.total_pj(); }},
        {"digital_energy_pj", "pJ", "outer products and the rule in the digital units",
         [](const EpochRecord& e) { return e.cost.digital_pj; }},
        {"programming_energy_pj", "pJ", "SET pulses and refreshes", [](const EpochRecord& e) { return e.cost.programming_pj(); }},
        {"static_energy_pj", "pJ", "static power of the used tiles over the steps",
         [](const EpochRecord& e) { return e.cost.static_pj; }},
        {"programming_share", "", "programming energy / epoch energy",
         [](const EpochRecord& e) { return e.cost.energy_pj() > 0 ? e.cost.programming_pj() / e.cost.energy_pj() : 0.0; }},
        {"latency_ns", "ns", "chip time of the epoch's training steps (forward, backward, digital, programming)",
         [](const EpochRecord& e) { return e.cost.latency_ns(); }},
        {"programming_ns", "ns", "of which programming", [](const EpochRecord& e) { return e.cost.programming_ns; }},
        {"latency_per_batch_ns", "ns", "latency_ns / steps",
         [](const EpochRecord& e) { return e.cost.steps > 0 ? e.cost.latency_ns() / e.cost.steps : 0.0; }},
        {"chip_latency_ns", "ns",
         "the epoch's training steps on the SystemC chip (forward, backward, update, programming; 0: not simulated)",
         [](const EpochRecord& e) { return e.chip_latency_ns; }},
        {"chip_latency_per_batch_ns", "ns", "chip_latency_ns / steps",
         [](const EpochRecord& e) { return e.cost.steps > 0 ? e.chip_latency_ns / e.cost.steps : 0.0; }},
        {"energy_per_image_pj", "pJ", "energy_pj / training images",
         [](const EpochRecord& e) { return e.cost.images > 0 ? e.cost.energy_pj() / e.cost.images : 0.0; }},
        {"wall_s", "s", "host wall time of the epoch (training and its test evaluation)",
         [](const EpochRecord& e) { return e.wall_s; }},
    };
    return keys;
}

}  // namespace

std::string training_report_keys() {
    std::ostringstream out;
    for (const EpochKey& k : epoch_keys())
        out << "training.epochs[]." << k.key << " (" << (*k.unit ? k.unit : "-") << "): " << k.meaning << "\n";
    out << "training.drift[].t_s (s): time after the last update\n"
        << "training.drift[].gdc (bool): global drift compensation on\n"
        << "training.drift[].test_accuracy (-): top-1 on the test images at that time\n";
    return out.str();
}

std::string training_report_json(const TrainingResult& r, const std::string& config_name) {
    json t;
    t["config"] = config_name;
    t["model"] = r.model;
    t["rule"] = rule_name(r.rule);
    t["layers"] = r.layers;
    t["tiles"] = r.tiles;
    t["train_images"] = r.train_images;
    t["test_images"] = r.test_images;
    t["batch"] = r.batch;
    t["learning_rate"] = r.learning_rate;
    t["lr_decay"] = r.lr_decay;
    t["epsilon_us"] = r.epsilon_us;
    t["group_max_us"] = r.group_max_us;
    t["devices_per_polarity"] = r.devices_per_polarity;
    t["interrupted"] = r.interrupted;
    t["forward_batch_ns"] = r.forward_batch_ns;
    t["chip_forward_batch_ns"] = r.chip_forward_batch_ns;
    // One step on the SystemC chip (each phase the time it adds) and in the analytic model.
    const ChipStepTimes& c = r.chip_step;
    t["example_step"] = r.example_step;
    t["chip_step_ns"] = c.step_ns();
    t["chip_step_phases_ns"] = {{"forward", c.forward_ns},
                                {"backward", c.backward_ns},
                                {"update", c.update_ns},
                                {"programming", c.programming_ns}};
    const TrainingCost& m = r.model_step;
    t["model_step_ns"] = m.latency_ns();
    t["model_step_phases_ns"] = {{"forward", m.forward_ns},
                                 {"backward", m.backward_ns},
                                 {"update", m.digital_ns},
                                 {"programming", m.programming_ns}};
    t["model_step_pulses"] = m.pulses;
    json epochs = json::array();
    for (const EpochRecord& e : r.epochs) {
        json j;
        for (const EpochKey& k : epoch_keys()) j[k.key] = k.value(e);
        epochs.push_back(j);
    }
    t["epochs"] = epochs;
    json drift = json::array();
    for (const DriftPoint& d : r.drift) drift.push_back({{"t_s", d.t_s}, {"gdc", d.gdc}, {"test_accuracy", d.top1}});
    t["drift"] = drift;
    json units;
    for (const EpochKey& k : epoch_keys()) units[k.key] = {{"unit", k.unit}, {"meaning", k.meaning}};
    t["epoch_keys"] = units;
    return json{{"training", t}}.dump(2) + "\n";
}

std::string training_report_text(const TrainingResult& r, const std::string& config_name) {
    std::ostringstream out;
    char buf[512];
    out << "aimcsim training report: " << config_name << "\n";
    out << "model " << r.model << " (";
    for (std::size_t i = 0; i < r.layers.size(); ++i) out << (i ? ", " : "") << r.layers[i];
    out << "), rule " << rule_name(r.rule) << ", " << r.tiles << " tiles\n";
    std::snprintf(buf, sizeof buf,
                  "%zu training images per epoch, batch %d, learning rate %g (x %g per epoch), %zu test images\n",
                  r.train_images, r.batch, r.learning_rate, r.lr_decay, r.test_images);
    out << buf;
    if (r.rule != TrainingRule::Float) {
        std::snprintf(buf, sizeof buf, "epsilon %.4g uS per pulse, polarity group full scale %.4g uS (%d device%s)\n",
                      r.epsilon_us, r.group_max_us, r.devices_per_polarity, r.devices_per_polarity == 1 ? "" : "s");
        out << buf;
        std::snprintf(buf, sizeof buf,
                      "forward MVMs of a batch: %.3f us in the model (image after image), %.3f us on the SystemC chip "
                      "(pipelined)\n",
                      r.forward_batch_ns * 1e-3, r.chip_forward_batch_ns * 1e-3);
        out << buf;
        const ChipStepTimes& c = r.chip_step;
        const TrainingCost& m = r.model_step;
        std::snprintf(buf, sizeof buf,
                      "training step %llu (%ld pulses): %.3f us on the SystemC chip (forward %.3f, backward %.3f, "
                      "update %.3f, programming %.3f), %.3f us in the model (%.3f, %.3f, %.3f, %.3f)\n",
                      static_cast<unsigned long long>(r.example_step), m.pulses, c.step_ns() * 1e-3, c.forward_ns * 1e-3, c.backward_ns * 1e-3, c.update_ns * 1e-3,
                      c.programming_ns * 1e-3, m.latency_ns() * 1e-3, m.forward_ns * 1e-3, m.backward_ns * 1e-3,
                      m.digital_ns * 1e-3, m.programming_ns * 1e-3);
        out << buf;
    }
    out << "\nepoch  loss    train   test    pulses       refreshes  energy_uJ  prog_%   latency_ms  per_batch_us  "
           "chip_per_batch_us  per_image_nJ  wall_s\n";
    for (const EpochRecord& e : r.epochs) {
        const double share = e.cost.energy_pj() > 0 ? e.cost.programming_pj() / e.cost.energy_pj() : 0.0;
        std::snprintf(buf, sizeof buf,
                      "%5d  %.4f  %.4f  %.4f  %11ld  %9ld  %9.1f  %7.4f  %10.3f  %12.3f  %17.3f  %12.2f  %6.1f\n", e.epoch,
                      e.train_loss, e.train_accuracy, e.test_accuracy, e.cost.pulses, e.cost.refreshes,
                      e.cost.energy_pj() * 1e-6, 100.0 * share, e.cost.latency_ns() * 1e-6,
                      e.cost.steps ? e.cost.latency_ns() / e.cost.steps * 1e-3 : 0.0,
                      e.cost.steps ? e.chip_latency_ns / e.cost.steps * 1e-3 : 0.0, e.cost.images ? e.cost.energy_pj() / e.cost.images * 1e-3 : 0.0, e.wall_s);
        out << buf;
    }
    if (r.rule == TrainingRule::Float) out << "(rule float: the reference loop in float, no chip time or energy)\n";
    if (!r.drift.empty()) {
        out << "\ntest accuracy after the last update (drift):\n";
        for (const DriftPoint& d : r.drift) {
            std::snprintf(buf, sizeof buf, "  t = %10.0f s  gdc %-3s  %.4f\n", d.t_s, d.gdc ? "on" : "off", d.top1);
            out << buf;
        }
    }
    if (r.interrupted) out << "\ninterrupted: the report holds the " << r.epochs.size() << " finished epoch(s)\n";
    return out.str();
}

}  // namespace aimcsim
