// The bottleneck section (src/app/report/bottleneck.h) on a run made by hand, whose
// figures follow from the arithmetic alone: a conv layer on 1 tile doing 784 MVMs
// per inference limits a 64-tile chip; its static energy share and the two knobs.
#include <catch2/catch.hpp>

#include "src/app/report/bottleneck.h"

using Catch::Matchers::Contains;
using namespace aimcsim;

namespace {

LayerResult layer(const std::string& name, const std::string& op, int tiles, std::uint64_t mvms, double start,
                  double end) {
    LayerResult l;
    l.name = name;
    l.op = op;
    l.tiles = tiles;
    l.mvms = mvms;
    l.start_ns = start;
    l.end_ns = end;
    return l;
}

// 8x8 tiles, MVM every 133 ns, 4 inferences. conv1: 784 pixels on 1 tile; conv2:
// 196 pixels on 4 tiles (196 MVMs each); fc: 1 MVM on 2 tiles. 7 tiles used.
ChipRunResult hand_made_run() {
    ChipRunResult r;
    r.peak.tiles = 64;
    r.peak.mvm_interval_ns = 133;
    r.grid_rows = r.grid_cols = 8;
    r.inferences = 4;
    r.layers = {layer("conv1", "Conv", 1, 784 * 4, 0, 104400), layer("conv2", "Conv", 4, 196 * 4 * 4, 300, 104600),
                layer("fc", "Dense", 2, 2 * 4, 104600, 104900)};
    r.mapping.blocks.resize(7);
    r.latency_ns = 105000;
    r.throughput_inferences_per_s = 1e9 / (784 * 133.0);  // the bound itself
    r.simulated_ns = 105000 + 3 * 784 * 133.0;
    r.energy_pj.array = 1000;
    r.energy_pj.static_ = 9000;
    r.energy_per_inference_nj = 10000.0 / 4 * 1e-3;
    return r;
}

}  // namespace

TEST_CASE("bottleneck: a conv layer on one tile limits throughput and latency", "[report][bottleneck]") {
    const ChipRunResult r = hand_made_run();
    const Bottleneck b = find_bottleneck(r, StaticPower{90.0, 450.0, false});
    REQUIRE(b.resources.size() == 3);
    CHECK(b.resources[0].name == "conv1 on 1 tile");
    CHECK(b.resources[0].busy_ns_per_inference == Approx(784 * 133.0));
    CHECK(b.resources[1].name == "conv2 on 4 tiles");
    CHECK(b.resources[1].busy_ns_per_inference == Approx(196 * 133.0));
    CHECK(b.latency_layer == "conv1");  // 104.4 us of the 105 us
    CHECK(b.static_share == Approx(0.9));
    CHECK(b.static_mw == Approx(9000 / r.simulated_ns));
    // 57 free tiles: 1 + 57 copies of conv1 -> 784 / 58 MVMs each, but conv2 (196) then limits.
    CHECK(b.replicate_knob == "chip.replicate: {conv1: 58}");
    CHECK(b.replicated_ns_per_inference == Approx(196 * 133.0));
    // Gating the 57 empty tiles leaves 7 x 90 mW + 450 mW.
    CHECK(b.gated_static_mw == Approx(7 * 90.0 + 450.0));
    const std::string text = bottleneck_text(b);
    CHECK_THAT(text, Contains("throughput is limited by conv1 on 1 tile: 784 MVMs per inference on each of its tiles"));
    CHECK_THAT(text, Contains("static energy is 90 % of the total"));
    CHECK_THAT(text, Contains("chip.power_gate_unused_tiles: true"));
    CHECK_THAT(text, Contains("(100 % of that bound)"));
}

TEST_CASE("bottleneck: a busy GDPU outranks the layers, and no knob is offered without free tiles",
          "[report][bottleneck]") {
    ChipRunResult r = hand_made_run();
    r.peak.tiles = 7;  // every tile used
    GdpuStats g;
    g.tile = 10;
    g.busy_cycles = 4 * 200000;  // 200 us per inference at 1 GHz
    g.values = 4 * 1000;
    r.gdpus = {g};
    const Bottleneck b = find_bottleneck(r, StaticPower{90.0, 450.0, false});
    CHECK(b.resources[0].kind == "gdpu");
    CHECK(b.resources[0].name == "gdpu 0 at (1,2)");
    CHECK(b.resources[0].busy_ns_per_inference == Approx(200000));
    CHECK(b.replicate_knob.empty());
    CHECK_THAT(bottleneck_text(b), !Contains("power_gate_unused_tiles"));
}
