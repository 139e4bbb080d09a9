#include "src/app/train_command.h"

#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <stdexcept>

#include "aimcsim/core/config.h"
#include "aimcsim/core/error.h"
#include "src/app/run_config.h"
#include "src/chip/chip_run.h"
#include "src/core/sim_context.h"
#include "src/core/config_input.h"
#include "src/core/unknown_keys.h"
#include "src/import/onnx_import.h"
#include "src/training/trainer.h"
#include "src/training/training_report.h"

namespace aimcsim {

namespace {

const char* kTrainUsage =
    "usage: aimcsim train CONFIG --workload MODEL.onnx [--epochs N] [--rule R] [--samples N] [--seed N]\n"
    "                     [--out DIR] [--set KEY.PATH=VALUE]... [-q]\n"
    "  trains the model's Dense and Conv layers on Fashion-MNIST in memory: forward and transposed MVMs through the\n"
    "  configured tiles, the update rule of `training.rule` (mixed_precision | analog_sgd | float) pulsing the\n"
    "  devices; weights are re-initialised from the seed. --epochs, --rule and --samples override training.*.\n"
    "  Writes report.json and report.txt to --out after every epoch; Ctrl-C stops after the current batch and\n"
    "  leaves the finished epochs' report (exit status 130).\n";

std::atomic<bool> g_stop{false};

extern "C" void on_sigint(int) { g_stop.store(true); }

void write_file(const std::filesystem::path& p, const std::string& text) {
    std::ofstream f(p);
    if (!f) throw InputError("train: cannot write '" + p.string() + "'");
    f << text;
}

struct TrainSetup {
    RunConfig rc;
    TrainingSettings settings;
    Network net;
};

// The config with its overrides, the `training:` section and the model, validated (an
// unsupported model is refused before the dataset is loaded).
TrainSetup load_train_setup(const std::string& config, std::string workload, const std::vector<std::string>& sets,
                            const std::vector<std::string>& labels) {
    ConfigNode root = load_config_file(config);
    for (std::size_t i = 0; i < sets.size(); ++i) apply_labelled_override(root, sets[i], labels[i]);
    // `training:` is this command's section; the rest is an ordinary run config.
    ConfigNode training = ConfigNode::make_null({});
    if (root.is_map() && root.find("training") != nullptr) {
        training = *root.find("training");
        root.erase("training");
    }
    if (workload.empty() && root.is_map() && root.find("workload") != nullptr &&
        root.find("workload")->find("file") != nullptr) {
        // A path in the config is relative to the config file, as `run` reads it.
        const std::filesystem::path file = root.find("workload")->find("file")->as_string();
        workload = (file.is_absolute() ? file : std::filesystem::path(config).parent_path() / file).string();
    }
    TrainSetup setup;
    {
        UnknownKeyCollector unknown;
        try {
            setup.rc = resolve_run_config(root);
            setup.settings = TrainingSettings::from(TrainingSettings::schema().parse(training, {}));
        } catch (const InputError&) {
            unknown.throw_if_any();
            throw;
        }
        unknown.throw_if_any();
    }
    if (workload.empty()) throw InputError("train: missing --workload MODEL.onnx (or workload.file in the config)");
    const std::filesystem::path wl(workload);
    if (wl.extension() != ".onnx")
        throw InputError("train: workload '" + workload + "' is not an ONNX model (.onnx); training needs its layers");
    setup.net = load_onnx(workload);
    (void)training_stages(setup.net);
    return setup;
}

// The SystemC chip's time for the forward MVMs of one training batch: a timing-only run of
// the same network on the config's tiles and chip, `batch` inferences, from the first
// input to the last output (the analytic model's figure runs them image after image).
double chip_forward_batch_ns(const RunConfig& rc, const Network& net, int batch) {
    const SanitizerStackRestore restore;  // run_chip() calls sc_start() (sim_context.h)
    const ChipRunResult r = run_chip(rc.tile, rc.chip, net, rc.seed, batch);
    // simulated_ns: cycle 0 to the last inference's end (done_cycles are per-inference latencies).
    return r.simulated_ns;
}

// The SystemC chip's time of training steps (src/chip/train_step.h): per batch size, one
// timing-only run of the forward pass, backward pass and updates without pulses; each
// step's pulses then extend that schedule's tail (step_end_with_pulses, exact).
class ChipStepTimer {
public:
    ChipStepTimer(const RunConfig& rc, const Network& net, const TrainingSettings& s) : rc_(rc), net_(net), s_(s) {}

