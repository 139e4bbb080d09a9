// Design-space sweeps: spec expansion, validation before anything runs, worker
// processes, atomic rows, resume after SIGKILL, shards and merge.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "aimcsim/core/error.h"
#include "src/sweep/sweep_results.h"
#include "src/sweep/sweep_spec.h"
#include "tests/test_support.h"

using Catch::Matchers::Contains;
namespace fs = std::filesystem;
namespace sw = aimcsim::sweep;

namespace {

const std::string kCore = test::source_path("configs/hermes_core.yaml");

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
}

// Splits one CSV line (RFC 4180 quoting).
std::vector<std::string> csv_fields(const std::string& line) {
    std::vector<std::string> f(1);
    bool quoted = false;
    for (size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
                f.back() += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                f.back() += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            f.emplace_back();
        } else {
            f.back() += c;
        }
    }
    return f;
}

// The CSV as header -> values per point, without the columns that legitimately
// differ between two runs of the same points (wall time, run folder).
std::map<std::string, std::map<std::string, std::string>> csv_by_point(const std::string& path) {
    const auto lines = lines_of(test::slurp(path));
    REQUIRE(!lines.empty());
    const auto header = csv_fields(lines[0]);
    std::map<std::string, std::map<std::string, std::string>> out;
    for (size_t i = 1; i < lines.size(); ++i) {
        const auto f = csv_fields(lines[i]);
        REQUIRE(f.size() == header.size());
        std::map<std::string, std::string> row;
        for (size_t k = 0; k < f.size(); ++k) {
            if (header[k] != "wall_s" && header[k] != "run_dir") row[header[k]] = f[k];
        }
        REQUIRE(out.count(f[0]) == 0);  // each point once
        out[f[0]] = row;
    }
    return out;
}

// A small mvm_random workload, so points take a fraction of a second.
std::string small_workload(const test::TempDir& dir, int mvms, const std::string& name = "wl.yaml") {
    return dir.file(name, "kind: mvm_random\nmvms: " + std::to_string(mvms) + "\nrows: 0\ncols: 0\n");
}

}  // namespace

TEST_CASE("sweep spec: product varies the last parameter fastest and ranges include both ends", "[sweep]") {
    test::TempDir dir;
    // 3 x 2 x 4 = 24 points; {from 4, to 10, step 2} is 4, 6, 8, 10.
    const std::string f = dir.file("s.yaml", "config: " + kCore +
                                                 "\nparameters:\n"
                                                 "  tile.adc.ps_per_lsb: [150, 300, 600]\n"
                                                 "  tile.input.mode: [one_phase, four_phase]\n"
                                                 "  tile.gdc.vectors: {from: 4, to: 10, step: 2}\n");
    const sw::SweepSpec s = sw::load_sweep_spec(f);
    REQUIRE(s.points.size() == 24);
    CHECK(s.name == "s");
    CHECK(s.points[0].id == "p0000");
    CHECK(s.points[0].overrides ==
          std::vector<std::string>{"tile.adc.ps_per_lsb=150", "tile.input.mode=one_phase", "tile.gdc.vectors=4"});
    CHECK(s.points[1].values[2].second == "6");
    CHECK(s.points[4].values[1].second == "four_phase");
    CHECK(s.points[8].values[0].second == "300");
    CHECK(s.points[23].overrides ==
          std::vector<std::string>{"tile.adc.ps_per_lsb=600", "tile.input.mode=four_phase", "tile.gdc.vectors=10"});
    CHECK(s.metrics == sw::default_metrics());

    // Log and linear ranges by count; lists as values; fixed `set:` first.
    const std::string g = dir.file("g.yaml", "name: g\nconfig: " + kCore +
                                                 "\nset:\n  tile.gdc.enabled: false\n"
                                                 "parameters:\n"
                                                 "  simulation.t_inference_s: {from: 1, to: 1000, num: 4, scale: log}\n"
                                                 "  tile.adc.gain_sigma: {from: 0, to: 0.1, num: 5}\n"
                                                 "  tile.device.model: [[pcm], ideal]\n");
    const sw::SweepSpec t = sw::load_sweep_spec(g);
    REQUIRE(t.points.size() == 4 * 5 * 2);
    CHECK(t.params[0].values == std::vector<std::string>{"1", "10", "100", "1000"});
    CHECK(t.params[1].values == std::vector<std::string>{"0", "0.025", "0.05", "0.075", "0.1"});
    CHECK(t.params[2].values == std::vector<std::string>{"[pcm]", "ideal"});
    CHECK(t.points[0].overrides.front() == "tile.gdc.enabled=false");
}

