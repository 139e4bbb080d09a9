#include "src/app/report/html_report.h"

#include <algorithm>
#include <limits>
#include <map>
#include <sstream>
#include <utility>

#include "src/app/report/html_report_page.h"
#include "src/chip/chip_counters.h"

namespace aimcsim {

using nlohmann::json;

namespace {

// The figures the page leads with: a label, the report.json path; the unit and the
// meaning come from the counter's declaration.
const std::pair<const char*, const char*> kKeyFigures[] = {
    {"latency", "performance.latency_ns"},
    {"throughput", "performance.throughput_inferences_per_s"},
    {"energy per inference", "performance.energy_per_inference_nj"},
    {"measured TOPS/W (this run)", "performance.tops_per_w"},
    {"peak TOPS/W (reference: every cell busy)", "chip.peak_tops_per_w"},
    {"measured TOPS (this run)", "performance.tops"},
    {"peak TOPS (reference: every cell busy)", "chip.peak_tops"},
    {"tiles used", "mapping.tiles_used"},
    {"cell utilisation of used tiles", "mapping.cell_utilization"},
    {"busiest link", "interconnect.max_link_utilization"},
};

const json* at_path(const json& j, const std::string& path) {
    const json* node = &j;
    std::stringstream ss(path);
    for (std::string part; std::getline(ss, part, '.');) {
        if (!node->is_object() || !node->contains(part)) return nullptr;
        node = &(*node)[part];
    }
    return node;
}

json key_figures(const json& report) {
    json rows = json::array();
    for (const auto& [label, path] : kKeyFigures) {
        const json* value = at_path(report, path);
        if (value == nullptr) continue;
        for (const StatField<ChipRunResult>& f : chip_counters().fields) {
            if (f.path == path)
                rows.push_back({{"label", label}, {"value", *value}, {"unit", f.unit}, {"meaning", f.description}});
        }
    }
    const json* acc = at_path(report, "accuracy.top1_analog");
    if (acc != nullptr) {
        rows.push_back({{"label", "top-1 accuracy"},
                        {"value", 100.0 * acc->get<double>()},
                        {"unit", "%"},
                        {"meaning", "analog chip on the test images at the first simulation.t_inference_s"}});
    }
    return rows;
}

std::string escape_html(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == '&')
            out += "&amp;";
        else if (c == '<')
            out += "&lt;";
        else if (c == '>')
            out += "&gt;";
        else
            out += c;
    }
    return out;
}

// JSON inside <script>: "</" would end the element early.
std::string script_safe(const std::string& s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        out += s[i];
        if (s[i] == '<' && i + 1 < s.size() && s[i + 1] == '/') out += "\\";
    }
    return out;
}

const json& or_empty(const json* j, const json& fallback) { return j != nullptr ? *j : fallback; }

}  // namespace

json pipeline_timeline_json(const ChipRunResult& r) {
    const int shown = std::min(r.inferences, kTimelineInferences);
    using Span = std::pair<std::uint64_t, std::uint64_t>;
    std::vector<std::map<std::string, Span>> by_layer(static_cast<std::size_t>(std::max(shown, 0)));
    std::vector<std::vector<std::string>> order(by_layer.size());  // first-seen order of the layers
    const auto add = [&](int inference, const std::string& name, std::uint64_t start, std::uint64_t end) {
        if (inference >= shown) return;
        auto& m = by_layer[static_cast<std::size_t>(inference)];
        auto [it, fresh] = m.try_emplace(name, Span{start, end});
        if (fresh) order[static_cast<std::size_t>(inference)].push_back(name);
        it->second = {std::min(it->second.first, start), std::max(it->second.second, end)};
    };
    for (const MvmSpan& s : r.spans) {
        const TileBlock& b = r.mapping.blocks[static_cast<std::size_t>(s.block)];
        const int p = r.mapping.placement_of_layer[static_cast<std::size_t>(b.layer)];
        add(s.inference, r.mapping.layers[static_cast<std::size_t>(p)].name, s.start_cycle, s.end_cycle);
    }
    for (const GdpuSpan& s : r.gdpu_spans)
        add(s.inference, r.layer_names.at(static_cast<std::size_t>(s.layer)), s.start_cycle, s.end_cycle);
    json inferences = json::array();
    const double ns_per_cycle = 1.0 / r.clock_ghz;
    for (std::size_t n = 0; n < by_layer.size(); ++n) {
        json layers = json::array();
        for (const std::string& name : order[n]) {
            const Span& s = by_layer[n].at(name);
            layers.push_back({{"name", name},
                              {"start_ns", static_cast<double>(s.first) * ns_per_cycle},
                              {"end_ns", static_cast<double>(s.second) * ns_per_cycle}});
        }
        if (!layers.empty()) inferences.push_back({{"inference", n}, {"layers", layers}});
    }
    if (inferences.empty()) {  // no spans recorded: inference 0 from the layer table
        json layers = json::array();
        for (const LayerResult& l : r.layers)
            layers.push_back({{"name", l.name}, {"start_ns", l.start_ns}, {"end_ns", l.end_ns}});
        inferences.push_back({{"inference", 0}, {"layers", layers}});
    }
    json done = json::array();
    for (std::size_t n = 0; n < r.done_cycles.size() && static_cast<int>(n) < std::max(shown, 1); ++n)
        done.push_back(static_cast<double>(r.done_cycles[n]) * ns_per_cycle);
    return {{"inferences", inferences}, {"done_ns", done}};
}

