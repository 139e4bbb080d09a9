// Plugin loading through the command line, with the small in-tree plugins of
// tests/plugins/: one good, one per way a plugin can be wrong. Every bad input must
// exit 2 with one line naming the file. (The example plugins, built out of tree
// against an installed aimcsim, are tested in test_plugin_sdk.cpp.)
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "aimcsim/plugin.h"
#include "tests/test_support.h"

using Catch::Matchers::Contains;

namespace {

std::string plugin(const std::string& name) {
    return std::string(AIMCSIM_TEST_PLUGIN_DIR) + "/libaimcsim_test_plugin_" + name + ".so";
}

const std::string kCore = test::source_path("configs/hermes_core.yaml");

// The one line of the error (stderr comes after the SystemC banner on stdout).
std::string error_line(const std::string& output) {
    const auto at = output.find("aimcsim: error: ");
    if (at == std::string::npos) return "";
    return output.substr(at, output.find('\n', at) - at);
}

nlohmann::json run_json(const std::string& args) {
    test::TempDir out;
    const auto r = test::run_cli("run " + args + " --out " + out.str() + " -q");
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    std::ifstream in(out.path / "report.json");
    return nlohmann::json::parse(in);
}

}  // namespace

TEST_CASE("option --plugin loads a plugin before or after the command, and models shows where each model came from",
          "[plugin]") {
    for (const std::string args :
         {"--plugin " + plugin("good") + " models device", "models device --plugin " + plugin("good"),
          "models --plugin=" + plugin("good") + " device"}) {
        INFO(args);
        const auto r = test::run_cli(args);
        REQUIRE(r.exit_code == 0);
        CHECK_THAT(r.output, Contains("device model 'plugin_test_device': test: exact device times a gain  [" +
                                      std::filesystem::canonical(plugin("good")).string() + "]"));
        CHECK_THAT(r.output, Contains("gain (real) default 1"));
        // Built-in models carry no origin tag.
        CHECK_THAT(r.output,
                   Contains("device model 'pcm': PCM statistics of Joshi et al. 2020 (aihwkit PCMLikeNoiseModel)\n"));
    }
    // The same file twice (e.g. on the command line and in the config) loads once.
    CHECK(test::run_cli("--plugin " + plugin("good") + " models --plugin " + plugin("good")).exit_code == 0);
}

TEST_CASE("a plugin's model runs when the config selects it, and its parameters are validated", "[plugin]") {
    // A 20-bit ideal ADC whose full scale (64 fully-on rows, 12 sigma) never clips.
    const std::string set_ideal_adc =
        " --set 'tile.adc={model: ideal, bits: 20}' --set tile.output_range=64 --set tile.gdc.enabled=false";
    const auto exact = run_json("--plugin " + plugin("good") + " " + kCore +
                                " --set tile.device.model=plugin_test_device" + set_ideal_adc);
    CHECK(exact["mvm_error"]["relative_rms"].get<double>() < 1e-3);
    // gain 0.9: every output 10% low, so the relative RMS error is 0.1.
    const auto low = run_json(kCore + " --plugin " + plugin("good") + " --set tile.device.model=plugin_test_device" +
                              " --set tile.device.gain=0.9" + set_ideal_adc);
    CHECK(low["mvm_error"]["relative_rms"].get<double>() == Approx(0.1).epsilon(0.01));

    const auto typo = test::run_cli("run " + kCore + " --plugin " + plugin("good") +
                                    " --set tile.device.model=plugin_test_device --set tile.device.gian=2 -q");
    CHECK(typo.exit_code == 2);
    CHECK_THAT(error_line(typo.output), Contains("tile.device.gian: unknown key 'gian'; did you mean 'gain'?"));
    // Without the plugin the name is unknown, and the message says what is registered.
    const auto missing = test::run_cli("run " + kCore + " --set tile.device.model=plugin_test_device -q");
    CHECK(missing.exit_code == 2);
    CHECK_THAT(error_line(missing.output), Contains("unknown device model 'plugin_test_device'"));
}

