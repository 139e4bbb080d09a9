// `aimcsim validate`: the case files are read with file:line errors, each figure is
// compared with its published value, and the exit status says whether all held.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tests/test_support.h"

using Catch::Matchers::Contains;

namespace {

// A case file in `dir` checking the core's MVM time (1 + 128 + 1 = 130 cycles at 1 GHz
// in configs/hermes_core.yaml) against `published`.
std::string mvm_time_case(const test::TempDir& dir, double published, const std::string& extra = "") {
    std::ostringstream y;
    y << "source: a test\n"
      << "cases:\n"
      << "  - name: mvm_time\n"
      << "    figure: core MVM time\n"
      << "    config_file: " << test::source_path("configs/hermes_core.yaml") << "\n"
      << "    key: tile.mvm_interval_ns\n"
      << "    published: " << published << "\n"
      << "    unit: ns\n"
      << "    tolerance_pct: 5\n"
      << "    role: predicted\n"
      << extra;
    dir.file("cases.yaml", y.str());
    return dir.str();
}

}  // namespace

TEST_CASE("validate compares a figure with its published value: error and verdict by hand", "[cli][validate]") {
    test::TempDir cases, out;
    // 130 ns simulated against 125 published: +4.0 %, inside 5 %.
    auto r = test::run_cli("validate --cases " + mvm_time_case(cases, 125) + " --out " + out.str());
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.output, Contains("+4.0%"));
    const auto j = nlohmann::json::parse(test::slurp(out.str() + "/validation.json"));
    CHECK(j["cases"][0]["simulated"].get<double>() == 130.0);
    CHECK(j["cases"][0]["error_pct"].get<double>() == Approx(4.0));
    CHECK(j["passed"] == 1);
    CHECK_THAT(test::slurp(out.str() + "/validation.csv"), Contains("mvm_time,core MVM time,125,130,ns,4,5"));

    // Against 120: +8.3 %, outside 5 %: exit 1 naming the case.
    test::TempDir cases2;
    r = test::run_cli("validate --cases " + mvm_time_case(cases2, 120));
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.output, Contains("+8.3%") && Contains("failed: mvm_time"));
}

TEST_CASE("validate: a declared known gap is reported, not failed, and fails once it closes", "[cli][validate]") {
    const std::string gap = "    known_gap: the test's reason\n";
    // 130 ns against 120 (+8.3 %, outside 5 %), declared a gap: exit 0, verdict `gap`.
    test::TempDir cases, out;
    auto r = test::run_cli("validate --cases " + mvm_time_case(cases, 120, gap) + " --out " + out.str());
    INFO(r.output);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.output, Contains("0/1 figures within tolerance; known gaps (docs/validation.md): mvm_time"));
    const auto j = nlohmann::json::parse(test::slurp(out.str() + "/validation.json"));
    CHECK(j["cases"][0]["verdict"] == "gap");
    CHECK(j["cases"][0]["ok"] == false);
    CHECK(j["cases"][0]["known_gap"] == "the test's reason");
    // Against 128 (+1.6 %, inside): the gap closed, so the stale mark fails the run.
    test::TempDir closed;
    r = test::run_cli("validate --cases " + mvm_time_case(closed, 128, gap));
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.output, Contains("gap closed: remove known_gap") && Contains("failed: mvm_time"));
}

TEST_CASE("validate: a broken parameter makes the calibrated core figures fail, by name", "[cli][validate]") {
    // 11 load cycles instead of 1: 140 ns per MVM (+7.7 %), 0.936 TOPS (-7.1 %).
    auto r = test::run_cli("validate --only core_mvm_time --only core_peak_tops --set tile.input.load_cycles=11");
    INFO(r.output);
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.output, Contains("failed: core_mvm_time, core_peak_tops"));
    r = test::run_cli("validate --only core_mvm_time --only core_peak_tops");
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.output, Contains("2/2 figures within tolerance"));
}

TEST_CASE("validate: bad case files and options exit 2 naming file, line and key", "[cli][validate][bad_input]") {
    test::TempDir typo;
    auto r = test::run_cli("validate --cases " + mvm_time_case(typo, 130, "    tolerance_pc: 3\n"));
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Contains("cases.yaml:11") && Contains("tolerance_pc"));

    test::TempDir bad_key;
    std::string dir = mvm_time_case(bad_key, 130);
    std::string text = test::slurp(dir + "/cases.yaml");
    text.replace(text.find("mvm_interval_ns"), 15, "mvm_intervl_ns");
    bad_key.file("cases.yaml", text);
    r = test::run_cli("validate --cases " + dir);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output,
               Contains("cases.yaml:3") && Contains("no 'mvm_intervl_ns' under 'tile'") && Contains("mvm_interval_ns"));

    r = test::run_cli("validate --only core_mvm_tme");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Contains("did you mean 'core_mvm_time'"));
    r = test::run_cli("validate --cases /no/such/folder");
    CHECK(r.exit_code == 2);
}
