// Transformers on the chip (issue 15): hand-derived GDPU cycles of a tiny attention
// block, the matmul units' speed-up by the ratio of their MAC rates, shared weights
// (ALBERT) mapped once, a too-small chip's error, and the functional chip's values
// of an encoder layer (GELU or ReLU FFN, digital ops in float32 or fixed point)
// bit-identical to the batched path's (AnalogNetwork).
//
// The block: one self-attention layer, width 64, 2 heads (d = 32), 4 tokens, on a
// 4x4 grid with hermes64's GDPUs (16 lanes, lookup 4 cycles) and chip.gdpu's defaults
// (16 MACs per cycle, 0.25 pJ per MAC). Per head and per query token (hand-derived):
//   Q K^T row: d x T = 32 x 4 = 128 MACs -> ceil(128 / 16) = 8 cycles;
//   scale (x 1/sqrt d): a pass over 4 values -> 1 cycle;
//   softmax over T = 4: running max pass 1, then max tree log2(16) = 4, exp pass 1,
//     lookup 4, sum tree 4, 1/sum lookup 4, normalisation pass 1 = 18 -> 19 cycles;
//   A V row: T x d = 4 x 32 = 128 MACs -> 8 cycles;
// and per head K^T is gathered and rewritten in one pass over 4 x 32 values -> 8 cycles.
// Over 2 heads x 4 tokens: MatMul 2 x 2 x 4 x 8 = 128 cycles, SoftmaxLast 2 x 4 x 19 =
// 152, Binary 2 x 4 x 1 = 8, Transpose 2 x 8 = 16; 2 x 2 x 4 x 128 = 2048 MACs.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>
#include <string>

#include "aimcsim/core/error.h"
#include "aimcsim/random_streams.h"
#include "src/chip/chip_run.h"
#include "src/functional/analog_network.h"
#include "src/import/onnx_import.h"
#include "src/mapping/mapper.h"
#include "tests/chip_test_support.h"

using namespace aimcsim;

namespace {

const std::string kAttention = "input: {c: 1, h: 4, w: 64}\nlayers:\n  - {name: attn, type: attention, heads: 2}\n";

// A BERT-like stack of 12 encoder layers of width 64 (2 heads, FFN 128) on 4 tokens:
// 6 tiles of 256x256 per layer (q, k, v, out, fc1, fc2 one tile each).
std::string encoders(bool shared) {
    std::string y = "input: {c: 1, h: 4, w: 64}\nlayers:\n";
    for (int i = 1; i <= 12; ++i) {
        y += "  - {name: enc" + std::to_string(i) + ", type: encoder, heads: 2, ffn: 128";
        if (shared && i > 1) y += ", shares: enc1";
        y += "}\n";
    }
    return y;
}

std::uint64_t busy_by_op(const ChipRunResult& r, Op op) {
    std::uint64_t c = 0;
    for (const GdpuStats& g : r.gdpus) c += g.busy_cycles_by_op.at(static_cast<std::size_t>(op));
    return c;
}

}  // namespace

TEST_CASE("attention on the GDPUs takes the hand-derived cycles per op", "[transformer_chip]") {
    const test::ChipConfig c = test::hermes64_chip(4, 4);
    const ChipRunResult r = run_chip(c.tile(), c.chip, test::layer_list_net(kAttention), 1, 1);
    CHECK(busy_by_op(r, Op::MatMul) == 128);
    CHECK(busy_by_op(r, Op::SoftmaxLast) == 152);
    CHECK(busy_by_op(r, Op::Binary) == 8);
    CHECK(busy_by_op(r, Op::Transpose) == 16);
    std::uint64_t macs = 0, buffered = 0;
    for (const GdpuStats& g : r.gdpus) {
        macs += g.macs;
        buffered += g.buffer_values;
    }
    CHECK(macs == 2048);
    // Each head's unit keeps K^T (32 x 4) and V (4 x 32): 2 x 2 x 128 values.
    CHECK(buffered == 512);
    // Energy of the products: 2048 MACs x 0.25 pJ, charged to the MatMul layers.
    double matmul_pj = 0;
    for (const LayerResult& l : r.layers) {
        if (l.op == "MatMul") matmul_pj += l.energy_pj;
    }
    CHECK(matmul_pj == Approx(2048 * 0.25));
}

