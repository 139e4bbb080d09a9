// Layer replication: copies of a conv layer's blocks share out its output pixels
// (replica r computes the pixels o with o % copies == r). Mapping and a timeline
// derived by hand in cycles.
#include <catch2/catch.hpp>

#include <string>

#include "aimcsim/core/config.h"
#include "aimcsim/core/error.h"
#include "src/chip/chip_params.h"
#include "src/chip/chip_run.h"
#include "src/import/layer_list.h"
#include "src/mapping/mapper.h"
#include "tests/chip_test_support.h"
#include "tests/test_support.h"

using namespace aimcsim;

namespace {

ChipParams chip_with(const std::string& overrides, ConfigNode& root) {
    root = load_config_file(test::source_path("configs/hermes64.yaml"));
    apply_override(root, "chip.interconnect.model=ideal");
    std::size_t start = 0;
    while (start < overrides.size()) {
        const std::size_t end = overrides.find(';', start);
        apply_override(root, overrides.substr(start, end == std::string::npos ? std::string::npos : end - start));
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return parse_chip_params(root.at("chip"));
}

using test::layer_list_net;

const char* kConvDense =
    "input: {c: 4, h: 4, w: 4}\nlayers:\n  - {name: conv, type: conv, out: 16, kernel: 3, pad: 1}\n"
    "  - {name: fc, type: dense, out: 10}\n";

}  // namespace

TEST_CASE("replication: copies sit after the original in snake order and count in the tile total", "[replication]") {
    const Network net = layer_list_net(kConvDense);
    Replication rep;
    rep.copies = {3};  // layer 0 (conv): three copies
    const Mapping m = map_network(net, 256, 256, 2, 3, rep);
    REQUIRE(m.tiles_used() == 4);
    const LayerPlacement& conv = m.layers[0];
    CHECK(conv.replicas == 3);
    CHECK(conv.all_tiles() == 3);
    // Snake order on 2x3: tiles 0, 1, 2, then 5 (row 1 runs right to left).
    CHECK(m.blocks[0].tile == 0);
    CHECK(m.blocks[1].tile == 1);
    CHECK(m.blocks[1].replica == 1);
    CHECK(m.blocks[2].replica == 2);
    CHECK(m.blocks[3].tile == 5);
    CHECK(m.layers[1].first_block == 3);
    CHECK(conv.replica_of_pixel(7) == 1);
    // Too many copies: the chip has 6 tiles, this asks for 8 + 1.
    rep.copies = {8};
    CHECK_THROWS_WITH(map_network(net, 256, 256, 2, 3, rep), Catch::Contains("3 more tiles"));
    // Only conv layers can be replicated (layer 1 is the Flatten the layer list put before fc).
    REQUIRE(net.layers[2].name == "fc");
    rep.copies = {1, 1, 2};
    CHECK_THROWS_WITH(map_network(net, 256, 256, 2, 3, rep), Catch::Contains("'fc'") && Catch::Contains("only conv"));
}

TEST_CASE("replication: fill gives the free tiles to the conv layer with the most pixels per copy", "[replication]") {
    // conv (16 output pixels, 1 tile) and fc (256 rows, 1 tile) on 1x4: two free tiles, both
    // go to conv (16/1, then 16/2 pixels per copy; fc cannot be replicated).
    const Network net = layer_list_net(kConvDense);
    Replication rep;
    rep.fill = true;
    const Mapping m = map_network(net, 256, 256, 1, 4, rep);
    CHECK(m.layers[0].replicas == 3);
    CHECK(m.layers[1].replicas == 1);
    CHECK(m.tiles_used() == 4);
}

TEST_CASE("replication: two copies of a conv halve its pipeline, latency by hand", "[replication][chip]") {
    // A 1x1 conv with 32 outputs over 4 pixels on a 1x2 grid, ideal links (2 cycles
    // per hop + 1 cycle per 32-bit flit). Input pixels (32 bits) stream in at 64
    // bits/cycle: all their bits are at the controller's tile 0 at 1, 1, 2, 2.
    // Replica 0 (tile 0) has pixels 0 and 2: MVMs at 1 and 134 (the array is busy
    // 133 cycles), results 1 LDPU cycle later at 135 and 268, already at the
    // controller. Replica 1 (tile 1) has pixels 1 and 3, which arrive at 1 + 3 = 4 and
    // 2 + 3 = 5: MVMs at 4 and 137, results at 138 and 271, each 256 bits back to tile
    // 0 in 2 + 8 cycles: 148 and 281. Each result's 256 bits leave on the output
    // stream in 4 cycles: the last at 285. Without a copy: MVMs at 1, 134, 267, 400 on
    // tile 0, last result at 534, out at 538.
    const Network net =
        layer_list_net("input: {c: 4, h: 1, w: 4}\nlayers:\n  - {name: conv, type: conv, out: 32, kernel: 1}\n");
    ConfigNode root;
    ChipParams one = chip_with("chip.gdpus=0", root);
    one.rows = 1;
    one.cols = 2;
    CHECK(run_chip(TileConfig::parse(root.at("tile")), one, net, 1, 1).latency_cycles == 538);

    ChipParams two = chip_with("chip.gdpus=0;chip.replicate={conv: 2}", root);
    two.rows = 1;
    two.cols = 2;
    ChipRunOptions opts;
    opts.trace = true;
    const ChipRunResult r = run_chip(TileConfig::parse(root.at("tile")), two, net, opts);
    CHECK(r.latency_cycles == 285);
    CHECK(r.tile_mvms == 4);
    REQUIRE(r.layers.size() == 1);
    CHECK(r.layers[0].tiles == 2);
    CHECK(r.layers[0].replicas == 2);
    int on_tile1 = 0;
    for (const MvmSpan& s : r.spans) {
        if (s.tile != 1) continue;
        CHECK(s.out_pixel % 2 == 1);
        CHECK(s.start_cycle == (s.out_pixel == 1 ? 4u : 137u));
        ++on_tile1;
    }
    CHECK(on_tile1 == 2);
}

TEST_CASE("replication: functional copies compute the same network (exactly, with ideal devices)",
          "[replication][chip]") {
    // Ideal devices and ADCs draw nothing per tile, so copies are exact clones and the
    // replicated chip must reproduce the unreplicated one bit for bit: every pixel
    // computed once, by its copy, and routed to the right consumer. With PCM each
    // copy has its own programming noise, so the outputs differ.
    const Network net = load_layer_list(
        ConfigNode::parse_yaml("kind: layer_list\ninput: {c: 3, h: 6, w: 6}\nlayers:\n"
                               "  - {name: c1, type: conv, out: 16, kernel: 3, pad: 1, relu: true}\n"
                               "  - {name: c2, type: conv, out: 8, kernel: 3, pad: 1}\n"
                               "  - {name: pool, type: maxpool, kernel: 2}\n  - {name: fc, type: dense, out: 10}\n",
                               "net.yaml"),
        2);
    ChipRunOptions opts;
    opts.functional = true;
    opts.batch = 2;
    for (const char* device : {"ideal", "pcm"}) {
        // (The CCO ADC has per-tile mismatch too: the ideal case uses the ideal ADC.)
        const std::string tile = std::string(device) == "ideal"
                                     ? "tile.device={model: ideal};tile.adc={model: ideal, bits: 24, readout_cycles: 4}"
                                     : "tile.device={model: pcm}";
        ConfigNode root;
        ChipParams plain = chip_with(tile, root);
        plain.rows = 2;
        plain.cols = 3;
        const ChipRunResult a = run_chip(TileConfig::parse(root.at("tile")), plain, net, opts);
        ChipParams copies = chip_with(tile + ";chip.replicate={c1: 3, c2: 2}", root);
        copies.rows = 2;
        copies.cols = 3;
        const ChipRunResult b = run_chip(TileConfig::parse(root.at("tile")), copies, net, opts);
        REQUIRE(b.mapping.tiles_used() == 6);
        CHECK(b.tile_mvms == a.tile_mvms);
        CHECK(b.latency_cycles < a.latency_cycles);
        INFO("device " << device);
        if (std::string(device) == "ideal") {
            CHECK(b.outputs == a.outputs);
        } else {
            CHECK(b.outputs != a.outputs);
        }
    }
}

TEST_CASE("replication: a misspelled layer is a clear error", "[replication]") {
    const Network net = layer_list_net(kConvDense);
    ConfigNode root;
    const ChipParams chip = chip_with("chip.replicate={cnv: 2}", root);
    CHECK_THROWS_WITH(chip_replication(chip, net),
                      Catch::Contains("no layer 'cnv'") && Catch::Contains("did you mean 'conv'"));
    // Copies out of range are refused when the chip section is loaded, before any mapping.
    CHECK_THROWS_WITH(chip_with("chip.replicate={conv: 0}", root), Catch::Contains("[1, 1024]"));
}
