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
    // The input, 64 values of 8 bits, streams in at 64 bits/cycle: all there at 8.
    // fc1 on tile 0 (the controller's tile): result at 8 + 133 + 1 = 142;
    // 32 activations (256 bits, 8 flits) to tile 1: 142 + 2 + 8 = 152;
    // fc2 result at 152 + 134 = 286; 16 outputs (4 flits) back to tile 0: 286 + 2 + 4 = 292;
    // their 128 bits leave on the output stream in 2 cycles: 294.
    CHECK(r.latency_cycles == 294);
    CHECK(r.latency_ns == Approx(294.0));
    CHECK(r.tile_mvms == 2);
    CHECK(r.net_totals.packets == 3);  // input (0 hops), fc1 -> fc2, fc2 -> controller
    CHECK(r.mapping.blocks[1].tile == 1);
    REQUIRE(r.layers.size() == 2);
    CHECK(r.layers[1].start_ns == Approx(152.0));
    CHECK(r.layers[1].end_ns == Approx(286.0));
}

TEST_CASE("chip: two pixels pipeline through two conv layers", "[chip]") {
    const ChipConfig cfg = hermes64(1, 2);
    const Network net =
        layer_list_net("input: {c: 32, h: 1, w: 2}\nlayers:\n  - {name: c1, type: conv, out: 32, kernel: 1}\n"
                       "  - {name: c2, type: conv, out: 16, kernel: 1}\n");
    ChipRunOptions opts;
    opts.trace = true;
    const ChipRunResult r = run_chip(cfg.tile(), cfg.chip, net, opts);
    // Input pixels of 256 bits at 64 bits/cycle: all bits in at 4 and 8 on tile 0.
    // Results leave the 1-cycle LDPU (<= 128 columns) 134 cycles after the MVM starts.
    // c1: p0 4..137 (result 138); p1 waits for the array: 137..270 (result 271).
    // To tile 1 (8 flits): p0 at 148, p1 at 281.
    // c2: p0 148..281 (result 282); p1 281..414 (result 415).
    // Back to tile 0 (4 flits): p0 at 288, p1 at 421; 128 bits each on the output
    // stream: out at 290 and 423.
    CHECK(r.latency_cycles == 423);
    CHECK(r.tile_mvms == 4);
    // The trace shows the same timeline: c1's second MVM waits for the array.
    REQUIRE(r.spans.size() == 4);
    CHECK(r.spans[1].tile == 0);
    CHECK(r.spans[1].start_cycle == 137);
    CHECK(r.spans[1].end_cycle == 271);
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
    // The input, 300 values of 8 bits = 2400 bits at 64 bits/cycle, is in at 38.
    // Rows 0..255 on tile 0 (result 38 + 134 = 172: 16 columns, 1 LDPU cycle);
    // rows 256..299 on tile 1: 44 activations = 352 bits = 11 flits, at 51; result at
    // 185; 16 partial sums of 16 bits (8 flits) back to tile 0 at 195; added in 2
    // cycles: 197; the output is already at the controller's tile; its 128 bits
    // leave on the output stream in 2 cycles: 199.
    CHECK(r.latency_cycles == 199);
    CHECK(r.psum_adds == 16);
    CHECK(r.tile_mvms == 2);
    // Timing-only energy: the reference MVM scaled to the cells used (256x16 and 44x16).
    const ChipConfig c2 = hermes64(1, 2);
    const MvmEnergy ref = c2.tile().create()->reference_mvm_energy();
    CHECK(r.energy_pj.array == Approx(ref.array_pj * (256.0 * 16 + 44.0 * 16) / 65536));
    CHECK(r.energy_pj.adc == Approx(ref.adc_pj * 2 * 16 / 256));
    CHECK(r.energy_pj.pwm == Approx(ref.pwm_pj * 300 / 256));
}

TEST_CASE("chip: the input and output streams take their bits over the I/O width, wherever Flatten sits",
          "[chip]") {
    // The same 64 -> 16 dense layer fed a 1x8x8 image through a Flatten, or a flat
    // vector of 64: 512 input bits either way, all in after ceil(512 / width) cycles.
    // The MVM (16 columns) gives its result 134 cycles later at the controller's tile;
    // the 16 outputs (128 bits) leave in ceil(128 / width) cycles.
    //   width   8: 64 + 134 + 16 = 214
    //   width  64:  8 + 134 +  2 = 144
    //   width 512:  1 + 134 +  1 = 136
    const Network spatial = layer_list_net(
        "input: {c: 1, h: 8, w: 8}\nlayers:\n  - {name: flat, type: flatten}\n  - {name: fc, type: dense, out: 16}\n");
    const Network flat = layer_list_net("input: {c: 64}\nlayers:\n  - {name: fc, type: dense, out: 16}\n");
    const std::vector<std::pair<int, std::uint64_t>> expected = {{8, 214}, {64, 144}, {512, 136}};
    for (const auto& [width, latency] : expected) {
        INFO("io_bits_per_cycle " << width);
        ChipConfig cfg = hermes64(1, 1);
        cfg.chip.io_bits_per_cycle = width;
        CHECK(run_chip(cfg.tile(), cfg.chip, spatial, 1, 1).latency_cycles == latency);
        CHECK(run_chip(cfg.tile(), cfg.chip, flat, 1, 1).latency_cycles == latency);
    }
    // A batch at width 8: an image's 512 bits take 64 cycles, less than the array's 133
    // per MVM, so the array sets the pace: inference n's MVM starts at 64 + 133 n, and
    // its outputs leave 134 + 16 cycles later; the last of 4 at 64 + 399 + 150 = 613.
    ChipConfig cfg = hermes64(1, 1);
    cfg.chip.io_bits_per_cycle = 8;
    const ChipRunResult r = run_chip(cfg.tile(), cfg.chip, flat, 1, 4);
    REQUIRE(r.done_cycles.size() == 4);
    // done_cycles count from each inference's first input bit, at 64 n.
    CHECK(r.done_cycles[3] + 3 * 64 == 613);
}

