// The report writer walks the declared chip counters (src/chip/chip_counters.h):
// every declared field is in report.json at its path and in report.txt with its
// unit and meaning, and one more declaration is one more field in both.
#include <catch2/catch.hpp>

#include <cstdint>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "aimcsim/core/stats.h"
#include "src/app/report/chip_report.h"
#include "src/app/report/stat_report.h"
#include "src/chip/chip_counters.h"
#include "src/chip/chip_run.h"
#include "tests/chip_test_support.h"
#include "tests/test_support.h"

using namespace aimcsim;
using Catch::Matchers::Contains;

namespace {

// "performance.energy_breakdown_pj.adc" -> "/performance/energy_breakdown_pj/adc".
nlohmann::json::json_pointer pointer(std::string path) {
    for (char& c : path) {
        if (c == '.') c = '/';
    }
    return nlohmann::json::json_pointer("/" + path);
}

// The report.txt line of a declared field ("  <path>  <value> <unit>  <meaning>"), or "".
std::string line_of(const std::string& text, const std::string& path) {
    const std::size_t at = text.find("\n  " + path + " ");
    if (at == std::string::npos) return "";
    return text.substr(at + 1, text.find('\n', at + 1) - at - 1);
}

// Two dense layers, 8 -> 4 -> 4: one block, one MVM each per inference, on a 2x2 grid.
ChipRunResult two_dense_layers(int batch) {
    const Network net = test::layer_list_net(
        "input: {c: 8}\nlayers:\n  - {name: fc1, type: dense, out: 4}\n  - {name: fc2, type: dense, out: 4}\n");
    const test::ChipConfig c = test::hermes64_chip(2, 2);
    return run_chip(c.tile(), c.chip, net, 1, batch);
}

}  // namespace

TEST_CASE("report writer: every declared chip counter is in report.json and report.txt", "[report][chip]") {
    const ChipRunResult r = two_dense_layers(3);
    const nlohmann::json j = chip_report_json(r);
    const std::string text = chip_report_text(r);
    for (const StatField<ChipRunResult>& f : chip_counters().fields) {
        INFO(f.path);
        REQUIRE(j.contains(pointer(f.path)));
        CHECK(j.at(pointer(f.path)) == stat_json(f.read(r)));
        // Its text line: the path, the value, its unit, its meaning.
        const std::string line = line_of(text, f.path);
        CHECK_THAT(line, Contains(" " + stat_text(f.read(r)) + " " + f.unit) && Contains("  " + f.description));
    }
    for (const StatTable<ChipRunResult>& t : chip_counters().tables) {
        INFO(t.path);
        REQUIRE(j.at(pointer(t.path)).size() == t.rows(r));
        for (const auto& row : j.at(pointer(t.path))) CHECK(row.size() == t.columns.size());
    }
    // Values derived by hand: a 2x2 grid; 8x4 + 4x4 MACs; one tile per layer; each
    // layer one MVM per inference, 3 inferences.
    CHECK(j["chip"]["tiles"] == 4);
    CHECK(j["workload"]["macs_per_inference"] == 48);
    CHECK(j["mapping"]["tiles_used"] == 2);
    CHECK(j["performance"]["tile_mvms"] == 6);
    CHECK(j["layers"][0]["mvms"] == 3);
    CHECK(j["mapping"]["tiles"][1]["layer"] == "fc2");
    CHECK_THAT(line_of(text, "performance.tile_mvms"),
               Contains(" 6 MVMs ") && Contains("  MVMs issued by all tiles, whole run"));
    CHECK_THAT(line_of(text, "chip.clock_ghz"), Contains(" 1 GHz "));
}

TEST_CASE("report writer: a new report field is one declaration", "[report][chip]") {
    StatDeclarations<ChipRunResult> counters = chip_counters();
    counters.fields.push_back(stat_field<ChipRunResult>(
        "performance.mvms_per_inference", "MVMs", "tile MVMs / inferences",
        [](const ChipRunResult& r) { return r.tile_mvms / static_cast<std::uint64_t>(r.inferences); }));
    counters.tables[0].columns.push_back(
        stat_column<ChipRunResult>("cells", "cells", "rows x cols held", [](const ChipRunResult& r, std::size_t i) {
            return r.mapping.blocks[i].rows * r.mapping.blocks[i].cols;
        }));
    const ChipRunResult r = two_dense_layers(3);

    const nlohmann::json j = chip_report_json(r, counters);
    CHECK(j["performance"]["mvms_per_inference"] == 2);  // fc1 and fc2, one MVM each
    CHECK(j["mapping"]["tiles"][0]["cells"] == 32);      // fc1: 8 x 4
    CHECK(j["mapping"]["tiles"][1]["cells"] == 16);      // fc2: 4 x 4
    CHECK_THAT(line_of(chip_report_text(r, counters), "performance.mvms_per_inference"),
               Contains(" 2 MVMs ") && Contains("  tile MVMs / inferences"));
    // Everything else is unchanged.
    nlohmann::json without = j;
    without["performance"].erase("mvms_per_inference");
    for (auto& tile : without["mapping"]["tiles"]) tile.erase("cells");
    CHECK(without == chip_report_json(r));
}

TEST_CASE("report writer: declared chip counters have unique paths and a meaning", "[report]") {
    std::set<std::string> paths;
    for (const auto& f : chip_counters().fields) {
        INFO(f.path);
        CHECK(paths.insert(f.path).second);
        CHECK(!f.description.empty());
    }
    for (const auto& t : chip_counters().tables) {
        INFO(t.path);
        CHECK(paths.insert(t.path).second);
        std::set<std::string> columns;
        for (const auto& c : t.columns) {
            CHECK(columns.insert(c.name).second);
            CHECK(!c.description.empty());
        }
    }
}

TEST_CASE("stats: values keep their kind and land at their dotted path", "[report]") {
    // std::variant alone would turn a const char* into a bool and find an int ambiguous.
    CHECK(std::holds_alternative<std::string>(stat_value("traffic")));
    CHECK(std::holds_alternative<std::int64_t>(stat_value(-3)));
    CHECK(std::holds_alternative<std::uint64_t>(stat_value(std::size_t{3})));
    CHECK(std::holds_alternative<double>(stat_value(0.5f)));
    CHECK(std::holds_alternative<bool>(stat_value(true)));
    nlohmann::json j = nlohmann::json::object();
    put_at_path(j, "a.b.c", stat_json(stat_value(-3)));
    put_at_path(j, "a.d", stat_json(StatValue{}));
    put_at_path(j, "e", stat_json(stat_value(std::vector<std::uint64_t>{0, 2})));
    CHECK(j.dump() == R"({"a":{"b":{"c":-3},"d":null},"e":[0,2]})");
    CHECK(stat_text(stat_value(1.0 / 3.0)) == "0.333333");
    CHECK(stat_text(stat_value(std::map<std::string, std::uint64_t>{{"MaxPool", 12}, {"Softmax", 30}})) ==
          "{MaxPool 12, Softmax 30}");
}
