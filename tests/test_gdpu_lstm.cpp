// Global digital units (GDPUs) and the LSTM: the cell arithmetic against a
// hand computation, timelines derived by hand in cycles, and the functional chip
// against the batched numerics (bit-identical) and the float network.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <string>

#include "aimcsim/core/config.h"
#include "aimcsim/core/error.h"
#include "aimcsim/core/registry.h"
#include "aimcsim/core/rng.h"
#include "aimcsim/tile.h"
#include "src/functional/analog_network.h"
#include "src/chip/chip_params.h"
#include "src/chip/chip_run.h"
#include "src/import/layer_list.h"
#include "src/mapping/mapper.h"
#include "tests/chip_test_support.h"
#include "tests/test_support.h"

using namespace aimcsim;

namespace {

using test::ChipConfig;
using test::layer_list_net;

// hermes64's tile and links (timing in tests/chip_test_support.h) on a smaller grid.
ChipConfig hermes64(int rows, int cols, int gdpus, const std::string& topology = "ideal") {
    return test::hermes64_chip(rows, cols,
                               {"chip.interconnect.model=" + topology, "chip.gdpus=" + std::to_string(gdpus)});
}

double sigmoid(double v) { return 1.0 / (1.0 + std::exp(-v)); }

}  // namespace

TEST_CASE("lstm: two steps of a one-unit LSTM equal the hand-computed cell", "[lstm]") {
    // One feature, one hidden unit: rows [x, h], columns (i, f, g, o).
    Network net;
    const int in = net.add_input("x", Shape{1, 1, 2});
    const std::vector<float> w = {1.0f, 0.0f, 1.0f, 1.0f,   // x row
                                  0.0f, 0.0f, 2.0f, 0.0f};  // h row
    const std::vector<float> b = {0.0f, 0.5f, 0.0f, 0.0f};
    net.add_lstm("lstm", in, 1, w, b);
    REQUIRE(net.layers[0].rows == 2);
    REQUIRE(net.layers[0].cols == 4);
    CHECK(net.macs_per_inference() == 2u * 8u);
    const std::vector<float> y = forward_float(net, {1.0f, 0.5f});
    // t = 0: gates (1, 0.5, 1, 1) with h = c = 0.
    const double c0 = sigmoid(1.0) * std::tanh(1.0);
    const double h0 = sigmoid(1.0) * std::tanh(c0);
    // t = 1: x = 0.5: gates (0.5, 0.5, 0.5 + 2 h0, 0.5).
    const double c1 = sigmoid(0.5) * c0 + sigmoid(0.5) * std::tanh(0.5 + 2.0 * h0);
    const double h1 = sigmoid(0.5) * std::tanh(c1);
    REQUIRE(y.size() == 2);
    CHECK(y[0] == Approx(h0).epsilon(1e-6));
    CHECK(y[1] == Approx(h1).epsilon(1e-6));
}

TEST_CASE("lstm: a bad LSTM layer is an error naming the layer", "[lstm]") {
    CHECK_THROWS_WITH(layer_list_net("input: {c: 4, h: 2, w: 3}\nlayers:\n  - {name: rnn, type: lstm, hidden: 8}\n"),
                      Catch::Contains("rnn") && Catch::Contains("sequence"));
    CHECK_THROWS_WITH(layer_list_net("input: {c: 4, h: 1, w: 3}\nlayers:\n  - {name: rnn, type: lstm}\n"),
                      Catch::Contains("hidden"));
    // Without GDPUs there is nowhere to run the cell.
    const ChipConfig cfg = hermes64(1, 1, 0);
    const Network net = layer_list_net("input: {c: 4, h: 1, w: 3}\nlayers:\n  - {name: rnn, type: lstm, hidden: 4}\n");
    CHECK_THROWS_WITH(run_chip(cfg.tile(), cfg.chip, net, 1, 1), Catch::Contains("rnn") && Catch::Contains("gdpus"));
}

