// Reproducibility of whole runs through the CLI: the same config and seed give a
// byte-identical report.json (apart from its wall-clock fields) run after run and on
// one thread or two; another seed gives other noise. A small functional run of the
// default chip (hermes64 with the hardware-aware CNN) so that every random stream is
// used: device programming, drift and 1/f noise, per-read noise, the chip's values
// (data-dependent energy) and the accuracy evaluation at both times, with and
// without drift compensation.
#include <catch2/catch.hpp>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>

#include "test_support.h"

namespace {

using json = nlohmann::json;

// The fields of report.json that measure the host, not the simulated chip:
// simulation.wall_s and accuracy.wall_s (src/app/run.cpp),
// accuracy.analog_images_per_s (images / accuracy wall time) and
// simulation.peak_rss_mb (the process's peak resident memory).
const char* const kWallClockFields[] = {"wall_s", "analog_images_per_s", "peak_rss_mb"};
constexpr int kWallClockFieldCount = 4;  // wall_s twice

// report.json as written, with the value of each wall-clock field replaced by
// "<wall>"; everything else, formatting included, is kept byte for byte.
std::string without_wall_clock(const std::string& report) {
    std::string out = report;
    int replaced = 0;
    for (const char* field : kWallClockFields) {
        const std::regex value("(\"" + std::string(field) + "\": *)(-?[0-9][0-9.eE+-]*)");
        std::string next;
        auto it = std::sregex_iterator(out.begin(), out.end(), value);
        std::size_t last = 0;
        for (; it != std::sregex_iterator(); ++it, ++replaced) {
            next.append(out, last, static_cast<std::size_t>(it->position(0)) - last);
            next += it->str(1) + "\"<wall>\"";
            last = static_cast<std::size_t>(it->position(0) + it->length(0));
        }
        next.append(out, last, std::string::npos);
        out = next;
    }
    // A wall-clock field renamed or added elsewhere must show up here, not pass unseen.
    REQUIRE(replaced == kWallClockFieldCount);
    return out;
}

struct Run {
    std::string report;  // report.json without its wall-clock values
    std::string layers;  // layers.csv as written
    json j;
};

Run run(const std::string& extra) {
    const std::string args = "run " + test::source_path("configs/hermes64.yaml") +
                             " -q --set simulation.functional=true --set simulation.batch=2"
                             " --set accuracy.samples=100 --set accuracy.calibration_samples=16 " +
                             extra;
    test::TempDir out;
    const test::CommandResult r = test::run_cli(args + " --out " + out.str());
    INFO("aimcsim " << args << "\n" << r.output);
    REQUIRE(r.exit_code == 0);
    Run result;
    result.report = without_wall_clock(test::slurp(out.str() + "/report.json"));
    result.layers = test::slurp(out.str() + "/layers.csv");
    result.j = json::parse(result.report);
    return result;
}

}  // namespace

TEST_CASE(
    "determinism: same seed gives a byte-identical report across runs and thread counts, another seed other noise",
    "[cli][determinism]") {
    const Run a = run("--threads 1");
    const Run b = run("--threads 1");
    const Run c = run("--threads 2");
    const Run d = run("--threads 2 --seed 2");

    // The run is what the test thinks it is: functional, accuracy at two times x GDC on/off.
    REQUIRE(a.j["simulation"]["functional"] == true);
    REQUIRE(a.j["accuracy"]["samples"] == 100);
    REQUIRE(a.j["accuracy"]["vs_time"].size() == 4);
    REQUIRE(a.j["performance"]["energy_breakdown_pj"]["array"].get<double>() > 0);
    REQUIRE(!a.layers.empty());

    // Byte for byte: the whole file, not selected fields.
    CHECK(a.report == b.report);
    CHECK(a.layers == b.layers);
    CHECK(a.report == c.report);
    CHECK(a.layers == c.layers);

    // Another seed: other programmed conductances and read noise, so other values
    // through the chip (their energy depends on them) and other accuracies; the
    // same schedule.
    CHECK(d.j["seed"] == 2);
    json a_noseed = a.j, d_noseed = d.j;
    a_noseed.erase("seed");
    d_noseed.erase("seed");
    CHECK(a_noseed != d_noseed);
    CHECK(a.j["performance"]["energy_breakdown_pj"]["array"] != d.j["performance"]["energy_breakdown_pj"]["array"]);
    CHECK(a.j["accuracy"]["vs_time"] != d.j["accuracy"]["vs_time"]);
    CHECK(a.j["performance"]["latency_ns"] == d.j["performance"]["latency_ns"]);
}

TEST_CASE("determinism: wall-clock fields are the only ones masked", "[determinism]") {
    const std::string report = "{\n  \"accuracy\": {\n    \"analog_images_per_s\": 1071.08,\n    \"top1\": 0.89,\n"
                               "    \"wall_s\": 0.56\n  },\n  \"simulation\": {\n    \"peak_rss_mb\": 61.25,\n"
                               "    \"wall_s\": 5e-01\n  }\n}";
    const std::string masked = without_wall_clock(report);
    CHECK(masked.find("1071") == std::string::npos);
    CHECK(masked.find("0.56") == std::string::npos);
    CHECK(masked.find("5e-01") == std::string::npos);
    CHECK(masked.find("61.25") == std::string::npos);
    CHECK(masked.find("\"top1\": 0.89") != std::string::npos);
    CHECK(json::parse(masked)["simulation"]["wall_s"] == "<wall>");
}