TEST_CASE("sweep spec: zip takes the i-th value of every list and unequal lengths name the line", "[sweep]") {
    test::TempDir dir;
    const std::string f = dir.file("z.yaml", "config: " + kCore +
                                                 "\ncombine: zip\nparameters:\n"
                                                 "  tile.adc.ps_per_lsb: [150, 300, 600]\n"
                                                 "  tile.adc.window_ns: [64, 128, 256]\n");
    const sw::SweepSpec s = sw::load_sweep_spec(f);
    REQUIRE(s.points.size() == 3);
    CHECK(s.points[2].overrides == std::vector<std::string>{"tile.adc.ps_per_lsb=600", "tile.adc.window_ns=256"});

    const std::string bad = dir.file("b.yaml", "config: " + kCore +
                                                   "\ncombine: zip\nparameters:\n"
                                                   "  tile.adc.ps_per_lsb: [150, 300, 600]\n"
                                                   "  tile.adc.window_ns: [64, 128]\n");
    CHECK_THROWS_WITH(sw::load_sweep_spec(bad), Contains("b.yaml:5:") && Contains("zip") && Contains("2 values"));
    const std::string typo = dir.file("t.yaml", "config: " + kCore + "\nparameter:\n  tile.rows: [1]\n");
    CHECK_THROWS_WITH(sw::load_sweep_spec(typo), Contains("t.yaml:3:3") && Contains("did you mean 'parameters'"));
    const std::string empty = dir.file("e.yaml", "config: " + kCore + "\nparameters:\n  tile.rows: []\n");
    CHECK_THROWS_WITH(sw::load_sweep_spec(empty), Contains("empty list"));
}

TEST_CASE("sweep metrics: missing keys give empty cells and objects flatten", "[sweep]") {
    const nlohmann::json report = nlohmann::json::parse(
        R"({"performance": {"tops_per_w": 12.5, "energy_breakdown_pj": {"adc": 1.5, "array": 2}}, "mvm_error": {"relative_rms": null}})");
    const auto m = sw::extract_metrics(report, {"performance.tops_per_w", "accuracy.top1_analog",
                                                "performance.energy_breakdown_pj", "mvm_error.relative_rms"});
    REQUIRE(m.size() == 5);
    CHECK(m[0].first == "performance.tops_per_w");
    CHECK(m[0].second == 12.5);
    CHECK(m[1].second.is_null());
    CHECK(m[2].first == "performance.energy_breakdown_pj.adc");
    CHECK(m[3].first == "performance.energy_breakdown_pj.array");
    CHECK(m[4].second.is_null());

    sw::SweepSpec spec;
    spec.params.push_back({"tile.rows", {"128"}, {}});
    spec.points.push_back({0, "p0000", {{"tile.rows", "128"}}, {"tile.rows=128"}});
    spec.points.push_back({1, "p0001", {{"tile.rows", "128"}}, {"tile.rows=128"}});
    spec.metrics = {"performance.tops_per_w", "accuracy.top1_analog", "tile.extra"};
    spec.required = {"tile.extra"};
    sw::PointResult ok;
    ok.index = 0;
    ok.id = "p0000";
    ok.status = "ok";
    ok.metrics = sw::extract_metrics(report, spec.metrics);
    sw::PointResult bad;
    bad.index = 1;
    bad.id = "p0001";
    bad.status = "failed";
    bad.exit_code = 2;
    bad.error = "aimcsim: error: x, \"y\"";
    bad.metrics = sw::extract_metrics(nlohmann::json(), spec.metrics);
    const auto lines = lines_of(sw::render_csv(spec, {bad, ok}));
    REQUIRE(lines.size() == 3);
    // A default metric no report has gets no column; a required one does.
    CHECK(lines[0] == "point,id,tile.rows,status,performance.tops_per_w,tile.extra,wall_s,error,run_dir");
    CHECK(lines[1] == "0,p0000,128,ok,12.5,,0.0,,");
    CHECK(lines[2] == "1,p0001,128,failed,,,0.0,\"aimcsim: error: x, \"\"y\"\"\",");
}

