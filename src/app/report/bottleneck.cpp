#include "src/app/report/bottleneck.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "src/app/report/stat_report.h"

namespace aimcsim {

namespace {

std::string us(double ns) { return significant(ns * 1e-3, 4) + " us"; }
std::string tiles_word(int n) { return std::to_string(n) + (n == 1 ? " tile" : " tiles"); }
std::string percent(double fraction) { return significant(100.0 * fraction, 3) + " %"; }
bool is_weight_layer(const LayerResult& l) { return l.tiles > 0; }

// Each weight layer's busiest tile: its MVMs per inference run one after another,
// one array interval each (blocks and replicas of a layer share its MVMs evenly).
void add_layers(const ChipRunResult& r, std::vector<Resource>& out) {
    for (const LayerResult& l : r.layers) {
        if (!is_weight_layer(l) || r.inferences <= 0) continue;
        const double per_tile = static_cast<double>(l.mvms) / l.tiles / r.inferences;
        out.push_back({"layer", l.name + " on " + tiles_word(l.tiles),
                       significant(per_tile, 4) + " MVMs per inference on each of its tiles, one after another, " +
                           significant(r.peak.mvm_interval_ns, 4) + " ns each",
                       per_tile * r.peak.mvm_interval_ns});
    }
}

void add_gdpus(const ChipRunResult& r, std::vector<Resource>& out) {
    for (std::size_t g = 0; g < r.gdpus.size(); ++g) {
        const GdpuStats& s = r.gdpus[g];
        if (s.busy_cycles == 0 || r.inferences <= 0) continue;
        const std::string where =
            "(" + std::to_string(s.tile / r.grid_cols) + "," + std::to_string(s.tile % r.grid_cols) + ")";
        out.push_back({"gdpu", "gdpu " + std::to_string(g) + " at " + where,
                       std::to_string(s.values / static_cast<std::uint64_t>(r.inferences)) +
                           " values per inference; work waited " + std::to_string(s.queue_cycles) +
                           " cycles in all for it",
                       static_cast<double>(s.busy_cycles) / r.inferences / r.clock_ghz});
    }
}

void add_busiest_link(const ChipRunResult& r, std::vector<Resource>& out) {
    if (r.max_link_utilization <= 0 || r.inferences <= 0) return;
    out.push_back({"link", "busiest link",
                   "busy " + percent(r.max_link_utilization) + " of the run; " +
                       std::to_string(r.net_totals.stall_cycles) + " cycles packets waited for busy links",
                   r.max_link_utilization * r.simulated_ns / r.inferences});
}

// The most copies of `l` the free tiles allow, and the bound they would give.
void replication_knob(const ChipRunResult& r, const std::vector<Resource>& res, Bottleneck& b) {
    if (res.empty() || res.front().kind != "layer") return;
    const LayerResult* l = nullptr;
    for (const LayerResult& x : r.layers)
        if (is_weight_layer(x) && res.front().name == x.name + " on " + tiles_word(x.tiles)) l = &x;
    if (l == nullptr || l->op != "Conv") return;
    const int per_copy = l->tiles / std::max(1, l->replicas);
    const int copies = l->replicas + (b.tiles - b.tiles_used) / std::max(1, per_copy);
    if (copies <= l->replicas) return;
    b.replicated_layer = l->name;
    b.replicate_knob = "chip.replicate: {" + l->name + ": " + std::to_string(copies) + "}";
    const double next = res.size() > 1 ? res[1].busy_ns_per_inference : 0.0;
    b.replicated_ns_per_inference = std::max(res.front().busy_ns_per_inference * l->replicas / copies, next);
}

void latency_layer(const ChipRunResult& r, Bottleneck& b) {
    const LayerResult* worst = nullptr;
    for (const LayerResult& l : r.layers)
        if (worst == nullptr || l.end_ns - l.start_ns > worst->end_ns - worst->start_ns) worst = &l;
    if (worst == nullptr) return;
    b.latency_layer = worst->name;
    b.latency_layer_ns = worst->end_ns - worst->start_ns;
    b.latency_ns = r.latency_ns;
    if (is_weight_layer(*worst) && r.inferences > 0) {
        const double per_tile = static_cast<double>(worst->mvms) / worst->tiles / r.inferences;
        b.latency_why = "its " + significant(per_tile, 4) + " MVMs per tile (" + tiles_word(worst->tiles) +
                        ") run one after another as its input pixels arrive";
    } else {
        b.latency_why = "it runs on " + std::string(worst->gdpu >= 0 ? "a GDPU" : "a tile's digital unit");
    }
}

void static_energy(const ChipRunResult& r, const StaticPower& p, Bottleneck& b) {
    const double total = r.energy_pj.total();
    b.static_share = total > 0 ? r.energy_pj.static_ / total : 0.0;
    b.static_mw = r.simulated_ns > 0 ? r.energy_pj.static_ / r.simulated_ns : 0.0;  // pJ / ns = mW
    b.gated_static_mw = b.tiles_used * p.tile_mw + p.chip_mw;
}

void write_lines(const ChipRunResult& r, const StaticPower& p, Bottleneck& b) {
    const std::vector<Resource>& res = b.resources;
    if (!res.empty()) {
        const Resource& top = res.front();
        const double bound_per_s = 1e9 / top.busy_ns_per_inference;
        b.lines.push_back("throughput is limited by " + top.name + ": " + top.why + " = " +
                          us(top.busy_ns_per_inference) + " per inference, at most " + significant(bound_per_s, 4) +
                          " inferences/s; measured " + significant(r.throughput_inferences_per_s, 4) + " (" +
                          percent(r.throughput_inferences_per_s / bound_per_s) + " of that bound)");
        if (res.size() > 1)
            b.lines.push_back("next: " + res[1].name + " " + us(res[1].busy_ns_per_inference) + " per inference (" +
                              res[1].why + ")");
    }
    if (!b.latency_layer.empty() && b.latency_ns > 0)
        b.lines.push_back("latency: " + b.latency_layer + " spans " + us(b.latency_layer_ns) + " of the " +
                          us(b.latency_ns) + " of inference 0 (layers overlap): " + b.latency_why);
    const double per_inference_nj = b.static_share * r.energy_per_inference_nj;
    b.lines.push_back("static energy is " + percent(b.static_share) + " of the total (" +
                      significant(per_inference_nj * 1e-3, 4) + " uJ per inference): " + tiles_word(b.tiles) +
                      (p.unused_tiles_gated ? " (" + std::to_string(b.tiles_used) + " powered)" : "") +
                      " and the chip draw " + significant(b.static_mw, 4) +
                      " mW of static power for as long as the run lasts (" + us(r.simulated_ns) + "), while " +
                      std::to_string(b.tiles_used) + " tiles hold weights and each computes only part of that time");
    if (!b.replicate_knob.empty())
        b.lines.push_back("knob: " + b.replicate_knob + " (or chip.replicate_fill: true) spreads " +
                          b.replicated_layer + "'s pixels over the free tiles: at most " +
                          us(b.replicated_ns_per_inference) +
                          " per inference, and static energy per inference falls with it");
    if (!p.unused_tiles_gated && b.tiles_used < b.tiles)
        b.lines.push_back("knob: chip.power_gate_unused_tiles: true stops the static power of the " +
                          std::to_string(b.tiles - b.tiles_used) + " tiles without weights: " +
                          significant(b.static_mw, 4) + " -> " + significant(b.gated_static_mw, 4) + " mW");
}

}  // namespace

Bottleneck find_bottleneck(const ChipRunResult& r, const StaticPower& power) {
    Bottleneck b;
    b.tiles = r.peak.tiles;
    b.tiles_used = r.mapping.tiles_used();
    add_layers(r, b.resources);
    add_gdpus(r, b.resources);
    add_busiest_link(r, b.resources);
    std::stable_sort(b.resources.begin(), b.resources.end(), [](const Resource& x, const Resource& y) {
        return x.busy_ns_per_inference > y.busy_ns_per_inference;
    });
    b.measured_ns_per_inference = r.throughput_inferences_per_s > 0 ? 1e9 / r.throughput_inferences_per_s : 0.0;
    latency_layer(r, b);
    static_energy(r, power, b);
    replication_knob(r, b.resources, b);
    write_lines(r, power, b);
    return b;
}

std::string bottleneck_text(const Bottleneck& b) {
    std::string text = "bottleneck:\n";
    for (const std::string& l : b.lines) text += "  " + l + "\n";
    return text;
}

nlohmann::json bottleneck_json(const Bottleneck& b) {
    nlohmann::json resources = nlohmann::json::array();
    for (const Resource& r : b.resources)
        resources.push_back({{"kind", r.kind}, {"name", r.name}, {"why", r.why}, {"busy_ns", r.busy_ns_per_inference}});
    return {{"resources", resources},   {"measured_ns", b.measured_ns_per_inference}, {"static_share", b.static_share},
            {"static_mw", b.static_mw}, {"gated_static_mw", b.gated_static_mw},       {"lines", b.lines}};
}

}  // namespace aimcsim