TEST_CASE("matmul units run attention's products faster by their MAC rate", "[transformer_chip]") {
    // 256 MACs per cycle: a 128-MAC row takes 1 cycle instead of the GDPU's 8.
    const test::ChipConfig g = test::hermes64_chip(4, 4);
    const test::ChipConfig m =
        test::hermes64_chip(4, 4, {"chip.matmul_unit.count=2", "chip.attention=matmul_unit"});
    const Network net = test::layer_list_net(kAttention);
    const ChipRunResult rg = run_chip(g.tile(), g.chip, net, 1, 1);
    const ChipRunResult rm = run_chip(m.tile(), m.chip, net, 1, 1);
    CHECK(busy_by_op(rm, Op::MatMul) == 0);
    std::uint64_t busy = 0, macs = 0, rows = 0;
    for (const MatmulUnitStats& u : rm.matmul_units) {
        busy += u.busy_cycles;
        macs += u.macs;
        rows += u.rows;
    }
    CHECK(rows == 16);
    CHECK(macs == 2048);
    CHECK(busy_by_op(rg, Op::MatMul) == 8 * busy);  // 128 vs 16 cycles
    // Each head's Q K^T and A V on one unit: 0.08 pJ per MAC there.
    double matmul_pj = 0;
    for (const LayerResult& l : rm.layers) {
        if (l.op == "MatMul") matmul_pj += l.energy_pj;
    }
    CHECK(matmul_pj == Approx(2048 * 0.08));
    CHECK(rm.latency_cycles < rg.latency_cycles);
}

TEST_CASE("shared encoder weights are mapped once and run 12 times", "[transformer_chip]") {
    const Network bert = test::layer_list_net(encoders(false));
    const Network albert = test::layer_list_net(encoders(true));
    CHECK(tiles_needed(bert, 256, 256) == 72);
    CHECK(tiles_needed(albert, 256, 256) == 6);  // 1/12 of BERT's
    const Mapping mb = map_network(bert, 256, 256, 9, 9);
    const Mapping ma = map_network(albert, 256, 256, 9, 9);
    CHECK(mb.tiles_used() == 72);
    CHECK(ma.tiles_used() == 6);
    CHECK(ma.blocks.size() == 72);  // every layer has its blocks, on the shared tiles

    const test::ChipConfig c = test::hermes64_chip(3, 3);
    const ChipRunResult r = run_chip(c.tile(), c.chip, albert, 1, 1);
    CHECK(r.mapping.tiles_used() == 6);
    // Every layer's 4 tokens ran on the shared tiles: 12 x 6 x 4 MVMs.
    CHECK(r.tile_mvms == 12 * 6 * 4);
}

TEST_CASE("a chip too small for the encoders names the tiles needed", "[transformer_chip]") {
    const test::ChipConfig c = test::hermes64_chip(8, 8);
    try {
        (void)run_chip(c.tile(), c.chip, test::layer_list_net(encoders(false)), 1, 1);
        FAIL("expected an InputError");
    } catch (const InputError& e) {
        CHECK_THAT(e.what(), Catch::Contains("needs 72 tiles"));
    }
}

namespace {

// Runs `net` functionally on the chip (PCM noise, batch 2, images 40 and 41) and checks
// each output bit for bit against AnalogNetwork::forward with the same digital_bits.
void check_chip_matches_batched_path(const test::ChipConfig& c, const Network& net, int digital_bits) {
    std::vector<std::vector<float>> inputs;
    for (int n = 0; n < 2; ++n) {
        Rng rng(5, Stream::Inputs, {static_cast<std::uint64_t>(n)});
        std::vector<float> x(net.input_shape().size());
        for (float& v : x) v = static_cast<float>(2.0 * rng.uniform() - 1.0);
        inputs.push_back(std::move(x));
    }
    const std::uint64_t seed = 7;
    const std::unique_ptr<TileModel> probe = c.tile().create();
    const Mapping map = map_network(net, probe->rows(), probe->cols(), c.chip.rows, c.chip.cols);
    AnalogNetwork analog(net, map, c.tile(), seed, inputs, 1.0, 1);
    analog.set_time(3600.0);
    analog.set_digital_bits(digital_bits);

    ChipRunOptions opts;
    opts.seed = seed;
    opts.batch = 2;
    opts.functional = true;
    opts.t_inference_s = 3600.0;
    opts.threads = 1;
    opts.inputs = inputs;
    opts.calibration = inputs;
    opts.first_image = 40;
    opts.digital_bits = digital_bits;
    const ChipRunResult r = run_chip(c.tile(), c.chip, net, opts);
    REQUIRE(r.outputs.size() == 2);
    for (int n = 0; n < 2; ++n) {
        const std::vector<float> ref = analog.forward(inputs[static_cast<std::size_t>(n)], 40 + n, true);
        REQUIRE(ref.size() == r.outputs[static_cast<std::size_t>(n)].size());
        CHECK(std::memcmp(ref.data(), r.outputs[static_cast<std::size_t>(n)].data(), ref.size() * sizeof(float)) == 0);
    }
}

}  // namespace

