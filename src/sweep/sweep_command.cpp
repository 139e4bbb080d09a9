#include "src/sweep/sweep_command.h"

#include <iostream>

#include "aimcsim/core/error.h"
#include "src/sweep/sweep_results.h"
#include "src/sweep/sweep_runner.h"

namespace aimcsim {

namespace {

const char* kSweepUsage =
    "usage: aimcsim sweep SWEEP.yaml --out DIR [options]\n"
    "       aimcsim sweep merge DIR... --out OUT\n"
    "Runs every point of a sweep (a base config and parameters to vary, see configs/sweeps/),\n"
    "each as `aimcsim run` in DIR/points/<id>/, and writes DIR/results.csv and results.jsonl.\n"
    "options:\n"
    "  --out, -o DIR        output folder (required)\n"
    "  --jobs, -j N         worker processes (default: the CPUs available)\n"
    "  --resume             continue a sweep in DIR: skip points that succeeded, rerun the rest\n"
    "  --shard I/N          run only the points with index % N == I (0 <= I < N), e.g. one per cluster task\n"
    "  --set KEY.PATH=VALUE override a config value in every point (repeatable)\n"
    "  --dry-run            validate every point's config and list the points; run nothing\n"
    "  --progress MODE      auto (a bar on a terminal, lines otherwise) | bar | lines | none\n"
    "  --quiet, -q          same as --progress none\n"
    "merge: combines the outputs of the shards of one sweep into OUT (one row per point).\n"
    "exit status: 0 all points ok, 2 bad input (nothing ran), 3 some points failed or missing\n";

int parse_int(const std::string& flag, const std::string& v) {
    try {
        size_t used = 0;
        const int n = std::stoi(v, &used);
        if (used == v.size()) return n;
    } catch (const std::exception&) {}
    throw InputError("sweep: " + flag + ": expected an integer, got '" + v + "'");
}

int cmd_merge(const std::vector<std::string>& args) {
    std::vector<std::string> dirs;
    std::string out;
    bool quiet = false;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--out" || a == "-o") {
            if (i + 1 >= args.size()) throw InputError("sweep merge: --out needs a folder");
            out = args[++i];
        } else if (a.rfind("--out=", 0) == 0) {
            out = a.substr(6);
        } else if (a == "--quiet" || a == "-q") {
            quiet = true;
        } else if (a == "--help" || a == "-h") {
            std::cout << kSweepUsage;
            return 0;
        } else if (!a.empty() && a[0] == '-') {
            throw InputError("sweep merge: unknown option '" + a + "'");
        } else {
            dirs.push_back(a);
        }
    }
    if (out.empty()) throw InputError("sweep merge: missing --out OUT");
    return sweep::merge_results(dirs, out, quiet) > 0 ? sweep::kSweepPointsFailedExit : 0;
}

}  // namespace

int run_sweep_command(const std::vector<std::string>& args) {
    if (!args.empty() && args[0] == "merge") return cmd_merge({args.begin() + 1, args.end()});
    sweep::SweepOptions o;
    auto value = [&](size_t& i, const std::string& flag) -> std::string {
        const std::string& a = args[i];
        if (a.size() > flag.size() && a.compare(0, flag.size() + 1, flag + "=") == 0) return a.substr(flag.size() + 1);
        if (i + 1 >= args.size()) throw InputError("sweep: " + flag + " needs a value");
        return args[++i];
    };
    auto is = [](const std::string& a, const std::string& flag) { return a == flag || a.rfind(flag + "=", 0) == 0; };
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--help" || a == "-h") {
            std::cout << kSweepUsage;
            return 0;
        } else if (is(a, "--out")) {
            o.out_dir = value(i, "--out");
        } else if (a == "-o") {
            o.out_dir = value(i, "-o");
        } else if (is(a, "--jobs") || a == "-j") {
            o.jobs = parse_int("--jobs", value(i, a == "-j" ? "-j" : "--jobs"));
            if (o.jobs < 1) throw InputError("sweep: --jobs: expected at least 1");
        } else if (a.size() > 2 && a.compare(0, 2, "-j") == 0 && a[2] != '=') {
            o.jobs = parse_int("-j", a.substr(2));
            if (o.jobs < 1) throw InputError("sweep: --jobs: expected at least 1");
        } else if (a == "--resume") {
            o.resume = true;
        } else if (is(a, "--shard")) {
            const std::string v = value(i, "--shard");
            const auto slash = v.find('/');
            if (slash == std::string::npos)
                throw InputError("sweep: --shard: expected I/N (e.g. 0/4), got '" + v + "'");
            o.shard_index = parse_int("--shard", v.substr(0, slash));
            o.shard_count = parse_int("--shard", v.substr(slash + 1));
        } else if (is(a, "--set")) {
            o.sets.push_back(value(i, "--set"));
        } else if (a == "--dry-run") {
            o.dry_run = true;
        } else if (is(a, "--progress")) {
            o.progress = value(i, "--progress");
        } else if (a == "--quiet" || a == "-q") {
            o.progress = "none";
        } else if (!a.empty() && a[0] == '-') {
            throw InputError("sweep: unknown option '" + a + "'\n" + kSweepUsage);
        } else if (o.spec_path.empty()) {
            o.spec_path = a;
        } else {
            throw InputError("sweep: unexpected argument '" + a + "' (one sweep file per run)");
        }
    }
    if (o.spec_path.empty()) throw InputError("sweep: missing SWEEP.yaml (e.g. configs/sweeps/adc_resolution.yaml)");
    return sweep::run_sweep(o);
}

}  // namespace aimcsim
