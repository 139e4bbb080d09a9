#include "src/app/run.h"

#include <chrono>
#include <fstream>
#include <sstream>

#include <spdlog/spdlog.h>

#include "aimcsim/core/error.h"
#include "src/functional/evaluator.h"
#include "aimcsim/core/registry.h"
#include "aimcsim/tile.h"
#include "aimcsim/topology.h"
#include "src/app/run_memory.h"
#include "src/app/run_config.h"
#include "src/app/run_system.h"
#include "src/core/sim_context.h"
#include "src/core/config_input.h"
#include "src/import/mvm_workload.h"
#include "src/app/tile_bench.h"
#include "src/app/version.h"
#include "src/import/onnx_import.h"
#include "src/chip/chip_params.h"
#include "src/chip/chip_run.h"
#include "src/app/report/accuracy_report.h"
#include "src/app/report/bottleneck.h"
#include "src/app/report/chip_report.h"
#include "src/app/report/html_report.h"
#include "src/app/report/layers_csv.h"
#include "src/app/report/report_files.h"
#include "src/app/report/tile_report.h"
#include "src/import/layer_list.h"

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
    if (const std::string what = binary_file_kind(file, text.str()); !what.empty()) {
        throw wp.error("file", "workload file '" + file + "' is " + what +
                                   "; a workload (--workload or workload.file) is a YAML file with `kind: "
                                   "mvm_random` or `kind: layer_list`, or an ONNX model (.onnx). To run one input "
                                   "tensor through a model: aimcsim infer MODEL.onnx --input X.npy --output Y.npy");
    }
    ConfigNode node = ConfigNode::parse_yaml(text.str(), file);
    if (!node.is_map()) throw node.error("a workload file must be a map with a `kind:` key");
    return node;
}

// Refuses a run that would not fit in memory; the config is validated already, so
// range errors are reported as such first. A tile model is cheap until programmed.
void guard_memory(const RunConfig& rc, const RunShape& shape, const AccuracySettings* accuracy) {
    const std::unique_ptr<TileModel> tile = rc.tile.create();
    check_run_memory(*tile, shape, accuracy);
}

bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Accuracy of the mapped network on the dataset, as report keys and a text table.
void add_accuracy(const RunConfig& rc, const AccuracySettings& settings, const Network& net, const Mapping& map,
                  bool trained, RunOutput& out) {
    if (!settings.enabled) return;
    if (!trained) {
        // A layer list has random weights: an accuracy would be meaningless, not wrong input.
        spdlog::warn("accuracy not evaluated: workload '{}' is a layer list with random weights", net.name);
        out.report["accuracy"] = accuracy_not_evaluated_json("layer-list workload with random weights");
        out.text += "\nAccuracy: not evaluated (layer-list workload with random weights; use an ONNX model)\n";
        return;
    }
    const ConfigNode* gdc = rc.tile.params().node().find("gdc");
    const bool gdc_on = gdc == nullptr || gdc->find("enabled") == nullptr || gdc->at("enabled").as_bool();
    AccuracyJob job{&net, &map, &rc.tile, rc.seed, rc.simulation.t_inference_s, gdc_on, rc.simulation.threads};
    spdlog::info("evaluating accuracy of {} on {} images", net.name, settings.samples);
    out.report["accuracy"] = accuracy_json(evaluate_accuracy(job, settings));
    out.text += accuracy_text(out.report["accuracy"]);
}

