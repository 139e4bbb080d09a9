// The aimcsim command line end to end: exit codes, messages, reports.
#include <catch2/catch.hpp>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/test_support.h"

using Catch::Matchers::Contains;
using nlohmann::json;

namespace {

json read_json(const std::string& path) {
    std::ifstream in(path);
    REQUIRE(in.good());
    return json::parse(in);
}

const std::string kCore = test::source_path("configs/hermes_core.yaml");

}  // namespace

TEST_CASE("run on hermes_core reproduces the published HERMES core figures", "[cli]") {
    test::TempDir out;
    const auto r =
        test::run_cli("run " + kCore + " --set workload.file=" + test::source_path("workloads/mvm_random.yaml") +
                      " --out " + out.str() + " --quiet");
    REQUIRE(r.exit_code == 0);
    const json j = read_json(out.str() + "/report.json");
    CHECK(j["schema"] == "aimcsim.report/1");
    // 1 + 128 + 1 cycles of array time at 1 GHz, +2 LDPU cycles of latency.
    CHECK(j["tile"]["mvm_latency_cycles"] == 132);
    CHECK(j["tile"]["mvm_latency_ns"].get<double>() == Approx(130).epsilon(0.05));
    // 2 * 256 * 256 ops every 130 ns = 1.008 TOPS.
    CHECK(j["tile"]["peak_tops"].get<double>() == Approx(2.0 * 256 * 256 / 130.0 / 1000.0).epsilon(1e-9));
    CHECK(j["tile"]["peak_tops"].get<double>() == Approx(1.008).epsilon(0.05));
    CHECK(j["tile"]["peak_tops_per_w"].get<double>() == Approx(10.5).epsilon(0.10));
    CHECK(j["mvm_error"]["relative_rms"].get<double>() > 0.0);
    CHECK(j["mvm_error"]["relative_rms"].get<double>() < 0.2);
    for (const char* k : {"input", "pwm", "array", "adc", "ldpu", "static"}) {
        CHECK(j["performance"]["energy_breakdown_pj"][k].get<double>() > 0.0);
    }
    CHECK(j["simulation"]["wall_s"].get<double>() > 0.0);
    // 1000 MVMs back to back: the last result leaves (999 intervals + 1 latency) after the start.
    CHECK(j["simulation"]["simulated_ns"].get<double>() == Approx(999 * 130 + 132));
    CHECK(test::slurp(out.str() + "/report.txt").find("TOPS/W") != std::string::npos);
    CHECK(test::slurp(out.str() + "/resolved_config.yaml").find("ps_per_lsb: 300") != std::string::npos);
}

TEST_CASE("four-phase mode takes about four windows and is less efficient", "[cli]") {
    test::TempDir a, b;
    REQUIRE(test::run_cli("run " + kCore + " --set workload.file=" + test::source_path("workloads/mvm_random.yaml") +
                          " --out " + a.str() + " -q")
                .exit_code == 0);
    REQUIRE(test::run_cli("run " + kCore + " --set tile.input.mode=four_phase --out " + b.str() + " -q").exit_code ==
            0);
    const json one = read_json(a.str() + "/report.json");
    const json four = read_json(b.str() + "/report.json");
    // (1 + 4*128 + 4*1 + 2) / (1 + 128 + 1 + 2) = 519 / 132.
    CHECK(four["tile"]["mvm_latency_cycles"].get<int>() == 519);
    const double ratio = four["tile"]["mvm_latency_ns"].get<double>() / one["tile"]["mvm_latency_ns"].get<double>();
    CHECK(ratio == Approx(4.0).epsilon(0.05));
    CHECK(four["tile"]["peak_tops_per_w"].get<double>() < one["tile"]["peak_tops_per_w"].get<double>());
}

TEST_CASE("config errors exit 2 with one clear line", "[cli]") {
    test::TempDir dir;
    const std::string typo = dir.file("typo.yaml", "base: " + kCore + "\ntile:\n  adc:\n    ps_per_lbs: 300\n");
    auto r = test::run_cli("run " + typo);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output,
               Contains("typo.yaml:4:17") && Contains("tile.adc.ps_per_lbs") && Contains("did you mean 'ps_per_lsb'"));

    r = test::run_cli("run " + kCore + " --set tile.rows=100000");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Contains("tile.rows") && Contains("[1, 4096]"));

    r = test::run_cli("run /no/such/config.yaml");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Contains("/no/such/config.yaml") && Contains("does not exist"));

    r = test::run_cli("run " + kCore + " --set tile.rows=abc");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Contains("expected an integer"));

    r = test::run_cli("run " + kCore + " --no-such-flag");
    CHECK(r.exit_code == 2);
    r = test::run_cli("frobnicate");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Contains("unknown command 'frobnicate'"));
    r = test::run_cli("run " + kCore + " --log-level loud");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Contains("--log-level"));
}

