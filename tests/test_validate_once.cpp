// Parse once, validate once: a run turns its config into typed, validated values
// before anything is built, so each model section is checked exactly once however
// many tiles are made from it (before: the tile section 2 + 2N times for N mapped
// blocks, its device and ADC with it, the interconnect three times).
#include <catch2/catch.hpp>

#include <array>

#include "aimcsim/adc.h"
#include "aimcsim/device.h"
#include "aimcsim/tile.h"
#include "aimcsim/topology.h"
#include "src/app/run.h"
#include "tests/test_support.h"

namespace {

using Counts = std::array<std::size_t, 4>;

// Sections validated so far by the registries of tile, device, adc and topology.
Counts validations() {
    return {aimcsim::Registry<aimcsim::TileModel>::instance().validations(),
            aimcsim::Registry<aimcsim::DeviceModel>::instance().validations(),
            aimcsim::Registry<aimcsim::AdcModel>::instance().validations(),
            aimcsim::Registry<aimcsim::Topology>::instance().validations()};
}

// Validations of each section during one run of `config` with `overrides`.
Counts validations_of_run(const std::string& config, const std::vector<std::string>& overrides,
                          nlohmann::json& report) {
    aimcsim::RunOptions ro;
    ro.config_path = test::source_path(config);
    ro.overrides = overrides;
    ro.quiet = true;
    const Counts before = validations();
    report = aimcsim::run_simulation(ro).report;
    const Counts after = validations();
    return {after[0] - before[0], after[1] - before[1], after[2] - before[2], after[3] - before[3]};
}

}  // namespace

TEST_CASE("a run validates each model section once, however many tiles it builds", "[config]") {
    const std::string mlp = "workload.file=" + test::source_path("workloads/mlp_mnist.yaml");
    for (const char* functional : {"false", "true"}) {
        INFO("functional " << functional);
        nlohmann::json report;
        const Counts n = validations_of_run(
            "configs/hermes64.yaml",
            {"accuracy.enabled=false", mlp, std::string("simulation.functional=") + functional}, report);
        // Many tiles were made from the one tile section (784 inputs: 4 row blocks at least).
        CHECK(report["mapping"]["tiles_used"].get<int>() >= 4);
        CHECK(n == Counts{1, 1, 1, 1});
    }
    // The single-tile benchmark reads no interconnect but validates the chip section like any run.
    nlohmann::json report;
    CHECK(validations_of_run("configs/hermes_core.yaml", {}, report) == Counts{1, 1, 1, 1});
}
