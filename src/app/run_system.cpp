#include "src/app/run_system.h"

#include <fstream>

#include <spdlog/spdlog.h>

#include "aimcsim/core/error.h"
#include "src/app/report/bottleneck.h"
#include "src/app/report/html_report.h"
#include "src/app/report/layers_csv.h"
#include "src/app/report/report_files.h"
#include "src/app/report/system_report.h"
#include "src/app/run_memory.h"
#include "src/core/sim_context.h"
#include "src/system/system_run.h"

namespace aimcsim {

ChipRunOptions chip_run_options(const RunConfig& rc, const std::string& trace_path, bool html) {
    ChipRunOptions o;
    o.seed = rc.seed;
    o.batch = rc.simulation.batch;
    o.functional = rc.simulation.functional;
    o.t_inference_s = rc.simulation.t_inference_s.front();
    o.threads = rc.simulation.threads;
    // report.html's timeline reads the spans of the first inferences: kept for small batches only.
    o.trace = !trace_path.empty() || (html && o.batch <= kTimelineInferences);
    return o;
}

RunOutput run_system_network(const RunConfig& rc, const Network& net, const std::string& trace_path, bool html,
                             Mapping& mapping) {
    const SystemParams& sys = rc.system;
    ChipRunOptions o = chip_run_options(rc, trace_path, html);
    spdlog::info("simulating {} on {} chips of {}x{} tiles, {} links ({})", net.name, sys.chips, sys.chip.rows,
                 sys.chip.cols, sys.links.model(), o.functional ? "functional" : "timing only");
    RunShape shape;
    shape.net = &net;
    shape.chip_tiles = sys.chip.tiles() * sys.chips;
    shape.batch = o.batch;
    shape.in_flight = sys.chip.inferences_in_flight;
    shape.functional = o.functional;
    shape.trace = o.trace;
    check_run_memory(*rc.tile.create(), shape, nullptr);
    const SystemRunResult s = [&] {
        const SanitizerStackRestore restore;  // run_system() calls sc_start()
        return run_system(rc.tile, sys, net, o);
    }();
    if (!s.balanced) {
        spdlog::warn("the partition over {} chips cannot be balanced: its heaviest stage takes {:.3g} x the mean "
                     "stage's MVM time; bottleneck layer: {} ({})",
                     sys.chips, s.imbalance(), s.bottleneck_layer,
                     s.bottleneck_is_one_layer ? "it alone exceeds the mean stage"
                                               : "the chips' tiles force the heavy layers together");
    }
    RunOutput out;
    out.report = system_report_json(s);
    put_report_header(out.report, rc);
    const ChipParams grid = system_grid(sys.chip, sys.chips);
    const StaticPower power{rc.tile.create()->static_power_mw(), grid.static_power_mw, grid.power_gate_unused_tiles};
    const Bottleneck bottleneck = find_bottleneck(s.run, power);
    out.text = system_report_text(s, bottleneck);
    out.layers_csv = layers_csv(s.run);
    if (!trace_path.empty()) {
        std::ofstream trace(trace_path);
        trace << system_trace_json(s).dump() << "\n";
        if (!trace) throw InputError("cannot write trace file '" + trace_path + "'");
    }
    if (html) out.html = report_html(out.report, bottleneck, pipeline_timeline_json(s.run));
    mapping = s.run.mapping;
    return out;
}

}  // namespace aimcsim
