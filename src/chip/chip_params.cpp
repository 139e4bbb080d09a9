#include "src/chip/chip_params.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace aimcsim {

namespace {

ParamSchema gdpu_schema() {
    ParamSchema s;
    s.integer("macs_per_cycle", 16, "MACs/cycle",
              "assumed (unpublished): multiply-accumulates of two activations per cycle (Q K^T, A V), one per lane")
        .range(1, 65536);
    s.real("energy_pj_per_mac", 0.25, "pJ", "assumed: one 8-bit multiply-accumulate of two activations on a GDPU lane")
        .at_least(0);
    s.integer("matmul_cycles", 2, "cycles", "assumed: accumulator drain after an output row's products").at_least(0);
    s.integer("gelu_cycles", 4, "cycles", "assumed: latency of the GELU lookup pipeline after a pass").at_least(0);
    s.integer("layernorm_cycles", 4, "cycles", "assumed: latency of the 1/sqrt(var + eps) lookup of a LayerNorm")
        .at_least(0);
    return s;
}

ParamSchema matmul_unit_schema() {
    ParamSchema s;
    s.integer("count", 0, "units", "dedicated digital matmul units on the chip (0: none)").range(0, 4096);
    s.integer("macs_per_cycle", 256, "MACs/cycle", "assumed: multiply-accumulates per cycle (16x16 MAC array)")
        .range(1, 1 << 20);
    s.real("energy_pj_per_mac", 0.08, "pJ", "assumed: one 8-bit multiply-accumulate with its operand movement")
        .at_least(0);
    s.integer("latency_cycles", 16, "cycles", "assumed: array drain after an output row's last MAC").at_least(0);
    return s;
}

}  // namespace

ParamSchema chip_schema() {
    ParamSchema s;
    s.integer("rows", 8, "tiles", "rows of the tile grid").range(1, 1024);
    s.integer("cols", 8, "tiles", "columns of the tile grid").range(1, 1024);
    s.real("static_power_mw", 0.0, "mW", "chip-level static power besides the tiles' own (clock tree, I/O, control)")
        .at_least(0);
    s.real("other_area_mm2", 0.0, "mm2",
           "silicon outside the tiles (GDPUs, I/O, clocking) counted in chip.area_mm2; 0 counts the tiles only, "
           "as the published 64-core TOPS/mm2 does")
        .at_least(0);
    s.boolean("power_gate_unused_tiles", false, "tiles the mapping leaves empty are power-gated (no static power)");
    s.integer("activation_bits", 8, "bit", "bits per activation sent between tiles").range(1, 32);
    s.integer("psum_bits", 16, "bit", "bits per partial sum sent between the tiles of a row-split layer").range(1, 64);
    s.integer("psum_add_cycles", 2, "cycles", "adding one vector of partial sums (LDPU of the first row block)")
        .at_least(0);
    s.real("psum_add_energy_pj", 0.5, "pJ", "energy per partial-sum value added").at_least(0);
    s.integer("pool_cycles", 2, "cycles", "one max/avg-pooled output pixel, at the tile that produced the input")
        .at_least(0);
    s.integer("add_cycles", 2, "cycles", "one residual-add output pixel").at_least(0);
    s.integer("gap_cycles", 2, "cycles", "global average pooling, after its last input pixel").at_least(0);
    s.real("digital_energy_pj", 0.5, "pJ", "energy per value of pooling, residual add and GAP").at_least(0);
    s.integer("gdpus", 8, "",
              "global digital processing units (pooling, residual add, GAP, LSTM cell, softmax); 0: pooling, add, GAP "
              "and softmax run at the producing tile")
        .range(0, 1024);
    s.integer("gdpu_lanes", 16, "values/cycle", "values one GDPU processes per cycle").range(1, 4096);
    s.integer("lstm_cell_cycles", 4, "cycles", "LSTM cell latency on a GDPU after the last gate arrived").at_least(0);
    s.integer("softmax_cycles", 4, "cycles",
              "assumed (unpublished) latency of the GDPU's lookup pipeline, which a softmax waits for twice: for the "
              "last exp before the sum, for 1/sum before normalising")
        .at_least(0);
    s.integer("io_tile", 0, "", "tile whose router the controller uses for inputs and outputs").at_least(0);
    s.integer("io_bits_per_cycle", 64, "bit/cycle",
              "width of the controller's input and output streams (bits per cycle each way)")
        .at_least(1);
    s.integer("inferences_in_flight", 16, "",
              "inferences on the chip at once: the controller starts streaming inference n once inference n - this "
              "has left (its latency counts from then), so a batch of any size needs the memory of this many; 0: no "
              "limit, every input streams in at io_bits_per_cycle and waits in unbounded buffers")
        .at_least(0);
    s.section("replicate",
              "copies of conv layers, {layer name: copies}: each copy computes every copies-th output pixel");
    s.reals("failed_tiles", {}, "tile ids",
            "tile ids (row x cols + col) whose analog core failed, as a list: the mapper gives them no block "
            "(default: none; the 64-core chip programs >99% of cells on 63 of 64 cores, 98.4% on the worst)");
    s.boolean("replicate_fill", false,
              "fill the free tiles with copies of the conv layers that have the most output pixels per copy");
    s.string("placement", "snake",
             "where the blocks go: snake (grid in snake order, layer after layer) or traffic (snake improved by a "
             "deterministic local search for the fewest bits x hops per inference between communicating blocks, GDPUs "
             "and the I/O port)")
        .choices({"snake", "traffic"});
    s.section("gdpu", "GDPU transformer work: products of two activations, GELU, LayerNorm", gdpu_schema());
    s.string("attention", "gdpu",
             "where attention's products of two activations (Q K^T, A V) run: gdpu (the GDPUs) or matmul_unit "
             "(the dedicated units of matmul_unit:)")
        .choices({"gdpu", "matmul_unit"});
    s.section("matmul_unit", "dedicated digital matmul units (chip.attention: matmul_unit)", matmul_unit_schema());
    s.section("interconnect", "topology (`model: hermes|mesh2d|ideal`) and link parameters",
              ModelConfig<Topology>::resolver());
    return s;
}

