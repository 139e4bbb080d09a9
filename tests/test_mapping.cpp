// Workload mapping: the YAML layer-list loader and the tile mapper, against
// hand-computed block counts and placements.
#include <catch2/catch.hpp>

#include <string>

#include "aimcsim/core/config.h"
#include "aimcsim/core/error.h"
#include "src/import/layer_list.h"
#include "src/mapping/mapper.h"
#include "tests/test_support.h"

using namespace aimcsim;

namespace {

Network parse_net(const std::string& yaml, std::uint64_t seed = 1) {
    return load_layer_list(ConfigNode::parse_yaml(yaml, "net.yaml"), seed);
}

const char* kSmallNet = R"(kind: layer_list
name: small
input: {c: 64, h: 8, w: 8}
layers:
  - {name: conv1, type: conv, out: 128, kernel: 3, pad: 1, relu: true}
  - {name: pool, type: maxpool, kernel: 2}
  - {name: conv2, type: conv, out: 300, kernel: 1}
  - {name: fc, type: dense, out: 10}
)";

}  // namespace

TEST_CASE("tile count of one layer", "[mapping]") {
    // Conv 3x3 64->128: 576 rows -> 3 row blocks x 1 column block.
    CHECK(tiles_for_matrix(3 * 3 * 64, 128, 256, 256) == 3);
    CHECK(tiles_for_matrix(256, 256, 256, 256) == 1);
    CHECK(tiles_for_matrix(257, 257, 256, 256) == 4);
    // Dense 784 -> 10: ceil(784/256) = 4.
    CHECK(tiles_for_matrix(784, 10, 256, 256) == 4);
    CHECK(tiles_for_matrix(4608, 512, 256, 256) == 36);
}

TEST_CASE("layer list builds the network with shapes and seeded weights", "[mapping]") {
    const Network net = parse_net(kSmallNet);
    CHECK(net.name == "small");
    // conv1, conv1_relu, pool, conv2, fc_flatten, fc.
    REQUIRE(net.layers.size() == 6);
    CHECK(net.layers[0].rows == 576);
    CHECK(net.layers[0].cols == 128);
    CHECK(net.layers[1].op == Op::Relu);
    CHECK(net.shape(net.layers[2].output) == Shape{128, 4, 4});
    CHECK(net.layers[3].rows == 128);
    CHECK(net.layers[3].cols == 300);
    CHECK(net.layers[5].rows == 300 * 16);
    CHECK(net.output_shape() == Shape{10, 1, 1});
    CHECK(net.layers[0].weights.size() == 576u * 128u);
    // Same seed, same weights; another seed, others.
    CHECK(parse_net(kSmallNet).layers[0].weights == net.layers[0].weights);
    CHECK(parse_net(kSmallNet, 2).layers[0].weights != net.layers[0].weights);
}

TEST_CASE("layer list errors name the file and line", "[mapping]") {
    CHECK_THROWS_WITH(
        parse_net("kind: layer_list\ninput: {c: 3, h: 8, w: 8}\nlayers:\n  - {name: a, type: cnv, out: 4}\n"),
        Catch::Contains("net.yaml:4") && Catch::Contains("did you mean 'conv'"));
    CHECK_THROWS_WITH(
        parse_net(
            "kind: layer_list\ninput: {c: 3, h: 8, w: 8}\nlayers:\n  - {name: a, type: conv, out: 4, kernal: 3}\n"),
        Catch::Contains("net.yaml:4") && Catch::Contains("kernal"));
    CHECK_THROWS_WITH(
        parse_net(
            "kind: layer_list\ninput: {c: 3, h: 8, w: 8}\nlayers:\n  - {name: a, type: add, inputs: [input, b]}\n"),
        Catch::Contains("no earlier layer named 'b'"));
    // Shape errors from the Network builders get the layer's position.
    CHECK_THROWS_WITH(
        parse_net(
            "kind: layer_list\ninput: {c: 3, h: 2, w: 2}\nlayers:\n  - {name: a, type: conv, out: 4, kernel: 5}\n"),
        Catch::Contains("net.yaml:4"));
}