TEST_CASE("same config and seed give byte-identical reports and another seed differs", "[cli][determinism]") {
    test::TempDir a, b, c;
    const std::string args = "run " + kCore + " --set workload.file=" + test::source_path("workloads/mvm_random.yaml") +
                             " -q --set simulation.batch=1";
    REQUIRE(test::run_cli(args + " --out " + a.str()).exit_code == 0);
    REQUIRE(test::run_cli(args + " --out " + b.str()).exit_code == 0);
    REQUIRE(test::run_cli(args + " --seed 2 --out " + c.str()).exit_code == 0);
    json ja = read_json(a.str() + "/report.json"), jb = read_json(b.str() + "/report.json"),
         jc = read_json(c.str() + "/report.json");
    for (json* j : {&ja, &jb, &jc}) {
        (*j)["simulation"].erase("wall_s");
        (*j)["simulation"].erase("peak_rss_mb");  // the host's, like wall_s
    }
    CHECK(ja.dump() == jb.dump());
    CHECK(ja["mvm_error"]["relative_rms"] != jc["mvm_error"]["relative_rms"]);
}

TEST_CASE("models lists every registered model with parameters and units", "[cli]") {
    const auto r = test::run_cli("models");
    REQUIRE(r.exit_code == 0);
    for (const char* s :
         {"tile model 'hermes'", "device model 'pcm'", "device model 'hermes_pcm'", "device model 'ideal'",
          "adc model 'cco'", "adc model 'ideal'", "g_max_us (real, uS) default 25"}) {
        CHECK_THAT(r.output, Contains(s));
    }
}

TEST_CASE("network runs on the chip: ResNet-9 over hermes vs ideal links and an oversized network exits 2",
          "[cli][chip]") {
    const std::string chip = test::source_path("configs/hermes64.yaml");
    const std::string r9 = test::source_path("workloads/resnet9_cifar10.yaml");
    test::TempDir a, b;
    auto r = test::run_cli("run " + chip + " --workload " + r9 + " --batch 4 -q --out " + a.str());
    REQUIRE(r.exit_code == 0);
    REQUIRE(test::run_cli("run " + chip + " --workload " + r9 +
                          " --batch 4 -q --set chip.interconnect.model=ideal --out " + b.str())
                .exit_code == 0);
    const json h = read_json(a.str() + "/report.json"), i = read_json(b.str() + "/report.json");
    for (const char* k :
         {"latency_ns", "throughput_inferences_per_s", "tops", "tops_per_w", "energy_per_inference_nj"}) {
        CHECK(h["performance"][k].get<double>() > 0.0);
    }
    CHECK(h["mapping"]["tiles_used"].get<int>() <= 64);
    CHECK(h["mapping"]["tiles"].size() == h["mapping"]["tiles_used"].get<std::size_t>());
    CHECK(h["workload"]["inferences"] == 4);
    // Contention only costs: the ideal network never stalls and is never slower.
    CHECK(i["interconnect"]["stall_cycles"] == 0);
    CHECK(h["interconnect"]["stall_cycles"].get<double>() > 0);
    CHECK(h["performance"]["latency_ns"].get<double>() >= i["performance"]["latency_ns"].get<double>());
    // Random weights: no accuracy, said so.
    CHECK(h["accuracy"]["evaluated"] == false);
    CHECK(test::slurp(a.str() + "/layers.csv").find("latency_ns") != std::string::npos);

    r = test::run_cli("run " + chip + " --workload " + test::source_path("workloads/resnet18_imagenet.yaml"));
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Contains("201 tiles"));
}

TEST_CASE("stdout carries the report only: no SystemC banner, log lines on stderr", "[cli]") {
    const std::string large = test::source_path("configs/hermes_large.yaml");
    // This run warns (a layer list has no trained weights): the warning must not reach stdout.
    auto quiet_stdout = test::run_command("{ " + std::string(AIMCSIM_CLI) + " run " + large + " -q 2>/dev/null; }");
    CHECK(quiet_stdout.exit_code == 0);
    CHECK(quiet_stdout.output.empty());
    auto both = test::run_cli("run " + large);
    CHECK_THAT(both.output, Contains("[warning] accuracy not evaluated"));
    CHECK(test::run_cli("run " + large + " -q").output.empty());  // --quiet: errors only, no warning
    CHECK_THAT(both.output, !Contains("Copyright"));
    auto report = test::run_command("{ " + std::string(AIMCSIM_CLI) + " run " +
                                    test::source_path("configs/hermes_core.yaml") + " 2>/dev/null; }");
    CHECK(report.output.rfind("aimcsim report: hermes_core", 0) == 0);  // the first line is the report's
}