namespace {

std::string significant_text(double v) {
    std::ostringstream s;
    s << v;
    return s.str();
}

// `failed_tiles: [3, 17]`: distinct whole tile ids inside the grid.
std::vector<int> failed_tile_ids(const Params& p, int tiles) {
    std::vector<int> ids;
    for (double v : p.reals("failed_tiles")) {
        if (v != std::floor(v) || v < 0 || v >= tiles)
            throw p.error("failed_tiles", "tile " + significant_text(v) + " is not a tile id of the " +
                                              std::to_string(tiles) + "-tile grid (0.." + std::to_string(tiles - 1) +
                                              ")");
        const int id = static_cast<int>(v);
        if (std::find(ids.begin(), ids.end(), id) != ids.end())
            throw p.error("failed_tiles", "tile " + std::to_string(id) + " is listed twice");
        ids.push_back(id);
    }
    return ids;
}

}  // namespace

ChipParams parse_chip_params(const ConfigNode& chip) {
    const Params p = chip_schema().parse(chip, {});
    ChipParams c;
    c.rows = static_cast<int>(p.integer("rows"));
    c.cols = static_cast<int>(p.integer("cols"));
    c.static_power_mw = p.real("static_power_mw");
    c.other_area_mm2 = p.real("other_area_mm2");
    c.power_gate_unused_tiles = p.flag("power_gate_unused_tiles");
    c.activation_bits = static_cast<int>(p.integer("activation_bits"));
    c.psum_bits = static_cast<int>(p.integer("psum_bits"));
    c.psum_add_cycles = static_cast<int>(p.integer("psum_add_cycles"));
    c.psum_add_energy_pj = p.real("psum_add_energy_pj");
    c.pool_cycles = static_cast<int>(p.integer("pool_cycles"));
    c.add_cycles = static_cast<int>(p.integer("add_cycles"));
    c.gap_cycles = static_cast<int>(p.integer("gap_cycles"));
    c.digital_energy_pj = p.real("digital_energy_pj");
    c.gdpus = static_cast<int>(p.integer("gdpus"));
    c.gdpu_lanes = static_cast<int>(p.integer("gdpu_lanes"));
    c.lstm_cell_cycles = static_cast<int>(p.integer("lstm_cell_cycles"));
    c.softmax_cycles = static_cast<int>(p.integer("softmax_cycles"));
    c.io_tile = static_cast<int>(p.integer("io_tile"));
    c.io_bits_per_cycle = static_cast<int>(p.integer("io_bits_per_cycle"));
    c.inferences_in_flight = static_cast<int>(p.integer("inferences_in_flight"));
    if (c.io_tile >= c.tiles())
        throw p.error("io_tile", "io_tile " + std::to_string(c.io_tile) + " is outside the " +
                                     std::to_string(c.tiles()) + "-tile grid");
    c.interconnect = p.resolved<ModelConfig<Topology>>("interconnect");
    const Params g = p.sub("gdpu");
    c.gdpu.lanes = c.gdpu_lanes;
    c.gdpu.energy_pj_per_value = c.digital_energy_pj;
    c.gdpu.lookup_cycles = c.softmax_cycles;
    c.gdpu.macs_per_cycle = static_cast<int>(g.integer("macs_per_cycle"));
    c.gdpu.energy_pj_per_mac = g.real("energy_pj_per_mac");
    c.gdpu.matmul_cycles = static_cast<int>(g.integer("matmul_cycles"));
    c.gdpu.gelu_cycles = static_cast<int>(g.integer("gelu_cycles"));
    c.gdpu.layernorm_cycles = static_cast<int>(g.integer("layernorm_cycles"));
    const Params mu = p.sub("matmul_unit");
    c.matmul_unit.count = static_cast<int>(mu.integer("count"));
    c.matmul_unit.macs_per_cycle = static_cast<int>(mu.integer("macs_per_cycle"));
    c.matmul_unit.energy_pj_per_mac = mu.real("energy_pj_per_mac");
    c.matmul_unit.latency_cycles = static_cast<int>(mu.integer("latency_cycles"));
    c.attention = p.str("attention") == "matmul_unit" ? ChipParams::Attention::MatmulUnit : ChipParams::Attention::Gdpu;
    if (c.attention == ChipParams::Attention::MatmulUnit && c.matmul_unit.count == 0)
        throw p.error("attention", "attention: matmul_unit needs matmul_unit.count >= 1");
    c.replicate = p.section("replicate");
    c.failed_tiles = failed_tile_ids(p, c.tiles());
    c.replicate_fill = p.flag("replicate_fill");
    c.placement = parse_placement_method(p.str("placement"));
    if (!c.replicate.is_null() && !c.replicate.is_map())
        throw c.replicate.error("replicate: expected a map {conv layer name: copies}");
    // The copies now, before anything is built; the names once the network is known.
    for (const auto& kv : c.replicate.entries()) {
        const long long copies = kv.second.as_int();
        if (copies < 1 || copies > 1024)
            throw kv.second.error("replicate." + kv.first + ": copies must be in [1, 1024]");
    }
    return c;
}