TEST_CASE("plugins: in a config loads paths relative to the config file", "[plugin]") {
    test::TempDir dir;
    std::filesystem::create_directories(dir.path / "lib");
    std::filesystem::copy_file(plugin("good"), dir.path / "lib" / "libgood.so");
    const std::string one = dir.file(
        "one.yaml", "base: " + kCore + "\nplugins: lib/libgood.so\ntile:\n  device:\n    model: plugin_test_device\n");
    const std::string list =
        dir.file("list.yaml",
                 "base: " + kCore + "\nplugins: [lib/libgood.so]\ntile:\n  device:\n    model: plugin_test_device\n");
    // From another working directory, so relative means relative to the config.
    for (const auto& cfg : {one, list}) {
        const auto r = test::run_cli("run " + cfg + " -q");
        INFO(r.output);
        CHECK(r.exit_code == 0);
    }
    test::TempDir out;
    REQUIRE(test::run_cli("run " + list + " -q --out " + out.str()).exit_code == 0);
    std::ifstream resolved(out.path / "resolved_config.yaml");
    const std::string text((std::istreambuf_iterator<char>(resolved)), std::istreambuf_iterator<char>());
    CHECK_THAT(text, Contains((dir.path / "lib" / "libgood.so").string()));

    const std::string typo = dir.file("typo.yaml", "base: " + kCore + "\nplugin: [lib/libgood.so]\n");
    const auto r = test::run_cli("run " + typo + " -q");
    CHECK(r.exit_code == 2);
    CHECK_THAT(error_line(r.output), Contains("unknown key 'plugin'; did you mean 'plugins'?"));
}

TEST_CASE("bad plugins exit 2 with one line naming the file", "[plugin]") {
    test::TempDir dir;
    const std::string text_file = dir.file("notes.so", "this is not a shared library\n");
    struct Case {
        std::string path;
        std::string message;
    };
    const std::vector<Case> cases = {
        {"/nonexistent/libmissing.so", "plugin '/nonexistent/libmissing.so' does not exist"},
        {dir.str(), "plugin '" + dir.str() + "' is not a file"},
        {text_file, "plugin '" + text_file + "' is not an aimcsim plugin: not a shared library (no ELF header)"},
        {plugin("no_entry_point"), "plugin '" + plugin("no_entry_point") +
                                       "' is not an aimcsim plugin: it does not export aimcsim_plugin_abi_version()"},
        {plugin("wrong_abi"), "plugin '" + plugin("wrong_abi") + "' was built for aimcsim ABI 999, this is " +
                                  std::to_string(AIMCSIM_PLUGIN_ABI_VERSION)},
        {plugin("old_stdlib"), "plugin '" + plugin("old_stdlib") +
                                   "' was built for another C++ standard library ABI "
                                   "(libstdc++, pre-C++11 ABI, this aimcsim uses libstdc++, C++11 ABI)"},
        {plugin("duplicate"), "plugin '" + plugin("duplicate") + "': device model 'pcm' from " +
                                  std::filesystem::canonical(plugin("duplicate")).string() +
                                  " clashes with the one already registered from built-in"},
    };
    for (const auto& c : cases) {
        INFO(c.path);
        const auto r = test::run_cli("--plugin " + c.path + " models");
        CHECK(r.exit_code == 2);
        CHECK_THAT(error_line(r.output), Contains(c.message));
        CHECK(r.output.find("internal error") == std::string::npos);
    }
    const auto no_path = test::run_cli("models --plugin");
    CHECK(no_path.exit_code == 2);
    CHECK_THAT(error_line(no_path.output), Contains("--plugin: missing PATH"));

    // From a config, the error also points at the entry that named the plugin.
    const std::string cfg = dir.file("bad.yaml", "base: " + kCore + "\nplugins:\n  - " + plugin("good") + "\n  - " +
                                                     plugin("wrong_abi") + "\n");
    const auto r = test::run_cli("run " + cfg + " -q");
    CHECK(r.exit_code == 2);
    CHECK_THAT(error_line(r.output),
               Contains(cfg + ":4:5: plugins[1]: plugin '" + plugin("wrong_abi") +
                        "' was built for aimcsim ABI 999, this is " + std::to_string(AIMCSIM_PLUGIN_ABI_VERSION)));
}