TEST_CASE("sweep: a misspelled key path or a bad value exits 2 before any point runs", "[sweep]") {
    test::TempDir dir;
    const std::string typo = dir.file("typo.yaml", "config: " + kCore +
                                                       "\nparameters:\n"
                                                       "  tile.input.mode: [one_phase, four_phase]\n"
                                                       "  tile.adc.ps_per_lbs: [150, 300]\n");
    const std::string out = dir.str() + "/out";
    auto r = test::run_cli("sweep " + typo + " --out " + out + " --jobs 2");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Contains("typo.yaml:4:25") && Contains("tile.adc.ps_per_lbs") &&
                             Contains("did you mean 'ps_per_lsb'") && Contains("aimcsim: error:"));
    CHECK_FALSE(fs::exists(out));  // nothing ran, nothing written

    // The last point's value is out of range: still caught before the first runs.
    const std::string range =
        dir.file("range.yaml", "config: " + kCore + "\nparameters:\n  tile.rows: [256, 128, 100000]\n");
    r = test::run_cli("sweep " + range + " --out " + out);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Contains("range.yaml:3:25") && Contains("point 2") && Contains("[1, 4096]"));
    CHECK_FALSE(fs::exists(out));

    // A misspelled --set of the sweep command, and a typo below a chip section.
    r = test::run_cli("sweep " + typo + " --out " + out + " --set tile.adc.noise_lsbb=1");
    CHECK(r.exit_code == 2);
    const std::string ok_spec = dir.file("ok.yaml", "config: " + kCore + "\nparameters:\n  tile.rows: [128]\n");
    r = test::run_cli("sweep " + ok_spec + " --out " + out + " --set tile.adc.noise_lsbb=1");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Contains("tile.adc.noise_lsbb") && Contains("did you mean 'noise_lsb'"));
    const std::string topo =
        dir.file("topo.yaml", "config: " + kCore + "\nparameters:\n  chip.interconnect.model: [hermes, torus]\n");
    r = test::run_cli("sweep " + topo + " --out " + out);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output,
               Contains("topo.yaml:3:37") && Contains("unknown topology model 'torus'") && Contains("point 1"));
    CHECK_FALSE(fs::exists(out));

    r = test::run_cli("sweep " + range + " --out " + out + " --shard 2/2");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Contains("--shard"));
}

TEST_CASE("sweep: each point runs in its own folder and a failing point is recorded while the others go on",
          "[sweep]") {
    test::TempDir dir;
    const std::string wl = small_workload(dir, 20);
    const std::string broken = dir.file("broken.yaml", "kind: no_such_workload\n");
    const std::string f = dir.file("s.yaml", "name: mixed\nconfig: " + kCore +
                                                 "\nparameters:\n"
                                                 "  workload.file: [wl.yaml, broken.yaml]\n"
                                                 "  tile.input.mode: [one_phase, four_phase]\n");
    const std::string out = dir.str() + "/out";
    const auto r = test::run_cli("sweep " + f + " --out " + out + " --jobs 2 --progress lines");
    CHECK(r.exit_code == 3);  // some points failed
    CHECK_THAT(r.output, Contains("2 ok, 2 failed"));
    const auto rows = csv_by_point(out + "/results.csv");
    REQUIRE(rows.size() == 4);
    CHECK(rows.at("0").at("status") == "ok");
    CHECK(rows.at("0").at("workload.file") == wl);
    CHECK(rows.at("1").at("status") == "ok");
    CHECK(rows.at("2").at("status") == "failed");
    CHECK_THAT(rows.at("2").at("error"), Contains("no_such_workload"));
    // One-phase MVM: 1 + 128 + 1 cycles of array time + 2 LDPU = 132 ns first latency.
    CHECK(std::stod(rows.at("0").at("performance.first_mvm_latency_ns")) == Approx(132));
    CHECK(std::stod(rows.at("1").at("performance.first_mvm_latency_ns")) == Approx(519));
    CHECK(rows.at("0").at("performance.tops_per_w") != "");
    CHECK(rows.at("0").count("accuracy.top1_analog") == 0);  // no report has it: no column
    CHECK(fs::exists(out + "/points/p0000/report.json"));
    CHECK(fs::exists(out + "/points/p0001/resolved_config.yaml"));
    CHECK(fs::exists(out + "/points/p0003/log.txt"));
    const auto jl = lines_of(test::slurp(out + "/results.jsonl"));
    REQUIRE(jl.size() == 4);
    const auto j0 = nlohmann::json::parse(jl[0]);
    CHECK(j0["params"]["tile.input.mode"] == "one_phase");
    CHECK(j0["metrics"]["performance.first_mvm_latency_ns"].get<double>() == Approx(132));

    // Same folder again without --resume: refused, nothing touched.
    const auto again = test::run_cli("sweep " + f + " --out " + out);
    CHECK(again.exit_code == 2);
    CHECK_THAT(again.output, Contains("--resume"));
    // --resume reruns only the failed points (they fail again).
    const auto resumed = test::run_cli("sweep " + f + " --out " + out + " --resume --progress none");
    CHECK(resumed.exit_code == 3);
    CHECK_THAT(resumed.output, Contains("0 ok, 2 failed, 2 already done"));
    CHECK(csv_by_point(out + "/results.csv").size() == 4);
}