TrafficParams ChipParams::traffic_params() const {
    TrafficParams t;
    t.activation_bits = activation_bits;
    t.psum_bits = psum_bits;
    t.io_tile = io_tile;
    for (int g = 0; g < gdpus; ++g) t.gdpu_tiles.push_back(gdpu_tile(g));
    return t;
}

Replication chip_replication(const ChipParams& chip, const Network& net) {
    Replication r;
    r.fill = chip.replicate_fill;
    if (!chip.replicate.is_map()) return r;
    r.copies.assign(net.layers.size(), 1);
    std::vector<std::string> names;
    for (const Layer& l : net.layers) names.push_back(l.name);
    for (const auto& kv : chip.replicate.entries()) {
        const ConfigNode& value = kv.second;
        int layer = -1;
        for (std::size_t i = 0; i < net.layers.size(); ++i) {
            if (net.layers[i].name == kv.first) layer = static_cast<int>(i);
        }
        if (layer < 0) {
            std::string msg = "replicate: network '" + net.name + "' has no layer '" + kv.first + "'";
            const std::string hint = did_you_mean(kv.first, names);
            if (!hint.empty()) msg += " (did you mean '" + hint + "'?)";
            throw value.error(msg);
        }
        const long long copies = value.as_int();  // in [1, 1024]: parse_chip_params checked it
        if (net.layers[static_cast<std::size_t>(layer)].op != Op::Conv) {
            throw value.error("replicate." + kv.first + ": only conv layers can be replicated (it is " +
                              op_name(net.layers[static_cast<std::size_t>(layer)].op) + ")");
        }
        r.copies[static_cast<std::size_t>(layer)] = static_cast<int>(copies);
    }
    return r;
}

}  // namespace aimcsim
