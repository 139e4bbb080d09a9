#include "src/app/report/chip_trace.h"

#include <cstdint>
#include <vector>

namespace aimcsim {

nlohmann::json chip_trace_json(const ChipRunResult& r) {
    using nlohmann::json;
    json events = json::array();
    const double us_per_cycle = 1e-3 / r.clock_ghz;
    // Three processes: tiles (tid = tile id), GDPUs (tid = GDPU), links (tid = link id).
    const auto name_process = [&](int pid, const std::string& name) {
        events.push_back({{"name", "process_name"}, {"ph", "M"}, {"pid", pid}, {"args", {{"name", name}}}});
    };
    const auto name_track = [&](int pid, int tid, const std::string& name) {
        events.push_back(
            {{"name", "thread_name"}, {"ph", "M"}, {"pid", pid}, {"tid", tid}, {"args", {{"name", name}}}});
    };
    const auto slice = [&](const std::string& name, int pid, int tid, std::uint64_t start, std::uint64_t end,
                           json args) {
        events.push_back({{"name", name},
                          {"ph", "X"},
                          {"pid", pid},
                          {"tid", tid},
                          {"ts", static_cast<double>(start) * us_per_cycle},
                          {"dur", static_cast<double>(end - start) * us_per_cycle},
                          {"args", std::move(args)}});
    };
    const auto where = [&](int tile) {
        return "(" + std::to_string(tile / r.grid_cols) + "," + std::to_string(tile % r.grid_cols) + ")";
    };
    const auto layer_name = [&](int network_layer) -> std::string {
        const int p = r.mapping.placement_of_layer[static_cast<std::size_t>(network_layer)];
        return p >= 0 ? r.mapping.layers[static_cast<std::size_t>(p)].name : "layer " + std::to_string(network_layer);
    };
    name_process(0, "tiles");
    for (const TileBlock& b : r.mapping.blocks)
        name_track(0, b.tile, "tile " + std::to_string(b.tile) + " " + where(b.tile));
    for (const MvmSpan& s : r.spans) {
        const TileBlock& b = r.mapping.blocks[static_cast<std::size_t>(s.block)];
        slice(layer_name(b.layer), 0, s.tile, s.start_cycle, s.end_cycle,
              {{"inference", s.inference}, {"pixel", s.out_pixel}, {"block", {b.block_row, b.block_col}}});
    }
    if (!r.gdpu_spans.empty()) {
        name_process(1, "GDPUs");
        for (std::size_t g = 0; g < r.gdpus.size(); ++g) {
            name_track(1, static_cast<int>(g), "gdpu " + std::to_string(g) + " at " + where(r.gdpus[g].tile));
        }
        for (const GdpuSpan& s : r.gdpu_spans) {
            slice(r.layer_names.at(static_cast<std::size_t>(s.layer)), 1, s.gdpu, s.start_cycle, s.end_cycle,
                  {{"inference", s.inference}, {"pixel", s.pixel}});
        }
    }
    if (!r.link_spans.empty()) {
        name_process(2, "links");
        std::vector<bool> used(r.links.size(), false);
        for (const LinkSpan& s : r.link_spans) used[static_cast<std::size_t>(s.link)] = true;
        for (std::size_t l = 0; l < r.links.size(); ++l) {
            if (used[l])
                name_track(2, static_cast<int>(l),
                           "link " + where(r.links[l].src_tile) + " -> " + where(r.links[l].dst_tile));
        }
        for (const LinkSpan& s : r.link_spans) slice("packet", 2, s.link, s.start_cycle, s.end_cycle, json::object());
    }
    return json{{"traceEvents", events}, {"displayTimeUnit", "ns"}};
}

}  // namespace aimcsim