TEST_CASE("lstm: each step waits for the previous cell, latency by hand", "[lstm][chip]") {
    // 4 features, 4 hidden units: an 8 x 16 gate matrix on one tile; its GDPU on the
    // same router, so no packet crosses a link. Inputs (32 bits) stream in at 64
    // bits/cycle: all their bits are in at 1, 1, 2; the zero state with the first.
    // Step t starts when h_{t-1} is back: the MVM result 134 cycles later (16
    // columns), the cell takes ceil(16 gates / 16 lanes) = 1 cycle plus
    // lstm_cell_cycles = 4: h_0 at 1 + 139 = 140, h_1 at 279, h_2 at 418, i.e.
    // 1 + 3 x (134 + 1 + 4); h_2's 32 bits leave on the output stream in 1 cycle: 419.
    const ChipConfig cfg = hermes64(1, 1, 1);
    REQUIRE(cfg.chip.gdpu_lanes == 16);
    REQUIRE(cfg.chip.lstm_cell_cycles == 4);
    const Network net = layer_list_net("input: {c: 4, h: 1, w: 3}\nlayers:\n  - {name: rnn, type: lstm, hidden: 4}\n");
    ChipRunOptions opts;
    opts.trace = true;
    const ChipRunResult r = run_chip(cfg.tile(), cfg.chip, net, opts);
    CHECK(r.latency_cycles == 419);
    CHECK(r.tile_mvms == 3);
    REQUIRE(r.spans.size() == 3);
    CHECK(r.spans[1].start_cycle == 140);
    CHECK(r.spans[2].start_cycle == 279);
    REQUIRE(r.gdpu_spans.size() == 3);
    CHECK(r.gdpu_spans[0].start_cycle == 135);
    CHECK(r.gdpu_spans[0].end_cycle == 136);
    REQUIRE(r.gdpus.size() == 1);
    CHECK(r.gdpus[0].values == 3u * 16u);
    CHECK(r.gdpus[0].busy_cycles == 3);
}

TEST_CASE("lstm: functional chip equals the batched path bit for bit, and the float network with ideal numerics",
          "[lstm][chip][accuracy]") {
    // 300 features + 8 hidden = 308 rows: two row blocks, the first holding only x
    // rows (it runs ahead of the recurrence), the second x and h rows; then a per-step decoder.
    const Network net = layer_list_net("input: {c: 300, h: 1, w: 5}\nlayers:\n  - {name: rnn, type: lstm, hidden: 8}\n"
                                       "  - {name: decoder, type: conv, out: 10, kernel: 1}\n",
                                       "random");
    std::vector<std::vector<float>> inputs;
    for (int n = 0; n < 3; ++n) {
        Rng rng(5, Stream::Inputs, {static_cast<std::uint64_t>(n)});
        std::vector<float> x(net.input_shape().size());
        for (float& v : x) v = static_cast<float>(rng.uniform());
        inputs.push_back(std::move(x));
    }
    ChipRunOptions opts;
    opts.functional = true;
    opts.batch = 3;
    opts.inputs = inputs;
    opts.seed = 9;
    opts.t_inference_s = 3600.0;
    opts.first_image = 40;

    ChipConfig pcm = hermes64(2, 2, 2, "hermes");
    apply_override(pcm.root, "tile.device={model: pcm}");
    const ChipRunResult r = run_chip(pcm.tile(), pcm.chip, net, opts);
    REQUIRE(r.mapping.layers[0].row_blocks == 2);
    REQUIRE(r.outputs.size() == 3);
    const std::unique_ptr<TileModel> probe = pcm.tile().create();
    const Mapping map = map_network(net, probe->rows(), probe->cols(), pcm.chip.rows, pcm.chip.cols);
    AnalogNetwork analog(net, map, pcm.tile(), opts.seed, inputs, 1.0, 1);
    analog.set_time(opts.t_inference_s);
    for (int n = 0; n < 3; ++n) {
        INFO("inference " << n);
        CHECK(test::identical(r.outputs[static_cast<std::size_t>(n)],
                              analog.forward(inputs[static_cast<std::size_t>(n)], 40 + n, true)));
    }

    // Ideal device and a 24-bit ideal ADC: only the 8-bit input quantisation is left.
    ChipConfig ideal = hermes64(2, 2, 2, "hermes");
    apply_override(ideal.root, "tile.device={model: ideal}");
    apply_override(ideal.root, "tile.adc={model: ideal, bits: 24, readout_cycles: 4}");
    const ChipRunResult f = run_chip(ideal.tile(), ideal.chip, net, opts);
    for (int n = 0; n < 3; ++n) {
        const std::vector<float> ref = forward_float(net, inputs[static_cast<std::size_t>(n)]);
        const std::vector<float>& out = f.outputs[static_cast<std::size_t>(n)];
        REQUIRE(out.size() == ref.size());
        const double error = test::relative_rms_error(out, ref);
        INFO("inference " << n << " relative rms error " << error);
        CHECK(error < 0.03);
    }
}