TEST_CASE("chip: timing-only array energy follows the conductance the block programs", "[chip][energy]") {
    // A 64 -> 16 dense layer whose weights repeat 0, 0, 0, 4: mean |w| / max |w| = 1/4,
    // half the reference MVM's 1/2 (weights uniform in [-1, 1]). A timing-only MVM then
    // draws the reference array energy x (64 / 256 rows) x (16 / 256 columns) x 1/2;
    // inputs, drivers, ADCs and LDPU stay the reference's scaled to the cells used.
    const ChipConfig cfg = hermes64(1, 1);
    const MvmEnergy ref = cfg.tile().create()->reference_mvm_energy();
    const Network shapes = layer_list_net("input: {c: 64}\nlayers:\n  - {name: fc, type: dense, out: 16}\n");
    Network weighted;
    const int in = weighted.add_input("x", Shape{64, 1, 1});
    std::vector<float> w(64 * 16);
    for (std::size_t i = 0; i < w.size(); ++i) w[i] = i % 4 == 3 ? 4.0F : 0.0F;
    weighted.output = weighted.add_dense("fc", in, 16, w, std::vector<float>(16, 0.0F));
    const ChipRunResult a = run_chip(cfg.tile(), cfg.chip, shapes, 1, 1);
    const ChipRunResult b = run_chip(cfg.tile(), cfg.chip, weighted, 1, 1);
    CHECK(a.energy_pj.array == Approx(ref.array_pj * 64 / 256 * 16 / 256));
    CHECK(b.energy_pj.array == Approx(ref.array_pj * 64 / 256 * 16 / 256 * 0.5));
    CHECK(b.energy_pj.adc == Approx(a.energy_pj.adc));
    CHECK(b.energy_pj.pwm == Approx(a.energy_pj.pwm));
    CHECK_THAT(a.energy_activity, Catch::Contains("shapes-only"));
    CHECK_THAT(b.energy_activity, Catch::Contains("own weights"));
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

TEST_CASE("chip: at most inferences_in_flight inferences are on the chip, each timed from its first input bit",
          "[chip]") {
    // The 64 -> 16 dense layer above at width 8: an image takes 64 cycles to stream in,
    // the MVM 134 more (the array takes the next one 133 after the last), its 16
    // outputs 16 more: one inference alone is done 214 cycles after its first bit.
    const Network flat = layer_list_net("input: {c: 64}\nlayers:\n  - {name: fc, type: dense, out: 16}\n");
    ChipConfig cfg = hermes64(1, 1);
    cfg.chip.io_bits_per_cycle = 8;
    SECTION("one in flight: each inference starts when the one before has left, alone on the chip") {
        cfg.chip.inferences_in_flight = 1;
        const ChipRunResult r = run_chip(cfg.tile(), cfg.chip, flat, 1, 4);
        CHECK(r.done_cycles == std::vector<std::uint64_t>{214, 214, 214, 214});
        CHECK(r.batch_throughput_inferences_per_s == Approx(4 / (4 * 214e-9)));
    }
    SECTION("two in flight") {
        // 0: bits 0..64, MVM 64..197 (array), done 214.
        // 1: bits from 64 (the stream runs on), in at 128, array free at 197: done 197 + 134 + 16 = 347.
        // 2: held until 0 left at 214 (it would start at 128): in at 278, array free at 330: done 330 + 150 = 480.
        // 3: held until 1 left at 347 (it would start at 278): in at 411, array free at 463: done 463 + 150 = 613.
        cfg.chip.inferences_in_flight = 2;
        const ChipRunResult r = run_chip(cfg.tile(), cfg.chip, flat, 1, 4);
        CHECK(r.done_cycles == std::vector<std::uint64_t>{214, 347 - 64, 480 - 214, 613 - 347});
    }
    SECTION("a window as large as the batch, or none, holds nothing back: the array paces the batch") {
        for (int window : {0, 4}) {
            cfg.chip.inferences_in_flight = window;
            const ChipRunResult r = run_chip(cfg.tile(), cfg.chip, flat, 1, 4);
            CHECK(r.done_cycles[3] + 3 * 64 == 613);  // as in the test above
        }
    }
}