std::string report_html(const json& report, const Bottleneck& bottleneck, const json& timeline) {
    const json empty = json::array();
    json data = {{"figures", key_figures(report)},
                 {"bottleneck", bottleneck_json(bottleneck)},
                 {"grid_rows", or_empty(at_path(report, "chip.grid_rows"), json(0))},
                 {"grid_cols", or_empty(at_path(report, "chip.grid_cols"), json(0))},
                 {"tiles", or_empty(at_path(report, "mapping.tiles"), empty)},
                 {"layers", or_empty(at_path(report, "layers"), empty)},
                 {"energy_breakdown_pj", or_empty(at_path(report, "performance.energy_breakdown_pj"), json::object())},
                 {"timeline", timeline}};
    const json* accuracy = at_path(report, "accuracy");
    if (accuracy != nullptr && accuracy->contains("vs_time")) data["accuracy"] = *accuracy;
    const std::string name = escape_html(report.value("name", std::string("aimcsim")));
    const std::string workload = escape_html(or_empty(at_path(report, "workload.name"), json("")).get<std::string>());

    std::ostringstream h;
    h << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>aimcsim report: " << name
      << "</title>\n<style>" << html_page::kStyle << "</style></head>\n<body>\n";
    h << "<h1>aimcsim report: " << name << "</h1>\n<p class=\"sub\">" << workload << " on a " << data["grid_rows"]
      << "x" << data["grid_cols"]
      << " chip. Every figure comes from report.json beside this file; hover a bar or tile for its value.</p>\n";
    h << "<h2>Key figures</h2>\n<table id=\"figures\"><tr><th>figure</th><th>value</th><th>meaning</th></tr></table>\n"
         "<p class=\"note\">Peak figures are reference data (every cell of every tile busy, one MVM per interval); "
         "measured figures are this run's workload ops over its time and energy.</p>\n";
    h << "<h2>Bottleneck</h2>\n<section class=\"bottleneck\" id=\"bottleneck\"><ul id=\"bottleneck-lines\"></ul>\n"
         "<p>Busy time per inference of the busiest resources (no steady stream beats the top one):</p>\n"
         "<div id=\"fig-resources-box\"></div></section>\n";
    h << "<h2>Tile map</h2>\n<p class=\"note\">The number on a tile is its weight layer; grey tiles hold no "
         "weights.</p>\n<div id=\"fig-tilemap-box\"></div><div class=\"legend\" id=\"tilemap-legend\"></div>\n";
    h << "<div class=\"grid2\"><div><h2>Layer latency (inference 0)</h2><p class=\"note\">first input to last "
         "output; layers overlap in the pipeline.</p><div id=\"fig-latency-box\"></div></div>\n"
         "<div><h2>Layer energy (per inference)</h2><p class=\"note\">tiles' dynamic energy (softmax: its GDPU "
         "ops); static energy is in the breakdown below.</p><div id=\"fig-layer-energy-box\"></div></div></div>\n";
    h << "<h2>Energy breakdown (whole run)</h2>\n<div id=\"fig-energy-box\"></div>\n";
    h << "<h2>Pipeline timeline</h2>\n<p class=\"note\">Each layer's first start to last end for the first "
         "inferences; dashed lines mark when each inference is done.</p>\n"
         "<div id=\"fig-timeline-box\"></div><div class=\"legend\" id=\"timeline-legend\"></div>\n";
    h << "<div id=\"accuracy\" style=\"display:none\"><h2>Accuracy against time after programming</h2>\n"
         "<p class=\"note\">Top-1 on the test images as the devices drift, with global drift compensation (GDC) "
         "and without.</p><div id=\"fig-accuracy-box\"></div></div>\n";
    h << "<script type=\"application/json\" id=\"report-data\">" << script_safe(data.dump()) << "</script>\n";
    h << "<script>" << html_page::kScript << "</script>\n</body></html>\n";
    return h.str();
}

}  // namespace aimcsim
