// The multi-tile chip: pipelined schedule latencies derived by hand (cycles), the
// peak figures of configs/hermes64.yaml, and a ResNet-9 run on the 64-tile chip.
#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <string>

#include "aimcsim/core/config.h"
#include "aimcsim/core/error.h"
#include "aimcsim/core/registry.h"
#include "aimcsim/core/rng.h"
#include "aimcsim/tile.h"
#include "src/import/onnx_import.h"
#include "src/app/run_config.h"
#include "src/chip/chip_params.h"
#include "src/app/report/chip_report.h"
#include "src/app/report/chip_trace.h"
#include "src/chip/chip_run.h"
#include "src/import/layer_list.h"
#include "tests/chip_test_support.h"
#include "tests/test_support.h"

using namespace aimcsim;

namespace {

using test::ChipConfig;
using test::layer_list_net;

ChipConfig hermes64(int rows = 8, int cols = 8, const std::string& topology = "hermes") {
    return test::hermes64_chip(rows, cols, {"chip.interconnect.model=" + topology});
}

}  // namespace

// Tile timing on hermes64: input load 1 + window 128 + readout 4 = 133 cycles of
// array time, then 2 LDPU cycles: a result leaves 135 cycles after its MVM starts.
// Links: 32 bits wide, 2 cycles per hop; a packet of b bits crossing one link
// arrives 2 + ceil(b/32) cycles after it was sent.

TEST_CASE("chip: two dense layers, latency by hand", "[chip]") {
    const ChipConfig cfg = hermes64(1, 2);
    const Network net = layer_list_net(
        "input: {c: 64}\nlayers:\n  - {name: fc1, type: dense, out: 32}\n  - {name: fc2, type: dense, out: 16}\n");
    const ChipRunResult r = run_chip(cfg.tile(), cfg.chip, net, 1, 1);
    REQUIRE(r.phases.array_busy() == 133);
    REQUIRE(r.phases.latency() == 135);
    REQUIRE(r.phases.ldpu == 2);  // all 256 columns of the 128-lane LDPU; blocks of <= 128 take 1
    // fc1 on tile 0 (the controller's tile): input there at 0, result at 133 + 1;
    // 32 activations (256 bits, 8 flits) to tile 1: 134 + 2 + 8 = 144;
    // fc2 result at 144 + 134 = 278; 16 outputs (4 flits) back to tile 0: 278 + 2 + 4.
    CHECK(r.latency_cycles == 284);
    CHECK(r.latency_ns == Approx(284.0));
    CHECK(r.tile_mvms == 2);
    CHECK(r.net_totals.packets == 3);  // input (0 hops), fc1 -> fc2, fc2 -> controller
    CHECK(r.mapping.blocks[1].tile == 1);
    REQUIRE(r.layers.size() == 2);
    CHECK(r.layers[1].start_ns == Approx(144.0));
    CHECK(r.layers[1].end_ns == Approx(278.0));
}

TEST_CASE("chip: two pixels pipeline through two conv layers", "[chip]") {
    const ChipConfig cfg = hermes64(1, 2);
    const Network net =
        layer_list_net("input: {c: 32, h: 1, w: 2}\nlayers:\n  - {name: c1, type: conv, out: 32, kernel: 1}\n"
                       "  - {name: c2, type: conv, out: 16, kernel: 1}\n");
    ChipRunOptions opts;
    opts.trace = true;
    const ChipRunResult r = run_chip(cfg.tile(), cfg.chip, net, opts);
    // Input pixels of 256 bits at 64 bits/cycle: ready at 0 and 4 on tile 0.
    // Results leave the 1-cycle LDPU (<= 128 columns) 134 cycles after the MVM starts.
    // c1: p0 0..133 (result 134); p1 waits for the array: 133..266 (result 267).
    // To tile 1 (8 flits): p0 at 144, p1 at 277.
    // c2: p0 144..277 (result 278); p1 277..410 (result 411).
    // Back to tile 0 (4 flits): p0 at 284, p1 at 417.
    CHECK(r.latency_cycles == 417);
    CHECK(r.tile_mvms == 4);
    // The trace shows the same timeline: c1's second MVM waits for the array.
    REQUIRE(r.spans.size() == 4);
    CHECK(r.spans[1].tile == 0);
    CHECK(r.spans[1].start_cycle == 133);
    CHECK(r.spans[1].end_cycle == 267);
    const nlohmann::json trace = chip_trace_json(r);
    // Tiles: 4 MVMs (c1 twice on tile 0, then c2 on tile 1), each an array slice and
    // an LDPU slice on the tile's two tracks, track by track. Links: the two
    // c1 -> c2 packets on link 0 -> 1 and the two outputs on 1 -> 0 (the inputs
    // cross no link), each a slice of its 8 or 4 flits.
    std::vector<std::string> tile_slices;
    std::map<int, int> link_slices;
    for (const auto& e : trace["traceEvents"]) {
        if (e["ph"] != "X") continue;
        if (e["pid"] == 0) tile_slices.push_back(e["name"].get<std::string>());
        if (e["pid"] == 2) link_slices[e["tid"].get<int>()] += 1;
    }
    CHECK(tile_slices == std::vector<std::string>{"c1", "c1", "c1", "c1", "c2", "c2", "c2", "c2"});
    REQUIRE(link_slices.size() == 2);
    for (const auto& kv : link_slices) CHECK(kv.second == 2);
}

