#include "src/app/report/system_report.h"

#include <cstdio>
#include <sstream>

#include "src/app/report/chip_report.h"
#include "src/app/report/chip_trace.h"
#include "src/app/report/stat_report.h"
#include "src/system/system_counters.h"

namespace aimcsim {

using nlohmann::json;

json system_report_json(const SystemRunResult& s) {
    json report = chip_report_json(s.run);
    report.update(declared_json(s, system_counters()), true);
    return report;
}

std::string system_report_text(const SystemRunResult& s, const Bottleneck& bottleneck) {
    std::ostringstream os;
    os << chip_report_text(s.run, bottleneck);
    os << "\nSystem: " << s.chips << " chips of " << s.chip_rows << "x" << s.chip_cols << " tiles, " << s.link_topology
       << " links of " << s.link_params.bandwidth_gbit_s << " Gbit/s\n";
    char line[256];
    std::snprintf(line, sizeof line, "  %4s %6s %12s %12s %8s %12s  %s\n", "chip", "tiles", "start_ns", "end_ns",
                  "share", "run_nJ", "layers");
    os << line;
    for (const SystemChipResult& c : s.chip_results) {
        std::snprintf(line, sizeof line, "  %4d %6d %12.1f %12.1f %8.3f %12.2f  ", c.chip, c.tiles_used, c.start_ns,
                      c.end_ns, c.latency_share, c.energy_pj() * 1e-3);
        os << line << c.layers << "\n";
    }
    std::snprintf(line, sizeof line, "  %4s %4s %9s %14s %8s %12s\n", "src", "dst", "packets", "bytes", "util",
                  "stalls");
    os << "Chip-to-chip links:\n" << line;
    for (const ChipLinkResult& l : s.link_results) {
        if (l.stats.packets == 0) continue;
        std::snprintf(line, sizeof line, "  %4d %4d %9llu %14.0f %8.4f %12llu\n", l.src_node, l.dst_node,
                      static_cast<unsigned long long>(l.stats.packets), l.stats.bytes(), l.utilization,
                      static_cast<unsigned long long>(l.stats.stall_cycles));
        os << line;
    }
    os << "\n" << declared_text(s, system_counters());
    return os.str();
}

json system_trace_json(const SystemRunResult& s) {
    json trace = chip_trace_json(s.run);
    json& events = trace["traceEvents"];
    const ChipRunResult& r = s.run;
    const double us_per_cycle = 1e-3 / r.clock_ghz;
    const int chips_pid = 3, links_pid = 4;
    events.push_back({{"name", "process_name"}, {"ph", "M"}, {"pid", chips_pid}, {"args", {{"name", "chips"}}}});
    events.push_back({{"name", "process_name"}, {"ph", "M"}, {"pid", links_pid}, {"args", {{"name", "chip links"}}}});
    int tid = 0;
    // A chip's weight layers, inference 0 (each layer on its own lane: they overlap in the pipeline).
    const int chip_tiles = s.chip_rows * s.chip_cols;
    for (int c = 0; c < s.chips; ++c) {
        for (const LayerPlacement& lp : r.mapping.layers) {
            const TileBlock& first = r.mapping.blocks[static_cast<std::size_t>(lp.first_block)];
            if (first.tile / chip_tiles != c) continue;
            for (const LayerResult& lr : r.layers) {
                if (lr.name != lp.name || lr.tiles == 0) continue;
                events.push_back({{"name", "thread_name"}, {"ph", "M"}, {"pid", chips_pid}, {"tid", tid},
                                  {"args", {{"name", "chip " + std::to_string(c) + " " + lp.name}}}});
                events.push_back({{"name", lp.name}, {"ph", "X"}, {"pid", chips_pid}, {"tid", tid},
                                  {"ts", lr.start_ns * 1e-3}, {"dur", (lr.end_ns - lr.start_ns) * 1e-3},
                                  {"args", {{"chip", c}, {"inference", 0}}}});
                ++tid;
            }
        }
    }
    // Packets on each chip-to-chip link (its flits back to back: slices never overlap).
    const int first_chip_link = static_cast<int>(r.links.size() - s.link_results.size());
    for (std::size_t l = 0; l < s.link_results.size(); ++l) {
        if (s.link_results[l].stats.packets == 0) continue;
        const int link_tid = static_cast<int>(l);
        const std::string name =
            "chip " + std::to_string(s.link_results[l].src_node) + " -> " + std::to_string(s.link_results[l].dst_node);
        events.push_back({{"name", "thread_name"}, {"ph", "M"}, {"pid", links_pid}, {"tid", link_tid},
                          {"args", {{"name", name}}}});
    }
    for (const LinkSpan& span : r.link_spans) {
        if (span.link < first_chip_link) continue;
        events.push_back({{"name", "packet"}, {"ph", "X"}, {"pid", links_pid}, {"tid", span.link - first_chip_link},
                          {"ts", static_cast<double>(span.start_cycle) * us_per_cycle},
                          {"dur", static_cast<double>(span.end_cycle - span.start_cycle) * us_per_cycle},
                          {"args", json::object()}});
    }
    return trace;
}

}  // namespace aimcsim