TEST_CASE("sweep: SIGKILL mid-sweep then --resume gives every point exactly once with no partial rows", "[sweep]") {
    test::TempDir dir;
    small_workload(dir, 2500);
    const std::string f = dir.file("s.yaml", "config: " + kCore +
                                                 "\nset:\n  workload.file: wl.yaml\nparameters:\n"
                                                 "  tile.adc.ps_per_lsb: [150, 200, 300, 400]\n"
                                                 "  tile.gdc.enabled: [true, false]\n");
    const std::string out = dir.str() + "/out";
    const std::string jsonl = out + "/results.jsonl";

    const pid_t pid = test::spawn_cli({"sweep", f, "--out", out, "--jobs", "2"});
    REQUIRE(pid >= 0);
    // Kill it once at least one row is written (bounded wait).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    size_t rows_before = 0;
    while (std::chrono::steady_clock::now() < deadline) {
        rows_before = lines_of(test::slurp(jsonl)).size();
        if (rows_before >= 1) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    REQUIRE(WIFSIGNALED(status));
    REQUIRE(rows_before >= 1);
    INFO("rows before the kill: " << lines_of(test::slurp(jsonl)).size());
    CHECK(lines_of(test::slurp(jsonl)).size() < 8);  // killed mid-run
    // What the kill left is whole: every JSON line ends, every CSV row has every field.
    const std::string left = test::slurp(jsonl);
    CHECK(left.back() == '\n');
    for (const auto& l : lines_of(left)) CHECK_NOTHROW(nlohmann::json::parse(l));
    const auto killed_csv = lines_of(test::slurp(out + "/results.csv"));
    REQUIRE(!killed_csv.empty());
    for (const auto& l : killed_csv) CHECK(csv_fields(l).size() == csv_fields(killed_csv[0]).size());
    // A row cut by a kill mid-write (simulated) must not survive either.
    {
        std::ofstream app(jsonl, std::ios::app);
        app << R"({"point":7,"id":"p0007","params":{},"status":"ok","exit_c)";
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the orphaned points die with the sweep

    const auto r = test::run_cli("sweep " + f + " --out " + out + " --jobs 2 --resume --progress none");
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.output, Contains("already done") && Contains("dropped 1 incomplete row"));
    const auto csv = lines_of(test::slurp(out + "/results.csv"));
    REQUIRE(csv.size() == 1 + 8);
    const size_t ncols = csv_fields(csv[0]).size();
    std::set<std::string> points;
    for (size_t i = 1; i < csv.size(); ++i) {
        const auto fields = csv_fields(csv[i]);
        CHECK(fields.size() == ncols);
        CHECK(points.insert(fields[0]).second);
    }
    CHECK(points == std::set<std::string>{"0", "1", "2", "3", "4", "5", "6", "7"});
    const auto rows = csv_by_point(out + "/results.csv");
    for (const auto& [p, row] : rows) CHECK(row.at("status") == "ok");
    const auto jl = lines_of(test::slurp(jsonl));
    REQUIRE(jl.size() == 8);
    for (const auto& l : jl) CHECK_NOTHROW(nlohmann::json::parse(l));

    // The resumed sweep gives the same numbers as an uninterrupted one.
    const std::string full = dir.str() + "/full";
    REQUIRE(test::run_cli("sweep " + f + " --out " + full + " --jobs 2 -q").exit_code == 0);
    CHECK(csv_by_point(full + "/results.csv") == rows);
}