TEST_CASE("gdpu: pooling on a GDPU costs its occupancy, and one hop away two packet trips", "[gdpu][chip]") {
    // A 1x1 conv with 32 outputs over 2x2 pixels, then a 2x2 max pool. Input pixels
    // (32 bits at 64 bits/cycle) are in at 1, 1, 2, 2; the conv MVMs start at 1, 134,
    // 267, 400 (the array is busy 133 cycles), so the last result is ready at 400 + 134
    // = 534. The pooled pixel's 32 values (256 bits) leave on the output stream in 4
    // cycles.
    const Network net =
        layer_list_net("input: {c: 4, h: 2, w: 2}\nlayers:\n  - {name: conv, type: conv, out: 32, kernel: 1}\n"
                       "  - {name: pool, type: maxpool, kernel: 2}\n");
    // No GDPU: pooled at the tile, pool_cycles = 2 later: 536, out at 540.
    const ChipConfig none = hermes64(1, 1, 0);
    REQUIRE(none.chip.pool_cycles == 2);
    CHECK(run_chip(none.tile(), none.chip, net, 1, 1).latency_cycles == 540);
    // A GDPU on the same router: 32 values at 16 lanes occupy it 2 cycles: 538, out at 542.
    const ChipConfig same = hermes64(1, 1, 1);
    const ChipRunResult r1 = run_chip(same.tile(), same.chip, net, 1, 1);
    CHECK(r1.latency_cycles == 542);
    REQUIRE(r1.gdpus.size() == 1);
    CHECK(r1.gdpus[0].values == 32);
    CHECK(r1.gdpus[0].busy_cycles == 2);
    // 1x2 grid: the GDPU sits at tile 1, the conv on tile 0. Each conv pixel (256
    // bits = 8 flits) arrives 2 + 8 cycles later: the last at 544; pooled at
    // 544 + 2 + 2 = 548; the result travels back to the controller's tile: 558; out at 562.
    const ChipConfig apart = hermes64(1, 2, 1);
    REQUIRE(apart.chip.gdpu_tile(0) == 1);
    const ChipRunResult r2 = run_chip(apart.tile(), apart.chip, net, 1, 1);
    CHECK(r2.latency_cycles == 562);
    CHECK(r2.net_totals.packets == 4 + 4 + 1);  // inputs (0 hops), conv -> GDPU, GDPU -> controller
    // Eight GDPUs on 8x8: one per grid row, in column 4.
    const ChipConfig big = hermes64(8, 8, 8);
    for (int g = 0; g < 8; ++g) CHECK(big.chip.gdpu_tile(g) == g * 8 + 4);
}

TEST_CASE("gdpu: a busy GDPU makes the next operation wait", "[gdpu][chip]") {
    // A conv with 256 outputs over two pixels, then a 1x1 max pool (one GDPU op per
    // pixel). With one lane an op occupies the GDPU 256 cycles, but the conv results
    // come 133 cycles apart (136 and 269: the inputs, 32 bits each, are both in at 1,
    // MVMs at 1 and 134): the second op waits 256 - 133 = 123 cycles.
    const Network net =
        layer_list_net("input: {c: 4, h: 1, w: 2}\nlayers:\n  - {name: conv, type: conv, out: 256, kernel: 1}\n"
                       "  - {name: pool, type: maxpool, kernel: 1}\n");
    ChipConfig cfg = hermes64(1, 1, 1);
    cfg.chip.gdpu_lanes = 1;
    const ChipRunResult r = run_chip(cfg.tile(), cfg.chip, net, 1, 1);
    REQUIRE(r.gdpus.size() == 1);
    CHECK(r.gdpus[0].queue_cycles == 256 - 133);
    CHECK(r.gdpus[0].busy_cycles == 2 * 256);
    // Pixel 0's result at 136 is pooled over 136..392; pixel 1's at 269 waits to 392
    // and is pooled over 392..648, ready 2 cycles later: 650; its 256 values (2048
    // bits) leave on the output stream in 32 cycles: 682.
    CHECK(r.latency_cycles == 682);
}
