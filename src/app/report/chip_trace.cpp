#include "src/app/report/chip_trace.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <vector>

namespace aimcsim {

namespace {

using nlohmann::json;

struct Slice {
    std::string name;
    std::uint64_t start = 0, end = 0;
    json args;
};

// One resource's slices (a tile's array, its LDPU, a GDPU, a link), laid out on as
// few lanes as keep every lane free of overlaps: a viewer nests slices of one track
// by time and mis-draws two that only partly overlap (a pipelined resource starts
// the next before the last is done), so such a slice moves to the next lane.
struct Track {
    int pid = 0;
    std::string name;
    std::vector<Slice> slices;
};

// Lane of each slice (in start order) and the number of lanes.
std::vector<std::vector<const Slice*>> lanes_of(const Track& t) {
    std::vector<const Slice*> order;
    for (const Slice& s : t.slices) order.push_back(&s);
    std::stable_sort(order.begin(), order.end(), [](const Slice* a, const Slice* b) { return a->start < b->start; });
    std::vector<std::vector<const Slice*>> lanes;
    std::vector<std::uint64_t> lane_end;
    for (const Slice* s : order) {
        std::size_t lane = 0;
        while (lane < lanes.size() && lane_end[lane] > s->start) ++lane;
        if (lane == lanes.size()) {
            lanes.emplace_back();
            lane_end.push_back(0);
        }
        lanes[lane].push_back(s);
        lane_end[lane] = s->end;
    }
    return lanes;
}

std::string grid_position(const ChipRunResult& r, int tile) {
    return "(" + std::to_string(tile / r.grid_cols) + "," + std::to_string(tile % r.grid_cols) + ")";
}

std::string weight_layer_name(const ChipRunResult& r, int network_layer) {
    const int p = r.mapping.placement_of_layer[static_cast<std::size_t>(network_layer)];
    return p >= 0 ? r.mapping.layers[static_cast<std::size_t>(p)].name : "layer " + std::to_string(network_layer);
}

// Tiles (pid 0): per tile an array track (input load to readout: one MVM at a time)
// and an LDPU track (readout to result), which overlaps the array's next MVM.
void add_tile_tracks(const ChipRunResult& r, std::vector<Track>& tracks) {
    std::map<int, std::size_t> array_track;  // tile -> index in tracks; the LDPU's is the next
    for (const TileBlock& b : r.mapping.blocks) {
        if (array_track.count(b.tile) != 0) continue;
        array_track[b.tile] = 0;
    }
    for (auto& [tile, index] : array_track) {
        const std::string name = "tile " + std::to_string(tile) + " " + grid_position(r, tile);
        index = tracks.size();
        tracks.push_back({0, name + " array", {}});
        tracks.push_back({0, name + " LDPU", {}});
    }
    const auto array_cycles = static_cast<std::uint64_t>(r.phases.array_busy());
    for (const MvmSpan& s : r.spans) {
        const TileBlock& b = r.mapping.blocks[static_cast<std::size_t>(s.block)];
        const std::string name = weight_layer_name(r, b.layer);
        const json args = {{"inference", s.inference}, {"pixel", s.out_pixel}, {"block", {b.block_row, b.block_col}}};
        const std::uint64_t readout_done = std::min(s.start_cycle + array_cycles, s.end_cycle);
        const std::size_t t = array_track.at(s.tile);
        tracks[t].slices.push_back({name, s.start_cycle, readout_done, args});
        if (s.end_cycle > readout_done) tracks[t + 1].slices.push_back({name, readout_done, s.end_cycle, args});
    }
}

void add_gdpu_tracks(const ChipRunResult& r, std::vector<Track>& tracks) {
    if (r.gdpu_spans.empty()) return;
    const std::size_t first = tracks.size();
    for (std::size_t g = 0; g < r.gdpus.size(); ++g)
        tracks.push_back({1, "gdpu " + std::to_string(g) + " at " + grid_position(r, r.gdpus[g].tile), {}});
    for (const GdpuSpan& s : r.gdpu_spans) {
        tracks[first + static_cast<std::size_t>(s.gdpu)].slices.push_back(
            {r.layer_names.at(static_cast<std::size_t>(s.layer)), s.start_cycle, s.end_cycle,
             json{{"inference", s.inference}, {"pixel", s.pixel}}});
    }
}

// Matmul units (pid 3): one track per unit, a slice per output row.
void add_matmul_unit_tracks(const ChipRunResult& r, std::vector<Track>& tracks) {
    if (r.matmul_unit_spans.empty()) return;
    const std::size_t first = tracks.size();
    for (std::size_t u = 0; u < r.matmul_units.size(); ++u)
        tracks.push_back({3, "matmul unit " + std::to_string(u) + " at " + grid_position(r, r.matmul_units[u].tile), {}});
    for (const GdpuSpan& s : r.matmul_unit_spans) {
        tracks[first + static_cast<std::size_t>(s.gdpu)].slices.push_back(
            {r.layer_names.at(static_cast<std::size_t>(s.layer)), s.start_cycle, s.end_cycle,
             json{{"inference", s.inference}, {"row", s.pixel}}});
    }
}

void add_link_tracks(const ChipRunResult& r, std::vector<Track>& tracks) {
    if (r.link_spans.empty()) return;
    const std::size_t first = tracks.size();
    for (const Link& l : r.links)
        tracks.push_back({2, "link " + grid_position(r, l.src_tile) + " -> " + grid_position(r, l.dst_tile), {}});
    for (const LinkSpan& s : r.link_spans)
        tracks[first + static_cast<std::size_t>(s.link)].slices.push_back(
            {"packet", s.start_cycle, s.end_cycle, json::object()});
}

}  // namespace

nlohmann::json chip_trace_json(const ChipRunResult& r) {
    std::vector<Track> tracks;
    add_tile_tracks(r, tracks);
    add_gdpu_tracks(r, tracks);
    add_link_tracks(r, tracks);
    add_matmul_unit_tracks(r, tracks);

    json events = json::array();
    const double us_per_cycle = 1e-3 / r.clock_ghz;
    const char* process_names[] = {"tiles", "GDPUs", "links", "matmul units"};
    std::vector<bool> named(4, false);
    std::vector<int> next_tid(4, 0);
    for (const Track& t : tracks) {
        if (t.slices.empty()) continue;  // a link that carried nothing, a GDPU never used
        const auto pid = static_cast<std::size_t>(t.pid);
        if (!named[pid]) {
            named[pid] = true;
            events.push_back(
                {{"name", "process_name"}, {"ph", "M"}, {"pid", t.pid}, {"args", {{"name", process_names[pid]}}}});
        }
        const std::vector<std::vector<const Slice*>> lanes = lanes_of(t);
        for (std::size_t lane = 0; lane < lanes.size(); ++lane) {
            const int tid = next_tid[pid]++;
            const std::string name = lane == 0 ? t.name : t.name + " #" + std::to_string(lane + 1);
            events.push_back(
                {{"name", "thread_name"}, {"ph", "M"}, {"pid", t.pid}, {"tid", tid}, {"args", {{"name", name}}}});
            events.push_back({{"name", "thread_sort_index"},
                              {"ph", "M"},
                              {"pid", t.pid},
                              {"tid", tid},
                              {"args", {{"sort_index", tid}}}});
            for (const Slice* s : lanes[lane]) {
                events.push_back({{"name", s->name},
                                  {"ph", "X"},
                                  {"pid", t.pid},
                                  {"tid", tid},
                                  {"ts", static_cast<double>(s->start) * us_per_cycle},
                                  {"dur", static_cast<double>(s->end - s->start) * us_per_cycle},
                                  {"args", s->args}});
            }
        }
    }
    return json{{"traceEvents", events}, {"displayTimeUnit", "ns"}};
}

}  // namespace aimcsim