TEST_CASE("chip: a row-split layer adds partial sums from its second tile", "[chip]") {
    const ChipConfig cfg = hermes64(1, 2);
    const Network net = layer_list_net("input: {c: 300}\nlayers:\n  - {name: fc, type: dense, out: 16}\n");
    const ChipRunResult r = run_chip(cfg.tile(), cfg.chip, net, 1, 1);
    REQUIRE(r.mapping.layers[0].row_blocks == 2);
    // Rows 0..255 on tile 0 (input there at 0, result 134: 16 columns, 1 LDPU cycle);
    // rows 256..299 on tile 1: 44 activations = 352 bits = 11 flits, at 13; result at
    // 147; 16 partial sums of 16 bits (8 flits) back to tile 0 at 157; added in 2
    // cycles: 159; the output is already at the controller's tile.
    CHECK(r.latency_cycles == 159);
    CHECK(r.psum_adds == 16);
    CHECK(r.tile_mvms == 2);
    // Timing-only energy: the reference MVM scaled to the cells used (256x16 and 44x16).
    const ChipConfig c2 = hermes64(1, 2);
    const MvmEnergy ref = c2.tile().create()->reference_mvm_energy();
    CHECK(r.energy_pj.array == Approx(ref.array_pj * (256.0 * 16 + 44.0 * 16) / 65536));
    CHECK(r.energy_pj.adc == Approx(ref.adc_pj * 2 * 16 / 256));
    CHECK(r.energy_pj.pwm == Approx(ref.pwm_pj * 300 / 256));
}

TEST_CASE("chip: hermes64 peak figures from component parameters", "[chip]") {
    const ChipConfig cfg = hermes64();
    const std::unique_ptr<TileModel> tile = cfg.tile().create();
    const ChipPeak p = chip_peak(*tile, cfg.chip);
    CHECK(p.tiles == 64);
    CHECK(p.mvm_interval_ns == Approx(133.0));
    CHECK(p.peak_tops == Approx(63.07).epsilon(0.001));
    CHECK(p.peak_tops == Approx(63.1).epsilon(0.05));
    CHECK(p.peak_tops_per_w == Approx(9.76).epsilon(0.01));
}

TEST_CASE("chip: ResNet-9 on hermes64, hermes vs ideal interconnect", "[chip]") {
    const Network net = load_layer_list_file(test::source_path("workloads/resnet9_cifar10.yaml"), 1);
    const ChipConfig hermes = hermes64();
    const ChipRunResult r = run_chip(hermes.tile(), hermes.chip, net, 1, 2);
    CHECK(r.mapping.tiles_used() == 36);
    // Every block computes every output pixel of its layer, once per inference.
    std::uint64_t mvms = 0;
    for (const LayerPlacement& lp : r.mapping.layers) {
        const Layer& l = net.layers[static_cast<std::size_t>(lp.layer)];
        mvms += static_cast<std::uint64_t>(lp.tiles()) * net.shape(l.output).h * net.shape(l.output).w;
    }
    CHECK(r.tile_mvms == 2 * mvms);
    CHECK(r.latency_ns > 0);
    CHECK(r.throughput_inferences_per_s > 0);
    CHECK(r.energy_pj.total() > 0);
    CHECK(r.net_totals.packets > 0);
    const nlohmann::json j = chip_report_json(r);
    CHECK(j["mapping"]["tiles"].size() == 36);
    CHECK(j["layers"].size() == 9);
    CHECK(j["performance"]["energy_breakdown_pj"].contains("interconnect"));

    const ChipConfig ideal = hermes64(8, 8, "ideal");
    const ChipRunResult ri = run_chip(ideal.tile(), ideal.chip, net, 1, 2);
    CHECK(r.net_totals.stall_cycles > 0);  // packets contend for the hermes links
    CHECK(ri.net_totals.stall_cycles == 0);
    CHECK(ri.latency_cycles <= r.latency_cycles);
    INFO("hermes latency " << r.latency_ns << " ns, ideal " << ri.latency_ns << " ns");
}

TEST_CASE("chip: a network larger than the chip is an InputError with the tile count", "[chip]") {
    const ChipConfig cfg = hermes64(2, 2);
    const Network net = load_layer_list_file(test::source_path("workloads/mlp_mnist.yaml"), 1);
    CHECK_THROWS_WITH(run_chip(cfg.tile(), cfg.chip, net, 1, 1), Catch::Contains("needs 6 tiles"));
}