TEST_CASE("a functional chip computes an encoder layer as the batched path does, bit for bit", "[transformer_chip]") {
    // One encoder layer (attention, residual add, LayerNorm, FFN with GELU, add, LayerNorm),
    // random weights, PCM noise: the chip's token-by-token values against AnalogNetwork::forward,
    // in float32 and with the digital ops rounded to 8 and 12 bits of fixed point.
    const test::ChipConfig c = test::hermes64_chip(4, 4, {"tile.device={model: pcm}"});
    const Network net = test::layer_list_net(
        "input: {c: 1, h: 4, w: 64}\nlayers:\n  - {name: enc, type: encoder, heads: 2, ffn: 128}\n", "random");
    for (int bits : {0, 8, 12}) {
        INFO("digital_bits " << bits);
        check_chip_matches_batched_path(c, net, bits);
    }
    // PyTorch's encoder with a ReLU FFN: the ReLU runs token by token in the LDPUs.
    const Network relu = load_onnx(test::source_path("tests/transformer/encoder_pre_relu.onnx"));
    for (int bits : {0, 8}) {
        INFO("ReLU encoder, digital_bits " << bits);
        check_chip_matches_batched_path(c, relu, bits);
    }
}

TEST_CASE("digital_bits moves an encoder's output by about its rounding step", "[transformer_chip]") {
    // The same analog network, digital ops at 8 bits against float32: the outputs differ
    // (the rounding is applied), by far less than the output's scale (LayerNorm: order 1).
    const test::ChipConfig c = test::hermes64_chip(4, 4);
    const Network net = load_onnx(test::source_path("tests/transformer/encoder_post_relu.onnx"));
    std::vector<float> x(net.input_shape().size());
    Rng rng(3, Stream::Inputs, {0});
    for (float& v : x) v = static_cast<float>(2.0 * rng.uniform() - 1.0);
    const std::unique_ptr<TileModel> probe = c.tile().create();
    const Mapping map = map_network(net, probe->rows(), probe->cols(), c.chip.rows, c.chip.cols);
    AnalogNetwork analog(net, map, c.tile(), 1, {x}, 1.0, 1);
    analog.set_time(3600.0);
    const std::vector<float> exact = analog.forward(x, 0, true);
    analog.set_digital_bits(8);
    const std::vector<float> rounded = analog.forward(x, 0, true);
    double diff2 = 0, ref2 = 0;
    for (std::size_t i = 0; i < exact.size(); ++i) {
        diff2 += (rounded[i] - exact[i]) * (rounded[i] - exact[i]);
        ref2 += exact[i] * exact[i];
    }
    // Post-norm: the output is a LayerNorm (rms 1 before its affine), rounded at 8 bits to a
    // step of max|y| / 128 or finer, after rounded attention and residual adds: a few % at most.
    INFO("relative rms " << std::sqrt(diff2 / ref2));
    CHECK(diff2 > 0.0);
    CHECK(std::sqrt(diff2 / ref2) < 0.1);
}

TEST_CASE("PyTorch's ONNX encoder layers and ViT run on the chip, ReLU FFNs token by token",
          "[transformer][chip]") {
    const test::ChipConfig c = test::hermes64_chip(8, 8);
    // GELU and ReLU encoders (residual adds of two token tensors) and the ViT (patch conv,
    // class token, position embedding): every inference finishes, each token of a Linear
    // layer one MVM per block of it. The tiny ViT's first Linear (8 -> 24, one block) sees 5 tokens.
    for (const char* name :
         {"encoder_pre_gelu", "encoder_post_gelu", "encoder_pre_relu", "encoder_post_relu", "vit_tiny"}) {
        INFO(name);
        const Network net = load_onnx(test::source_path(std::string("tests/transformer/") + name + ".onnx"));
        const ChipRunResult r = run_chip(c.tile(), c.chip, net, 1, 2);
        CHECK(r.done_cycles.size() == 2);
        // Every matrix here fits one 256x256 block: a Conv runs one MVM per output pixel,
        // a Linear one per token (c x h of its {c, h, w} output).
        std::uint64_t mvms = 0;
        for (const Layer& l : net.layers) {
            const Shape& o = net.shape(l.output);
            if (l.op == Op::Conv) mvms += static_cast<std::uint64_t>(o.h) * o.w;
            if (l.op == Op::Linear) mvms += static_cast<std::uint64_t>(o.c) * o.h;
        }
        CHECK(mvms > 0);
        CHECK(r.tile_mvms == 2 * mvms);
    }
    // A CNN op other than ReLU on tokens is still refused, naming the layer.
    Network sig;
    sig.name = "sigmoid_on_tokens";
    const int x = sig.add_input("x", {1, 4, 8});
    const int y = sig.add_linear("fc", x, 8, std::vector<float>(64, 0.1F), std::vector<float>(8, 0.0F));
    sig.add_unary("sig", y, Unary{UnaryKind::Sigmoid});
    sig.output = sig.layers.back().output;
    CHECK_THROWS_WITH(run_chip(c.tile(), c.chip, sig, 1, 1), Catch::Contains("sig") && Catch::Contains("token sequence"));
}