    ChipStepTimes operator()(const StepRecord& step) {
        TrainStepPlan plan;
        plan.digital_macs_per_cycle = s_.digital_macs_per_cycle;
        for (const StepRecord::Layer& l : step.layers) {
            TrainStepLayer tl;
            tl.vectors = l.vectors;
            for (const BlockUpdate& b : l.blocks)
                tl.blocks.push_back(TrainStepBlock{b.row_begin, b.col_begin, b.rows, b.cols, b.programming_ns});
            plan.layers.push_back(std::move(tl));
        }
        auto it = runs_.find(step.batch);
        if (it == runs_.end()) it = runs_.emplace(step.batch, simulate(plan, step.batch)).first;
        const ChipRunResult& r = it->second;
        const std::uint64_t end =
            step_end_with_pulses(r.train_step, block_pulse_cycles(r.mapping, plan, r.clock_ghz));
        ChipStepTimes t;
        t.forward_ns = r.simulated_ns;
        t.backward_ns = r.train_backward_ns;
        t.update_ns = r.train_update_ns;
        t.programming_ns = static_cast<double>(end - r.train_step.update_end_cycle) / r.clock_ghz;
        return t;
    }

private:
    ChipRunResult simulate(TrainStepPlan plan, int batch) const {
        for (TrainStepLayer& l : plan.layers)
            for (TrainStepBlock& b : l.blocks) b.programming_ns = 0.0;
        ChipRunOptions opts;
        opts.seed = rc_.seed;
        opts.batch = batch;
        opts.train = &plan;
        const SanitizerStackRestore restore;  // run_chip() calls sc_start() (sim_context.h)
        ChipRunResult r = run_chip(rc_.tile, rc_.chip, net_, opts);
        if (r.mapping.layers.size() != plan.layers.size())
            throw std::logic_error("train: the chip maps " + std::to_string(r.mapping.layers.size()) +
                                   " weight layers, training has " + std::to_string(plan.layers.size()));
        return r;
    }

    const RunConfig& rc_;
    const Network& net_;
    const TrainingSettings& s_;
    std::map<int, ChipRunResult> runs_;  // by batch size (an epoch's last batch may be short)
};

}  // namespace

void validate_train(const std::string& config, const std::vector<std::string>& overrides) {
    (void)load_train_setup(config, "", overrides, std::vector<std::string>(overrides.size()));
}

int run_train_command(const std::vector<std::string>& args) {
    std::string config, workload, out_dir;
    std::vector<std::string> sets, labels;
    bool quiet = false;
    auto value = [&](std::size_t& i, const std::string& flag) -> std::string {
        if (i + 1 >= args.size()) throw InputError("train: " + flag + " needs a value");
        return args[++i];
    };
    auto add = [&](const std::string& set, const std::string& label) {
        sets.push_back(set);
        labels.push_back(label);
    };
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--help" || a == "-h") {
            std::cout << kTrainUsage;
            return 0;
        } else if (a == "--workload") {
            workload = value(i, a);
        } else if (a == "--out" || a == "-o") {
            out_dir = value(i, a);
        } else if (a == "--set") {
            add(value(i, a), "");
        } else if (a == "--epochs" || a == "--rule" || a == "--samples") {
            const std::string v = value(i, a);
            add("training." + a.substr(2) + "=" + v, a + " " + v);
        } else if (a == "--seed") {
            const std::string v = value(i, a);
            add("seed=" + v, a + " " + v);
        } else if (a == "-q" || a == "--quiet") {
            quiet = true;
        } else if (a.rfind("-", 0) == 0) {
            throw InputError("train: unknown option '" + a + "'\n" + kTrainUsage);
        } else if (config.empty()) {
            config = a;
        } else {
            throw InputError("train: unexpected argument '" + a + "'\n" + kTrainUsage);
        }
    }
    if (config.empty()) throw InputError("train: missing CONFIG (e.g. configs/training_fmnist.yaml)\n" + std::string(kTrainUsage));
    const TrainSetup setup = load_train_setup(config, workload, sets, labels);
    const RunConfig& rc = setup.rc;
    const Network& net = setup.net;
    TrainingJob job;
    job.net = &net;
    job.tile = rc.tile;
    job.seed = rc.seed;
    job.settings = setup.settings;
    if (job.settings.rule != TrainingRule::Float) {
        job.chip_forward_batch_ns = chip_forward_batch_ns(rc, net, job.settings.batch);
        job.chip_step = [timer = std::make_shared<ChipStepTimer>(rc, net, job.settings)](const StepRecord& step) {
            return (*timer)(step);
        };
    }
    if (!out_dir.empty()) std::filesystem::create_directories(out_dir);
    const auto write = [&](const TrainingResult& r) {
        if (out_dir.empty()) return;
        write_file(std::filesystem::path(out_dir) / "report.json", training_report_json(r, rc.name));
        write_file(std::filesystem::path(out_dir) / "report.txt", training_report_text(r, rc.name));
    };
    job.on_epoch = [&](const TrainingResult& r) {
        write(r);
        if (!quiet) {
            const EpochRecord& e = r.epochs.back();
            std::cerr << "epoch " << e.epoch << ": loss " << e.train_loss << ", test " << e.test_accuracy << ", "
                      << e.cost.pulses << " pulses, " << e.wall_s << " s\n";
        }
    };
    g_stop.store(false);
    job.stop = &g_stop;
    auto* previous = std::signal(SIGINT, on_sigint);
    TrainingResult r;
    try {
        r = train_network(job);
    } catch (...) {
        std::signal(SIGINT, previous);
        throw;
    }
    std::signal(SIGINT, previous);
    write(r);
    if (!quiet) std::cout << training_report_text(r, rc.name);
    if (!out_dir.empty() && !quiet) std::cerr << "wrote " << out_dir << "/report.json, report.txt\n";
    return r.interrupted ? 130 : 0;
}

}  // namespace aimcsim
