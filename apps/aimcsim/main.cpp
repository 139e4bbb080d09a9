// aimcsim command line. Every user error (config, files, flags) ends here as one
// line on stderr and exit status 2; anything else is an internal error (status 1).
#include <boost/program_options.hpp>
#include <systemc>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "aimcsim/core/error.h"
#include "aimcsim/plugin.h"
#include "src/app/model_listing.h"
#include "src/app/run.h"
#include "src/core/config_input.h"
#include "src/sweep/sweep_command.h"
#include "src/app/infer.h"
#include "src/app/validate.h"
#include "src/app/train_command.h"
#include "src/app/version.h"

namespace po = boost::program_options;
using namespace aimcsim;

namespace {

const char* kUsage =
    "usage: aimcsim <command> [options]\n"
    "commands:\n"
    "  run CONFIG [--set k=v]... [--out DIR] [--seed N] [--workload FILE]   simulate and report\n"
    "  models [AXIS]                                                        list registered models and parameters\n"
    "  infer MODEL.onnx --input X.npy|X.pb --output Y.npy|Y.pb [--config C] [--set k=v]...  one tensor through the "
    "chip's numerics\n"
    "  sweep SWEEP.yaml --out DIR [--jobs N] [--resume] [--shard I/N]      run a design-space sweep (sweep merge "
    "DIR... --out OUT)\n"
    "  validate [--out DIR] [--only NAME]...                                rerun the published silicon figures "
    "and compare\n"
    "  train CONFIG --workload MODEL.onnx [--epochs N] [--rule R] [--out DIR]  train a Dense network in memory on "
    "Fashion-MNIST\n"
    "  --version                                                            print the version and git commit\n"
    "global option (before or after the command, repeatable):\n"
    "  --plugin PATH.so                                                     load a plugin's models first\n"
    "run 'aimcsim <command> --help' for the options of a command\n";

// Takes every `--plugin PATH` / `--plugin=PATH` out of `args`, wherever it is, and
// loads the plugins in order, so a command sees their models.
void load_cli_plugins(std::vector<std::string>& args) {
    std::vector<std::string> rest;
    for (size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--plugin") {
            if (i + 1 >= args.size()) throw InputError("--plugin: missing PATH of a plugin shared library");
            load_plugin(args[++i]);
        } else if (args[i].rfind("--plugin=", 0) == 0) {
            load_plugin(args[i].substr(9));
        } else {
            rest.push_back(args[i]);
        }
    }
    args = rest;
}

void set_log_level(const std::string& level) {
    const auto l = spdlog::level::from_str(level);
    if (l == spdlog::level::off && level != "off") {
        throw InputError("--log-level: unknown level '" + level +
                         "'; expected trace|debug|info|warn|error|critical|off");
    }
    spdlog::set_level(l);
}

int cmd_models(const std::vector<std::string>& args) {
    list_models(std::cout, args.empty() ? "" : args[0]);
    return 0;
}

