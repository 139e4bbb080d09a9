// The Perfetto trace of real runs: no two slices of one track partly overlap (a
// viewer nests slices by time and mis-draws those that only partly overlap: an MVM
// lasting 134 ns and the next starting 133 ns later on one track were 30,579 of
// 160,480 events of ResNet-9 batch 8), and nothing is lost on the way: one array
// slice per MVM, array + LDPU time = the MVM's latency.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/test_support.h"

using nlohmann::json;

namespace {

struct Slice {
    std::int64_t start, end;  // ns (1 GHz: cycles)
};

// Slices of `trace` by (pid, tid).
std::map<std::pair<int, int>, std::vector<Slice>> tracks_of(const json& trace) {
    std::map<std::pair<int, int>, std::vector<Slice>> tracks;
    for (const json& e : trace["traceEvents"]) {
        if (e["ph"] != "X") continue;
        const double ts_ns = e["ts"].get<double>() * 1e3, dur_ns = e["dur"].get<double>() * 1e3;
        tracks[{e["pid"].get<int>(), e["tid"].get<int>()}].push_back(
            {std::llround(ts_ns), std::llround(ts_ns + dur_ns)});
    }
    return tracks;
}

// Slices that start inside another of the track and end after it (nesting and
// touching are fine).
std::size_t partial_overlaps(std::vector<Slice> slices) {
    std::sort(slices.begin(), slices.end(),
              [](const Slice& a, const Slice& b) { return a.start != b.start ? a.start < b.start : a.end > b.end; });
    std::vector<Slice> open;
    std::size_t n = 0;
    for (const Slice& s : slices) {
        while (!open.empty() && open.back().end <= s.start) open.pop_back();
        if (!open.empty() && s.end > open.back().end) {
            ++n;
            continue;
        }
        open.push_back(s);
    }
    return n;
}

json traced_run(const std::string& workload, int batch) {
    test::TempDir dir;
    const std::string trace = dir.str() + "/trace.json";
    const auto r = test::run_cli("run " + test::source_path("configs/hermes64.yaml") + " --workload " +
                                 test::source_path(workload) + " --batch " + std::to_string(batch) + " --trace " +
                                 trace + " --out " + dir.str() + "/out -q");
    REQUIRE(r.exit_code == 0);
    const json report = json::parse(test::slurp(dir.str() + "/out/report.json"));
    json t = json::parse(test::slurp(trace));
    t["report"] = report;  // for the cross-checks
    return t;
}

std::map<int, std::string> track_names(const json& trace, int pid) {
    std::map<int, std::string> names;
    for (const json& e : trace["traceEvents"])
        if (e["ph"] == "M" && e["name"] == "thread_name" && e["pid"] == pid)
            names[e["tid"].get<int>()] = e["args"]["name"].get<std::string>();
    return names;
}

}  // namespace

TEST_CASE("trace: no slice partly overlaps another on its track (ResNet-9, LSTM)", "[trace][cli]") {
    for (const auto& [workload, batch] : {std::pair<std::string, int>{"workloads/resnet9_cifar10.yaml", 4},
                                          std::pair<std::string, int>{"workloads/lstm_ptb.yaml", 2}}) {
        INFO(workload);
        const json trace = traced_run(workload, batch);
        const auto tracks = tracks_of(trace);
        REQUIRE(!tracks.empty());
        std::size_t overlaps = 0, slices = 0;
        for (const auto& [track, s] : tracks) {
            overlaps += partial_overlaps(s);
            slices += s.size();
        }
        CHECK(overlaps == 0);
        CHECK(slices > 1000);

        // One array slice per MVM of the run, each exactly the array's busy time
        // (report.json's chip.mvm_interval_ns), and one LDPU slice after it.
        const auto array_ns = std::llround(trace["report"]["chip"]["mvm_interval_ns"].get<double>());
        std::size_t array_slices = 0, ldpu_slices = 0;
        const auto names = track_names(trace, 0);
        for (const auto& [track, s] : tracks) {
            if (track.first != 0) continue;
            const std::string& name = names.at(track.second);
            const bool array = name.find(" array") != std::string::npos;
            CHECK((array || name.find(" LDPU") != std::string::npos));
            std::size_t wrong = 0;  // counted, not checked one by one: a few hundred thousand slices
            for (const Slice& x : s) wrong += array ? x.end - x.start != array_ns : x.end <= x.start;
            CHECK(wrong == 0);
            (array ? array_slices : ldpu_slices) += s.size();
        }
        CHECK(array_slices == trace["report"]["performance"]["tile_mvms"].get<std::size_t>());
        CHECK(ldpu_slices == array_slices);
    }
}

TEST_CASE("trace: the overlap check finds a partial overlap and accepts nesting", "[trace]") {
    CHECK(partial_overlaps({{0, 134}, {133, 267}}) == 1);  // the old layout: 134 ns MVMs every 133 ns
    CHECK(partial_overlaps({{0, 100}, {10, 20}, {20, 100}, {100, 200}}) == 0);
}
