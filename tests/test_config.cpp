// Config loading, validation and error messages (file:line:col, key path, hint).
#include <catch2/catch.hpp>

#include "aimcsim/core/config.h"
#include "aimcsim/core/params.h"
#include "aimcsim/core/registry.h"
#include "aimcsim/tile.h"
#include "src/app/run_config.h"
#include "tests/test_support.h"

using namespace aimcsim;
using Catch::Matchers::Contains;

namespace {

// Parses the `tile:` section of `yaml` with the registered tile model.
void build_tile(const std::string& path) {
    const RunConfig rc = load_run_config(path, {});
    (void)rc.tile.create();
}

}  // namespace

TEST_CASE("unknown key names file, line, column, key path and the closest key", "[config]") {
    test::TempDir dir;
    const std::string f = dir.file("c.yaml", "tile:\n  rows: 256\n  colz: 128\n");
    try {
        build_tile(f);
        FAIL("no error");
    } catch (const ConfigError& e) {
        CHECK_THAT(e.what(), Contains(f + ":3:9"));
        CHECK_THAT(e.what(), Contains("tile.colz"));
        CHECK_THAT(e.what(), Contains("did you mean 'cols'"));
    }
}

TEST_CASE("wrong type and out-of-range values name the expectation", "[config]") {
    test::TempDir dir;
    const std::string bad_type = dir.file("t.yaml", "tile:\n  rows: many\n");
    REQUIRE_THROWS_WITH(build_tile(bad_type),
                        Contains("t.yaml:2:9") && Contains("tile.rows") && Contains("expected an integer"));
    const std::string bad_range = dir.file("r.yaml", "tile:\n  rows: 0\n");
    REQUIRE_THROWS_WITH(build_tile(bad_range),
                        Contains("tile.rows") && Contains("out of range") && Contains("[1, 4096]"));
    const std::string bad_choice = dir.file("m.yaml", "tile:\n  input:\n    mode: five_phase\n");
    REQUIRE_THROWS_WITH(build_tile(bad_choice), Contains("tile.input.mode") && Contains("one_phase|four_phase"));
    const std::string bad_model = dir.file("d.yaml", "tile:\n  device:\n    model: pcn\n");
    REQUIRE_THROWS_WITH(build_tile(bad_model), Contains("d.yaml:3:12") && Contains("did you mean 'pcm'"));
}

TEST_CASE("missing config file and YAML syntax errors", "[config]") {
    REQUIRE_THROWS_WITH(load_run_config("/nonexistent/x.yaml", {}),
                        Contains("/nonexistent/x.yaml") && Contains("does not exist"));
    test::TempDir dir;
    const std::string f = dir.file("s.yaml", "tile:\n  rows: [1, 2\n");
    REQUIRE_THROWS_WITH(load_run_config(f, {}), Contains("s.yaml:") && Contains("YAML syntax error"));
}

TEST_CASE("base files are merged under the including file and cycles are errors", "[config]") {
    test::TempDir dir;
    dir.file("base.yaml", "seed: 7\ntile:\n  rows: 128\n  cols: 64\n");
    const std::string child = dir.file("child.yaml", "base: base.yaml\ntile:\n  cols: 32\n");
    const RunConfig rc = load_run_config(child, {});
    CHECK(rc.seed == 7);
    CHECK(rc.root.at("tile").at("rows").as_int() == 128);
    CHECK(rc.root.at("tile").at("cols").as_int() == 32);
    // Errors in a value from the base file point at the base file.
    dir.file("bad_base.yaml", "tile:\n  rows: -3\n");
    const std::string c2 = dir.file("c2.yaml", "base: bad_base.yaml\n");
    REQUIRE_THROWS_WITH(build_tile(c2), Contains("bad_base.yaml:2:9"));

    dir.file("a.yaml", "base: b.yaml\n");
    const std::string b = dir.file("b.yaml", "base: a.yaml\n");
    REQUIRE_THROWS_WITH(load_run_config(b, {}), Contains("include cycle"));
    const std::string missing = dir.file("m.yaml", "base: nothere.yaml\n");
    REQUIRE_THROWS_WITH(load_run_config(missing, {}),
                        Contains("m.yaml:1:7") && Contains("nothere.yaml") && Contains("does not exist"));
}

TEST_CASE("overrides (--set) create, replace and are validated like file values", "[config]") {
    test::TempDir dir;
    const std::string f = dir.file("c.yaml", "tile:\n  rows: 128\n");
    const RunConfig rc =
        load_run_config(f, {"tile.rows=64", "tile.input.mode=four_phase", "simulation.t_inference_s=[1, 3600]"});
    CHECK(rc.root.at("tile").at("rows").as_int() == 64);
    CHECK(rc.root.at("tile").at("input").at("mode").as_string() == "four_phase");
    CHECK(rc.simulation.t_inference_s == std::vector<double>{1.0, 3600.0});
    REQUIRE_THROWS_WITH(load_run_config(f, {"tile.rows"}), Contains("KEY.PATH=VALUE"));
    const std::string bad = dir.file("d.yaml", "tile:\n  rows: 128\n");
    try {
        (void)load_run_config(bad, {"tile.rowz=3"}).tile.create();
        FAIL("no error");
    } catch (const ConfigError& e) {
        CHECK_THAT(e.what(), Contains("--set tile.rowz=3") && Contains("did you mean 'rows'"));
    }
}

TEST_CASE("the resolved config round-trips through YAML", "[config]") {
    const RunConfig rc = load_run_config(test::source_path("configs/hermes_core.yaml"), {"seed=5"});
    const ConfigNode again = ConfigNode::parse_yaml(rc.root.to_yaml(), "resolved.yaml");
    CHECK(again.at("seed").as_int() == 5);
    CHECK(again.at("tile").at("adc").at("ps_per_lsb").as_real() == 300.0);
    // Paths were made absolute, so the resolved config works from anywhere.
    CHECK(again.at("workload").at("file").as_string() == test::source_path("workloads/mvm_random.yaml"));
}

TEST_CASE("a section that selects another model replaces the base section", "[config]") {
    test::TempDir dir;
    dir.file("base.yaml", "tile:\n  adc:\n    model: cco\n    ps_per_lsb: 300\n  rows: 64\n");
    const std::string child =
        dir.file("child.yaml", "base: base.yaml\ntile:\n  adc:\n    model: ideal\n    bits: 12\n");
    const RunConfig rc = load_run_config(child, {});
    CHECK_FALSE(rc.root.at("tile").at("adc").has("ps_per_lsb"));
    CHECK(rc.root.at("tile").at("adc").at("bits").as_int() == 12);
    CHECK(rc.root.at("tile").at("rows").as_int() == 64);
    // The same model merges key by key.
    const std::string same =
        dir.file("same.yaml", "base: base.yaml\ntile:\n  adc:\n    model: cco\n    noise_lsb: 0\n");
    CHECK(load_run_config(same, {}).root.at("tile").at("adc").has("ps_per_lsb"));
    // --set of another model starts that section afresh too.
    const RunConfig set = load_run_config(dir.str() + "/base.yaml", {"tile.adc.model=ideal"});
    CHECK(set.root.at("tile").at("adc").keys() == std::vector<std::string>{"model"});
    CHECK_NOTHROW((void)set.tile.create());
}
