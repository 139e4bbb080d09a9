// Messages of bad input (issue 19): every unknown config key at once and in file
// order, integer limits printed as integers, an override named by the option the
// user typed, and a binary file named for what it is instead of a YAML syntax error.
// The command-line cases are in tests/bad_inputs/cases.yaml (cli_*, config_unknown_keys_all).
#include <catch2/catch.hpp>

#include <string>

#include "aimcsim/core/error.h"
#include "src/app/run_config.h"
#include "src/core/config_input.h"
#include "tests/test_support.h"

using Catch::Matchers::Contains;
using namespace aimcsim;

namespace {

// The message of the InputError that `f` throws ("" if none).
template <class F> std::string message_of(F&& f) {
    try {
        f();
    } catch (const InputError& e) { return e.what(); }
    return "";
}

}  // namespace

TEST_CASE("messages: every unknown key of a config in one error, in file order", "[messages][config]") {
    test::TempDir dir;
    // Sections are read tile, chip, ..., simulation: the file has them the other way round.
    const std::string path = dir.file("c.yaml", "base: " + test::source_path("configs/hermes_core.yaml") +
                                                    "\n"
                                                    "simulation:\n  batchh: 2\n"
                                                    "chip:\n  rowz: 2\n"
                                                    "tile:\n  adc:\n    ps_per_lbs: 300\n");
    const std::string msg = message_of([&] { (void)load_run_config(path, {}); });
    INFO(msg);
    CHECK_THAT(msg, Contains("c.yaml: 3 unknown keys:\n  "));
    const auto batch = msg.find("c.yaml:3:11: simulation.batchh: unknown key 'batchh'; did you mean 'batch'?");
    const auto rows = msg.find("c.yaml:5:9: chip.rowz: unknown key 'rowz'; did you mean 'rows'?");
    const auto ps = msg.find("c.yaml:8:17: tile.adc.ps_per_lbs: unknown key 'ps_per_lbs'; did you mean 'ps_per_lsb'?");
    REQUIRE(batch != std::string::npos);
    REQUIRE(rows != std::string::npos);
    REQUIRE(ps != std::string::npos);
    CHECK(batch < rows);
    CHECK(rows < ps);
}

TEST_CASE("messages: one unknown key reads as before, and a typo's consequence comes after it", "[messages][config]") {
    test::TempDir dir;
    const std::string one =
        dir.file("one.yaml", "base: " + test::source_path("configs/hermes_core.yaml") + "\nsimulation:\n  batchh: 2\n");
    CHECK(message_of([&] { (void)load_run_config(one, {}); }) ==
          one + ":3:11: simulation.batchh: unknown key 'batchh'; did you mean 'batch'?");
    // `modle:` leaves `model:` missing, which would throw first: the typo is what is reported.
    const std::string typo = dir.file("typo.yaml", "tile:\n  modle: hermes\n");
    CHECK_THAT(message_of([&] { (void)load_run_config(typo, {}); }),
               Contains("tile.modle: unknown key 'modle'; did you mean 'model'?"));
}

TEST_CASE("messages: integer limits print as integers, with the parameter's meaning", "[messages][config]") {
    const std::string msg = message_of(
        [] { (void)load_run_config(test::source_path("configs/hermes_core.yaml"), {"simulation.batch=2000001"}); });
    CHECK_THAT(msg, Contains("value 2000001 is out of range; expected int in [1, 1000000]"));
    CHECK_THAT(msg, !Contains("e+"));
    CHECK_THAT(msg, Contains("(inferences (or MVM batches) simulated cycle by cycle)"));
}

TEST_CASE("messages: an override is named by the option the user typed", "[messages][config]") {
    const std::string core = test::source_path("configs/hermes_core.yaml");
    CHECK_THAT(message_of([&] { (void)load_run_config(core, {"simulation.batch=0"}, {"--batch 0"}); }),
               Contains("--batch 0: simulation.batch: value 0 is out of range"));
    CHECK_THAT(message_of([&] { (void)load_run_config(core, {"simulation.batch=0"}); }),
               Contains("--set simulation.batch=0: simulation.batch: value 0 is out of range"));
}

TEST_CASE("messages: a binary file is named for what it is", "[messages][config]") {
    CHECK(binary_file_kind("m.onnx", "") == "an ONNX model (.onnx)");
    CHECK(binary_file_kind("x.bin", std::string("\x93NUMPY\x01\x00", 8)) == "a NumPy array (.npy)");
    CHECK(binary_file_kind("t.pb", "") == "an ONNX tensor (.pb)");
    CHECK(binary_file_kind("c.yaml", std::string("a: 1\n\0", 6)) == "a binary file");
    CHECK(binary_file_kind("c.yaml", "a: 1\n\tb: 2\r\n").empty());
    test::TempDir dir;
    const std::string onnx = dir.file("model.onnx", std::string("\x08\x07\x12\x04", 4));
    CHECK(message_of([&] { (void)load_run_config(onnx, {}); }) ==
          onnx + ": '" + onnx + "' is an ONNX model (.onnx), not a YAML config file");
}

TEST_CASE("messages: the report on stdout, warnings on stderr, --quiet prints nothing", "[messages][cli]") {
    // A layer list has random weights: the run warns that accuracy is not evaluated.
    const std::string run = std::string(AIMCSIM_CLI) + " run " + test::source_path("configs/hermes64.yaml") +
                            " --workload " + test::source_path("workloads/mlp_mnist.yaml") + " --batch 1";
    test::TempDir dir;
    const auto out = test::run_command("{ " + run + " --out " + dir.str() + " 2>/dev/null; }");
    REQUIRE(out.exit_code == 0);
    CHECK(out.output.rfind("chip: 8x8 tiles", 0) == 0);  // the report and nothing before it
    CHECK_THAT(out.output, !Contains("warn") && !Contains("wrote") && !Contains("SystemC"));
    const auto err = test::run_command("{ " + run + " --out " + dir.str() + " 2>&1 >/dev/null; }");
    CHECK_THAT(err.output, Contains("accuracy not evaluated") && Contains("wrote " + dir.str() + "/report.json"));
    CHECK_THAT(err.output, !Contains("chip: 8x8 tiles"));
    const auto quiet = test::run_command(run + " --quiet");  // stdout and stderr
    CHECK(quiet.exit_code == 0);
    CHECK(quiet.output.empty());
}