int cmd_run(const std::vector<std::string>& args) {
    po::options_description opts("aimcsim run CONFIG options");
    std::vector<std::string> sets;
    RunOptions ro;
    long long seed = -1;
    std::string workload;
    int batch = 0, threads = -1;
    std::string log_level = "warn";
    opts.add_options()("help,h", "this help")("set", po::value(&sets)->composing(),
                                              "override a config value: KEY.PATH=VALUE (repeatable)")(
        "out,o", po::value(&ro.out_dir), "write report.json, report.txt, resolved_config.yaml here")(
        "seed", po::value(&seed), "seed of all random streams (overrides `seed`)")(
        "workload", po::value(&workload), "workload file (overrides `workload.file`)")(
        "batch", po::value(&batch), "inferences to simulate (overrides `simulation.batch`)")(
        "threads", po::value(&threads), "worker threads (overrides `simulation.threads`)")(
        "quiet,q", po::bool_switch(&ro.quiet), "print nothing but errors (no report, no warnings)")(
        "trace", po::value(&ro.trace_path),
        "chip runs: write a Chrome/Perfetto trace (JSON) of every MVM to this file")(
        "log-level", po::value(&log_level), "trace|debug|info|warn|error|off (default warn)");
    po::options_description hidden;
    hidden.add_options()("config", po::value(&ro.config_path));
    po::options_description all;
    all.add(opts).add(hidden);
    po::positional_options_description pos;
    pos.add("config", 1);
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(all).positional(pos).run(), vm);
    po::notify(vm);
    if (vm.count("help")) {
        std::cout << opts << "\n";
        return 0;
    }
    // --quiet: errors only, unless a log level is asked for explicitly.
    set_log_level(ro.quiet && !vm.count("log-level") ? "error" : log_level);
    if (ro.config_path.empty()) throw InputError("run: missing CONFIG (a YAML file, e.g. configs/hermes_core.yaml)");
    if (const std::string what = binary_file_kind(ro.config_path, ""); !what.empty()) {
        throw InputError("run: CONFIG '" + ro.config_path + "' is " + what +
                         ", not a YAML config; give the config first and the model as the workload: aimcsim run "
                         "configs/hermes64.yaml --workload " +
                         ro.config_path);
    }
    ro.overrides = sets;
    ro.override_labels.assign(sets.size(), "");
    // An option's override names the option as typed in errors ("--batch 0", not "--set simulation.batch=0").
    const auto option_override = [&](const std::string& option, const std::string& typed, const std::string& set) {
        ro.overrides.push_back(set);
        ro.override_labels.push_back(option + " " + typed);
    };
    if (seed >= 0) option_override("--seed", std::to_string(seed), "seed=" + std::to_string(seed));
    if (vm.count("seed") && seed < 0) throw InputError("--seed: expected a non-negative integer");
    if (!workload.empty())
        option_override("--workload", workload, "workload.file=" + std::filesystem::absolute(workload).string());
    if (vm.count("batch"))
        option_override("--batch", std::to_string(batch), "simulation.batch=" + std::to_string(batch));
    if (vm.count("threads"))
        option_override("--threads", std::to_string(threads), "simulation.threads=" + std::to_string(threads));
    const RunOutput out = run_simulation(ro);
    if (ro.quiet) return 0;
    std::cout << out.text;  // stdout carries the report alone; what was written is a log line
    if (!ro.out_dir.empty()) {
        std::cerr << "wrote " << ro.out_dir << "/report.json, report.txt, resolved_config.yaml"
                  << (out.layers_csv.empty() ? "" : ", layers.csv") << (out.html.empty() ? "" : ", report.html")
                  << "\n";
    }
    return 0;
}

}  // namespace

// Our own entry point: SystemC prints its copyright banner on stdout when the kernel
// starts unless SC_COPYRIGHT_MESSAGE=DISABLE, so set it before handing over to SystemC
// (whose sc_elab_and_sim calls sc_main below). A user's explicit setting wins.
int main(int argc, char* argv[]) {
    setenv("SC_COPYRIGHT_MESSAGE", "DISABLE", 0);
    return sc_core::sc_elab_and_sim(argc, argv);
}

int sc_main(int argc, char* argv[]) {
    std::vector<std::string> args(argv + 1, argv + argc);
    // Log lines and warnings go to stderr: stdout carries the report only.
    spdlog::set_default_logger(
        std::make_shared<spdlog::logger>("", std::make_shared<spdlog::sinks::stderr_color_sink_mt>()));
    spdlog::set_level(spdlog::level::warn);
    try {
        load_cli_plugins(args);
        if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
            std::cout << kUsage;
            return args.empty() ? 2 : 0;
        }
        if (args[0] == "--version" || args[0] == "version") {
            std::cout << "aimcsim " << version() << " (git " << git_hash() << ")\n";
            return 0;
        }
        const std::string cmd = args[0];
        args.erase(args.begin());
        if (cmd == "run") return cmd_run(args);
        if (cmd == "models") return cmd_models(args);
        if (cmd == "sweep") return run_sweep_command(args);
        if (cmd == "infer") return run_infer_command(args);
        if (cmd == "validate") return run_validate_command(args);
        if (cmd == "train") return run_train_command(args);
        throw InputError("unknown command '" + cmd + "'\n" + kUsage);
    } catch (const InputError& e) {
        std::cerr << "aimcsim: error: " << e.what() << "\n";
        return kInputErrorExit;
    } catch (const po::error& e) {
        std::cerr << "aimcsim: error: " << e.what() << "\n";
        return kInputErrorExit;
    } catch (const std::exception& e) {
        std::cerr << "aimcsim: internal error: " << e.what() << "\n";
        return 1;
    }
}
