#include "src/sim/run.h"

#include <chrono>
#include <fstream>
#include <sstream>

#include <spdlog/spdlog.h>

#include "aimcsim/core/error.h"
#include "src/sim/report.h"
#include "src/sim/run_config.h"
#include "src/sim/tile_bench.h"

namespace aimcsim {

namespace {

ParamSchema workload_section_schema() {
    ParamSchema s;
    s.string("file", "", "workload file: a YAML workload (mvm_random, layer list) or an ONNX model").required();
    return s;
}

ConfigNode load_workload_file(const Params& wp) {
    const std::string& file = wp.str("file");
    std::ifstream in(file);
    if (!in) throw wp.error("file", "workload file '" + file + "' cannot be read");
    std::stringstream text;
    text << in.rdbuf();
    ConfigNode node = ConfigNode::parse_yaml(text.str(), file);
    if (!node.is_map()) throw node.error("a workload file must be a map with a `kind:` key");
    return node;
}

}  // namespace

RunOutput run_simulation(const RunOptions& opts) {
    const auto t_start = std::chrono::steady_clock::now();
    const RunConfig rc = load_run_config(opts.config_path, opts.overrides);
    const Params wp = workload_section_schema().parse(rc.workload, {});
    const ConfigNode workload = load_workload_file(wp);
    const ConfigNode* kind = workload.find("kind");
    if (kind == nullptr) throw workload.error("missing `kind:` (expected mvm_random)");

    RunOutput out;
    if (kind->as_string() == "mvm_random") {
        spdlog::info("simulating {} on one tile", wp.str("file"));
        out.report = tile_bench_report(rc, run_tile_bench(rc, workload));
    } else {
        throw kind->error("unknown workload kind '" + kind->as_string() + "'; expected mvm_random");
    }
    const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
    out.report["simulation"]["wall_s"] = wall_s;
    out.text = render_text(out.report);
    if (!opts.out_dir.empty()) write_outputs(opts.out_dir, out.report, out.text, rc);
    return out;
}

}  // namespace aimcsim
