// Chip set-ups shared by the hand-derived chip timeline tests: configs/hermes64.yaml's
// tile and link parameters on a grid of the test's size, and small layer-list networks.
//
// hermes64's timing, which the hand derivations use: the tile array takes the next
// MVM after 133 cycles (input load 1 + window 128 + readout 4); a result leaves the
// 128-lane LDPU 1 cycle later for blocks of <= 128 columns (134), 2 for more (135).
// Links: 32 bits/cycle, 2 cycles per hop: b bits over one hop arrive
// 2 + ceil(b / 32) cycles after they were sent.
#pragma once

#include <string>
#include <vector>

#include "aimcsim/core/config.h"
#include "aimcsim/network.h"
#include "src/chip/chip_params.h"
#include "src/import/layer_list.h"
#include "src/app/run_config.h"
#include "tests/test_support.h"

namespace test {

struct ChipConfig {
    aimcsim::ConfigNode root;  // the whole config, for the tile section and run_chip
    aimcsim::ChipParams chip;
    [[nodiscard]] aimcsim::TileConfig tile() const { return aimcsim::TileConfig::parse(root.at("tile")); }
};

// configs/hermes64.yaml with `overrides` ("key=value", applied in order) on a
// rows x cols grid.
inline ChipConfig hermes64_chip(int rows, int cols, const std::vector<std::string>& overrides = {}) {
    ChipConfig c;
    c.root = aimcsim::load_config_file(source_path("configs/hermes64.yaml"));
    for (const std::string& o : overrides) aimcsim::apply_override(c.root, o);
    c.chip = aimcsim::parse_chip_params(c.root.at("chip"));
    c.chip.rows = rows;
    c.chip.cols = cols;
    return c;
}

// A layer-list network from the `input:` and `layers:` YAML; weights "none" (timing
// only) or "random" (drawn from a fixed seed).
inline aimcsim::Network layer_list_net(const std::string& yaml, const std::string& weights = "none") {
    return aimcsim::load_layer_list(
        aimcsim::ConfigNode::parse_yaml("kind: layer_list\nweights: " + weights + "\n" + yaml, "net.yaml"), 3);
}

}  // namespace test