TEST_CASE("sweep: shards merged equal a full run", "[sweep]") {
    test::TempDir dir;
    small_workload(dir, 30);
    const std::string f = dir.file("s.yaml", "config: " + kCore +
                                                 "\nset:\n  workload.file: wl.yaml\nparameters:\n"
                                                 "  tile.adc.ps_per_lsb: [150, 300, 600]\n"
                                                 "  tile.input.mode: [one_phase, four_phase]\n");
    const std::string d = dir.str();
    REQUIRE(test::run_cli("sweep " + f + " --out " + d + "/full --jobs 2 -q").exit_code == 0);
    REQUIRE(test::run_cli("sweep " + f + " --out " + d + "/s0 --shard 0/3 -q").exit_code == 0);
    REQUIRE(test::run_cli("sweep " + f + " --out " + d + "/s1 --shard 1/3 -q").exit_code == 0);
    // One shard alone: 2 of 6 points, the rest missing.
    auto partial = test::run_cli("sweep merge " + d + "/s0 " + d + "/s1 --out " + d + "/partial");
    CHECK(partial.exit_code == 3);
    CHECK_THAT(partial.output, Contains("2 missing (p0002 p0005)"));
    REQUIRE(test::run_cli("sweep " + f + " --out " + d + "/s2 --shard 2/3 -q").exit_code == 0);
    CHECK(csv_by_point(d + "/s1/results.csv").size() == 2);  // points 1 and 4
    const auto m = test::run_cli("sweep merge " + d + "/s0 " + d + "/s1 " + d + "/s2 --out " + d + "/merged");
    CHECK(m.exit_code == 0);
    CHECK_THAT(m.output, Contains("6 points: 6 ok, 0 failed, 0 missing"));
    CHECK(csv_by_point(d + "/merged/results.csv") == csv_by_point(d + "/full/results.csv"));
    // Run folders stay reachable from the merged results.
    const auto rows = lines_of(test::slurp(d + "/merged/results.jsonl"));
    REQUIRE(rows.size() == 6);
    const auto j4 = nlohmann::json::parse(rows[4]);
    CHECK(j4["run_dir"] == "../s1/points/p0004");
    CHECK(fs::exists(d + "/merged/" + j4["run_dir"].get<std::string>() + "/report.json"));

    // Shards of another sweep do not merge.
    const std::string other =
        dir.file("o.yaml", "config: " + kCore + "\nset:\n  workload.file: wl.yaml\nparameters:\n  tile.rows: [64]\n");
    REQUIRE(test::run_cli("sweep " + other + " --out " + d + "/other -q").exit_code == 0);
    const auto mixed = test::run_cli("sweep merge " + d + "/s0 " + d + "/other --out " + d + "/mixed");
    CHECK(mixed.exit_code == 2);
    CHECK_THAT(mixed.output, Contains("another sweep"));
}

TEST_CASE("sweep: every shipped sweep in configs/sweeps is valid", "[sweep]") {
    int n = 0;
    for (const auto& e : fs::directory_iterator(test::source_path("configs/sweeps"))) {
        if (e.path().extension() != ".yaml") continue;
        ++n;
        const auto r = test::run_cli("sweep " + e.path().string() + " --dry-run");
        INFO(e.path().string() << "\n" << r.output);
        CHECK(r.exit_code == 0);
        CHECK_THAT(r.output, Contains("all configs valid"));
    }
    CHECK(n >= 4);
}