TEST_CASE("chip: functional mode with ideal device and ADC reproduces the float network", "[chip]") {
    ChipConfig cfg = hermes64(2, 4);
    // Ideal numerics; the functional mode calibrates each block's ADC range on the
    // inputs (AnalogNetwork), so no product clips.
    apply_override(cfg.root, "tile.device={model: ideal}");
    apply_override(cfg.root, "tile.adc={model: ideal, bits: 24, readout_cycles: 4}");
    // Conv with a row split (3*3*32 = 288 rows), pooling, a residual add, GAP and a
    // dense layer with column split... all on 2x4 tiles.
    const Network net = load_layer_list(ConfigNode::parse_yaml(R"(kind: layer_list
input: {c: 32, h: 6, w: 6}
layers:
  - {name: c1, type: conv, out: 40, kernel: 3, pad: 1, relu: true}
  - {name: c2, type: conv, out: 40, kernel: 3, pad: 1}
  - {name: res, type: add, inputs: [c1, c2], relu: true}
  - {name: pool, type: maxpool, kernel: 2}
  - {name: c3, type: conv, out: 8, kernel: 1}
  - {name: gap, type: avgpool, kernel: 3}
  - {name: fc, type: dense, out: 300}
)",
                                                               "net.yaml"),
                                        7);
    ChipRunOptions opts;
    opts.functional = true;
    opts.batch = 2;
    const ChipRunResult r = run_chip(cfg.tile(), cfg.chip, net, opts);
    REQUIRE(r.outputs.size() == 2);
    CHECK(r.mapping.layers[0].row_blocks == 2);
    CHECK(r.mapping.layers.back().col_blocks == 2);
    for (int n = 0; n < 2; ++n) {
        Rng rng(1, Stream::Inputs, {static_cast<std::uint64_t>(n)});
        std::vector<float> x(net.input_shape().size());
        for (float& v : x) v = static_cast<float>(rng.uniform());
        const std::vector<float> ref = forward_float(net, x);
        const std::vector<float>& out = r.outputs[static_cast<std::size_t>(n)];
        REQUIRE(out.size() == ref.size());
        // 8-bit input quantisation per layer is the only error left: a few percent.
        const double error = test::relative_rms_error(out, ref);
        INFO("inference " << n << " relative rms error " << error);
        CHECK(error < 0.03);
    }
    // Programming on one thread or several gives the same numbers (PCM this time).
    ChipConfig pcm = hermes64(2, 4);
    ChipRunOptions one = opts, many = opts;
    one.threads = 1;
    many.threads = 3;
    const ChipRunResult r1 = run_chip(pcm.tile(), pcm.chip, net, one);
    const ChipRunResult r3 = run_chip(pcm.tile(), pcm.chip, net, many);
    CHECK(r1.outputs == r3.outputs);
    CHECK(r1.outputs != r.outputs);  // the PCM noise is there
    // Timing does not depend on the values: the timing-only chip times each tile's
    // LDPU for its block's columns (1 cycle for <= 128 of the 128-lane LDPU), as a
    // programmed tile does, so both modes give the same cycles.
    const ChipRunResult t = run_chip(cfg.tile(), cfg.chip, net, 1, 2);
    CHECK(t.latency_cycles == r.latency_cycles);
    CHECK(t.done_cycles == r.done_cycles);
    CHECK(t.tile_mvms == r.tile_mvms);
}

TEST_CASE("chip: shipped chip configs load and an ONNX model runs on hermes64", "[chip]") {
    for (const char* file : {"configs/hermes64.yaml", "configs/hermes_large.yaml"}) {
        INFO(file);
        const RunConfig rc = load_run_config(test::source_path(file), {});
        const ChipParams& chip = rc.chip;
        CHECK(chip.tiles() == (std::string(file).find("large") != std::string::npos ? 256 : 64));
    }
    const ChipConfig cfg = hermes64();
    const Network cnn = load_onnx(test::source_path("workloads/onnx/fmnist_cnn.onnx"));
    ChipRunOptions opts;
    opts.functional = true;
    const ChipRunResult r = run_chip(cfg.tile(), cfg.chip, cnn, opts);
    CHECK(r.outputs.at(0).size() == 10);
    CHECK(r.latency_ns > 0);
    CHECK(r.tile_mvms > 0);
}

TEST_CASE("chip: power-gating the unused tiles removes exactly their static energy", "[chip]") {
    // Two dense layers on a 2x2 grid use 2 of the 4 tiles; the run's length does not
    // change, so gating saves 2 x (a tile's static power) x simulated time.
    ChipConfig cfg = hermes64(2, 2);
    const Network net = layer_list_net(
        "input: {c: 64}\nlayers:\n  - {name: fc1, type: dense, out: 32}\n  - {name: fc2, type: dense, out: 16}\n");
    const ChipRunResult on = run_chip(cfg.tile(), cfg.chip, net, 1, 1);
    cfg.chip.power_gate_unused_tiles = true;
    const ChipRunResult gated = run_chip(cfg.tile(), cfg.chip, net, 1, 1);
    const std::unique_ptr<TileModel> probe = cfg.tile().create();
    REQUIRE(gated.simulated_ns == on.simulated_ns);
    CHECK(on.energy_pj.static_ - gated.energy_pj.static_ == Approx(2 * probe->static_power_mw() * on.simulated_ns));
    CHECK(gated.energy_pj.static_ ==
          Approx((2 * probe->static_power_mw() + cfg.chip.static_power_mw) * on.simulated_ns));
}