// A network on the configured chip (layer list or ONNX): report, text, layers.csv.
RunOutput run_network(const RunConfig& rc, const Network& net, bool trained, const std::string& trace_path, bool html) {
    if (rc.system.enabled()) {
        Mapping mapping;  // all chips' tiles: the accuracy evaluation programs the same blocks
        RunOutput out = run_system_network(rc, net, trace_path, html, mapping);
        add_accuracy(rc, rc.accuracy, net, mapping, trained, out);
        return out;
    }
    const ChipParams& chip = rc.chip;
    ChipRunOptions o = chip_run_options(rc, trace_path, html);
    const AccuracySettings& acc = rc.accuracy;
    if (o.functional && trained && acc.enabled) {
        // Feed the chip real test images and calibrate it exactly as the accuracy
        // evaluation does, so its values are those the accuracy table counts.
        const Dataset test = load_fashion_mnist(acc.dataset_dir, "t10k", static_cast<std::size_t>(o.batch));
        const Dataset train = load_fashion_mnist(acc.dataset_dir, "train", acc.calibration_samples);
        for (std::size_t i = 0; i < test.count; ++i) o.inputs.push_back(test.image(i));
        for (std::size_t i = 0; i < train.count; ++i) o.calibration.push_back(train.image(i));
        o.adc_range_scale = acc.adc_range_scale;
    }
    o.digital_bits = acc.digital_bits;  // the functional chip's digital ops, as the accuracy evaluation's
    spdlog::info("simulating {} on a {}x{} chip ({})", net.name, chip.rows, chip.cols,
                 o.functional ? "functional" : "timing only");
    RunShape shape;
    shape.net = &net;
    shape.chip_tiles = chip.tiles();
    shape.batch = o.batch;
    shape.in_flight = chip.inferences_in_flight;
    shape.functional = o.functional;
    shape.trace = o.trace;
    guard_memory(rc, shape, trained ? &acc : nullptr);
    const ChipRunResult r = [&] {
        // run_chip() calls sc_start(): afterwards ASan needs to be told the stack again (sim_context.h).
        const SanitizerStackRestore restore;
        return run_chip(rc.tile, chip, net, o);
    }();
    RunOutput out;
    out.report = chip_report_json(r);
    put_report_header(out.report, rc);
    const StaticPower power{rc.tile.create()->static_power_mw(), chip.static_power_mw, chip.power_gate_unused_tiles};
    const Bottleneck bottleneck = find_bottleneck(r, power);
    out.text = chip_report_text(r, bottleneck);
    out.layers_csv = layers_csv(r);
    if (!trace_path.empty()) write_trace(trace_path, r);
    add_accuracy(rc, acc, net, r.mapping, trained, out);
    if (html) out.html = report_html(out.report, bottleneck, pipeline_timeline_json(r));
    return out;
}

}  // namespace

void validate_run(const std::string& config_path, const std::vector<std::string>& overrides) {
    // Every section is checked by loading; the workload file is read here.
    const RunConfig rc = load_run_config(config_path, overrides);
    const Params wp = workload_section_schema().parse(rc.workload, {});
    if (ends_with(wp.str("file"), ".onnx")) {
        if (!std::ifstream(wp.str("file")))
            throw wp.error("file", "workload file '" + wp.str("file") + "' cannot be read");
        return;
    }
    const ConfigNode workload = load_workload_file(wp);
    const ConfigNode* kind = workload.find("kind");
    if (kind == nullptr) throw workload.error("missing `kind:` (expected mvm_random or layer_list)");
    if (kind->as_string() == "mvm_random") {
        const std::unique_ptr<TileModel> tile = rc.tile.create();
        (void)MvmWorkload::from(MvmWorkload::schema().parse(workload, {}), tile->rows(), tile->cols());
    }
}

RunOutput run_simulation(const RunOptions& opts) {
    const auto t_start = std::chrono::steady_clock::now();
    const RunConfig rc = load_run_config(opts.config_path, opts.overrides, opts.override_labels);
    const Params wp = workload_section_schema().parse(rc.workload, {});

    RunOutput out;
    if (ends_with(wp.str("file"), ".onnx")) {
        out = run_network(rc, load_onnx(wp.str("file")), true, opts.trace_path, !opts.out_dir.empty());
    } else {
        const ConfigNode workload = load_workload_file(wp);
        const ConfigNode* kind = workload.find("kind");
        if (kind == nullptr) throw workload.error("missing `kind:` (expected mvm_random or layer_list)");
        if (kind->as_string() == "mvm_random") {
            spdlog::info("simulating {} on one tile", wp.str("file"));
            guard_memory(rc, RunShape{}, nullptr);
            out.report = tile_bench_report(rc, run_tile_bench(rc, workload));
            out.text = tile_report_text(out.report);
        } else if (kind->as_string() == "layer_list") {
            out = run_network(rc, load_layer_list(workload, rc.seed), false, opts.trace_path, !opts.out_dir.empty());
        } else {
            throw kind->error("unknown workload kind '" + kind->as_string() + "'; expected mvm_random or layer_list");
        }
    }
    const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
    out.report["simulation"]["wall_s"] = wall_s;
    out.report["simulation"]["version"] = version();
    out.report["simulation"]["git_hash"] = git_hash();
    out.report["simulation"]["peak_rss_mb"] = peak_rss_mb();  // VmHWM: the whole process so far
    if (!opts.out_dir.empty()) write_outputs(opts.out_dir, out.report, out.text, out.layers_csv, rc, out.html);
    return out;
}

}  // namespace aimcsim
