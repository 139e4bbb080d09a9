// Tile area by component: the hermes tile's geometry worked out by hand, the base
// model's default (nothing declared), and the report keys of a single-tile run.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "aimcsim/core/registry.h"
#include "aimcsim/tile.h"
#include "tests/test_support.h"

using namespace aimcsim;

TEST_CASE("hermes tile area follows its geometry (hand-derived)", "[tile][area]") {
    const std::string yaml =
        "model: hermes\nrows: 128\ncols: 64\nldpu: {lanes: 32}\n"
        "area: {cell_width_um: 4, cell_height_um: 1, driver_width_um: 80, adc_height_um: 60, "
        "programming_height_um: 50, ldpu_um2_per_lane: 780, registers_mm2: 0.05, link_mm2: 0.03, control_mm2: 0.02}\n";
    auto tile = Registry<TileModel>::instance().create(ConfigNode::parse_yaml(yaml, "tile.yaml"));
    const TileArea a = tile->area();
    REQUIRE(a.declared());
    std::map<std::string, double> c(a.components_mm2.begin(), a.components_mm2.end());
    // Array 64 x 4 um wide, 128 x 1 um high: 256 x 128 um2 = 0.032768 mm2.
    CHECK(c.at("pcm_array") == Approx(0.032768));
    // Drivers along the height: 128 um x 80 um; ADCs and programming along the width.
    CHECK(c.at("pwm_drivers") == Approx(0.01024));
    CHECK(c.at("adcs") == Approx(0.01536));
    CHECK(c.at("programming") == Approx(0.0128));
    CHECK(c.at("ldpu") == Approx(32 * 780e-6));
    CHECK(c.at("registers") == Approx(0.05));
    CHECK(c.at("link") == Approx(0.03));
    CHECK(c.at("control") == Approx(0.02));
    CHECK(a.total_mm2() == Approx(0.032768 + 0.01024 + 0.01536 + 0.0128 + 0.02496 + 0.1));
}

TEST_CASE("the shipped core's area is the published 0.634 mm2: 1.59 TOPS/mm2", "[tile][area][cli]") {
    test::TempDir out;
    const auto r = test::run_cli("run " + test::source_path("configs/hermes_core.yaml") + " --out " + out.str());
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    std::ifstream in(out.str() + "/report.json");
    const nlohmann::json t = nlohmann::json::parse(in)["tile"];
    // 256 x 256 cells of 4 x 1 um (0.262144) + drivers 256 x 80 um (0.02048) + ADCs and
    // programming 1024 x 60 um each (0.06144 x 2) + LDPU 128 x 780 um2 (0.09984) + 0.05
    // + 0.03 + 0.049 = 0.634344 mm2; peak 256 x 256 x 2 ops / 130 ns = 1.00825 TOPS.
    CHECK(t["area_mm2"].get<double>() == Approx(0.634344));
    CHECK(t["area_breakdown_mm2"]["pcm_array"].get<double>() == Approx(0.262144));
    CHECK(t["peak_tops_per_mm2"].get<double>() == Approx(256.0 * 256 * 2 / 130 / 1000 / 0.634344));
    CHECK(t["peak_tops_per_mm2"].get<double>() == Approx(1.59).epsilon(0.01));
}

namespace {

// A tile model that implements only what the interface requires.
class BareTile : public TileModel {
public:
    [[nodiscard]] int rows() const override { return 1; }
    [[nodiscard]] int cols() const override { return 1; }
    [[nodiscard]] double clock_ghz() const override { return 1.0; }
    [[nodiscard]] int input_bits() const override { return 8; }
    [[nodiscard]] MvmPhases phases() const override { return {}; }
    [[nodiscard]] double static_power_mw() const override { return 0.0; }
    void program(const WeightBlock&, const TileKey&) override {}
    void set_time(double) override {}
    void mvm(const std::int8_t*, float*, MvmEnergy&, Rng*) const override {}
    [[nodiscard]] MvmEnergy reference_mvm_energy() const override { return {}; }
};

}  // namespace

TEST_CASE("a tile model that declares no area gets none, not an invented one", "[tile][area]") {
    const BareTile t;
    CHECK_FALSE(t.area().declared());
    CHECK(t.area().total_mm2() == 0.0);
}

TEST_CASE("chip area: the tiles' area plus the chip's own, and peak TOPS per mm2", "[chip][area][cli]") {
    // hermes64: 64 hermes tiles of 0.634344 mm2 (configs/hermes_core.yaml's area section:
    // array 0.262144 + drivers 0.02048 + ADCs 0.06144 + programming 0.06144 + LDPU 0.09984
    // + registers 0.05 + link 0.03 + control 0.049).
    const double tile_mm2 = 0.262144 + 0.02048 + 0.06144 + 0.06144 + 0.09984 + 0.05 + 0.03 + 0.049;
    test::TempDir a, b;
    const std::string chip = test::source_path("configs/hermes64.yaml");
    REQUIRE(test::run_cli("run " + chip + " --set accuracy.enabled=false -q --out " + a.str()).exit_code == 0);
    REQUIRE(
        test::run_cli("run " + chip + " --set accuracy.enabled=false --set chip.other_area_mm2=10 -q --out " + b.str())
            .exit_code == 0);
    auto read = [](const std::string& dir) {
        std::ifstream in(dir + "/report.json");
        return nlohmann::json::parse(in);
    };
    const auto ja = read(a.str()), jb = read(b.str());
    CHECK(ja["chip"]["tiles_area_mm2"].get<double>() == Approx(64 * tile_mm2));
    CHECK(ja["chip"]["area_mm2"].get<double>() == Approx(64 * tile_mm2));
    CHECK(jb["chip"]["area_mm2"].get<double>() == Approx(64 * tile_mm2 + 10));
    const double peak = ja["chip"]["peak_tops"].get<double>();
    CHECK(ja["chip"]["peak_tops_per_mm2"].get<double>() == Approx(peak / (64 * tile_mm2)));
    CHECK(jb["chip"]["peak_tops_per_mm2"].get<double>() == Approx(peak / (64 * tile_mm2 + 10)));
}