TEST_CASE("tile map of a small network in snake order", "[mapping]") {
    const Network net = parse_net(kSmallNet);
    // conv1 576x128: 3x1; conv2 128x300: 1x2; fc 4800x10: 19x1. 24 tiles.
    CHECK(tiles_needed(net, 256, 256) == 24);
    const Mapping m = map_network(net, 256, 256, 4, 8);
    REQUIRE(m.tiles_used() == 24);
    REQUIRE(m.layers.size() == 3);
    CHECK(m.layers[0].row_blocks == 3);
    CHECK(m.layers[0].col_blocks == 1);
    CHECK(m.layers[1].row_blocks == 1);
    CHECK(m.layers[1].col_blocks == 2);
    CHECK(m.layers[2].row_blocks == 19);

    // conv1 on tiles 0,1,2 (row 0); conv2's column blocks on 3 and 4.
    CHECK(m.blocks[0].tile == 0);
    CHECK(m.blocks[2].tile == 2);
    CHECK(m.blocks[2].row_begin == 512);
    CHECK(m.blocks[2].rows == 64);
    CHECK(m.blocks[3].tile == 3);
    CHECK(m.blocks[3].cols == 256);
    CHECK(m.blocks[4].tile == 4);
    CHECK(m.blocks[4].col_begin == 256);
    CHECK(m.blocks[4].cols == 44);
    // fc starts at tile 5; snake: the 9th tile (k=8) is row 1, col 7 = tile 15.
    CHECK(m.blocks[5].tile == 5);
    CHECK(m.blocks[8].tile == 15);
    CHECK(m.blocks[8].grid_row == 1);
    CHECK(m.blocks[8].grid_col == 7);
    // Consecutive blocks are always grid neighbours.
    for (std::size_t i = 1; i < m.blocks.size(); ++i) CHECK(m.manhattan(m.blocks[i - 1].tile, m.blocks[i].tile) == 1);
    CHECK(m.block_of_tile[15] == 8);
    CHECK(m.block_of_tile[31] == -1);

    const long long cells = 576LL * 128 + 128LL * 300 + 4800LL * 10;
    CHECK(m.cells_used() == cells);
    CHECK(m.cell_utilization() == Approx(static_cast<double>(cells) / (24.0 * 65536)));
    CHECK(m.placement(3)->name == "conv2");
    CHECK(m.placement(1) == nullptr);
}

TEST_CASE("a network larger than the chip says how many tiles it needs", "[mapping]") {
    const Network net = parse_net(kSmallNet);
    CHECK_THROWS_AS(map_network(net, 256, 256, 4, 4), InputError);
    CHECK_THROWS_WITH(map_network(net, 256, 256, 4, 4),
                      Catch::Contains("needs 24 tiles") && Catch::Contains("4x4 = 16"));
}

TEST_CASE("failed tiles are skipped in snake order, and a network that no longer fits names them", "[mapping]") {
    const Network net = parse_net(kSmallNet);
    // 4x8 grid, snake order 0..7, 15..8, 16..23, 31..24. Tiles 1 and 14 failed: conv1's
    // three row blocks go to 0, 2, 3; conv2's two column blocks to 4, 5; fc's 19 blocks to
    // 6, 7, 15, 13 (14 skipped), 12, ...
    const Mapping m = map_network(net, 256, 256, 4, 8, {}, {14, 1});
    REQUIRE(m.tiles_used() == 24);
    CHECK(m.failed_tiles == std::vector<int>{1, 14});
    CHECK(m.blocks[0].tile == 0);
    CHECK(m.blocks[1].tile == 2);
    CHECK(m.blocks[2].tile == 3);
    CHECK(m.blocks[3].tile == 4);
    CHECK(m.blocks[4].tile == 5);
    CHECK(m.blocks[5].tile == 6);
    CHECK(m.blocks[7].tile == 15);
    CHECK(m.blocks[8].tile == 13);
    CHECK(m.blocks[8].grid_col == 5);
    for (const TileBlock& b : m.blocks) CHECK((b.tile != 1 && b.tile != 14));
    CHECK(m.block_of_tile[1] == -1);
    CHECK(m.block_of_tile[14] == -1);
    // 26 tiles, 24 needed: two more failures leave 22.
    CHECK_NOTHROW(map_network(net, 256, 256, 2, 13, {}, {3, 9}));
    CHECK_THROWS_WITH(map_network(net, 256, 256, 2, 13, {}, {3, 9, 20, 0}),
                      Catch::Contains("needs 24 tiles") && Catch::Contains("2x13 = 26 of which 4 failed") &&
                          Catch::Contains("chip.failed_tiles: 0, 3, 9, 20") && Catch::Contains("leaving 22") &&
                          Catch::Contains("at least 28 tiles"));
}

TEST_CASE("shipped layer-list workloads load and map", "[mapping]") {
    struct Case {
        const char* file;
        int tiles;
        int grid;
    };
    for (const Case& c : {Case{"workloads/resnet9_cifar10.yaml", 36, 8}, Case{"workloads/resnet32_cifar10.yaml", 62, 8},
                          Case{"workloads/mlp_mnist.yaml", 6, 8}, Case{"workloads/resnet18_imagenet.yaml", 201, 16}}) {
        INFO(c.file);
        const Network net = load_layer_list_file(test::source_path(c.file), 1);
        CHECK(tiles_needed(net, 256, 256) == c.tiles);
        const Mapping m = map_network(net, 256, 256, c.grid, c.grid);
        CHECK(m.tiles_used() == c.tiles);
    }
    const Network r18 = load_layer_list_file(test::source_path("workloads/resnet18_imagenet.yaml"), 1);
    CHECK(r18.output_shape() == Shape{1000, 1, 1});
    // 1.81 G MACs (the usual 1.8 GFLOPs figure counts MACs).
    CHECK(static_cast<double>(r18.macs_per_inference()) == Approx(1.814e9).epsilon(0.01));
    CHECK_THROWS_WITH(map_network(r18, 256, 256, 8, 8), Catch::Contains("needs 201 tiles"));
}
