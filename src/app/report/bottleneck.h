// What limits a chip run, read from its counters once for report.txt and
// report.html: the resource whose busy time per inference bounds the throughput
// (a weight layer's busiest tile, a GDPU, the busiest link), the layer that takes
// most of the latency, and how much of the energy is static power, why, and
// which config knob would change it.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "src/chip/chip_run.h"

namespace aimcsim {

// The static power of the run's chip, which the result does not carry.
struct StaticPower {
    double tile_mw = 0;               // one tile (tile model's static power)
    double chip_mw = 0;               // outside the tiles (chip.static_power_mw)
    bool unused_tiles_gated = false;  // chip.power_gate_unused_tiles
};

// A resource and its busy time per inference: no steady stream is faster than
// one inference per busy_ns_per_inference.
struct Resource {
    std::string kind;  // "layer", "gdpu", "link"
    std::string name;  // "conv1 on 1 tile", "gdpu 3 at (3,4)", "busiest link"
    std::string why;   // "784 MVMs per inference on each tile, one after another, 133 ns each"
    double busy_ns_per_inference = 0;
};

struct Bottleneck {
    std::vector<Resource> resources;       // busiest first
    double measured_ns_per_inference = 0;  // 1 / throughput
    std::string latency_layer;             // the layer with the longest first-input-to-last-output span
    double latency_layer_ns = 0, latency_ns = 0;
    std::string latency_why;
    double static_share = 0;  // static / total energy
    double static_mw = 0;
    int tiles = 0, tiles_used = 0;
    // Knobs and what they would give, in this run's figures.
    std::string replicated_layer;            // the limiting conv layer that copies would speed up
    std::string replicate_knob;              // "chip.replicate: {conv1: 8}" (empty: no free tiles, or not a conv layer)
    double replicated_ns_per_inference = 0;  // the bound after that replication
    double gated_static_mw = 0;              // static power with the unused tiles power-gated
    std::vector<std::string> lines;          // the section as sentences, for report.txt and report.html
};

[[nodiscard]] Bottleneck find_bottleneck(const ChipRunResult& r, const StaticPower& power);

// "bottleneck:" and one indented line per sentence.
[[nodiscard]] std::string bottleneck_text(const Bottleneck& b);

// The section for report.html's script.
[[nodiscard]] nlohmann::json bottleneck_json(const Bottleneck& b);

}  // namespace aimcsim
