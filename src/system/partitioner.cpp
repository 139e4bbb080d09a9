#include "src/system/partitioner.h"

#include <algorithm>
#include <limits>
#include <sstream>

#include "aimcsim/core/error.h"
#include "src/mapping/placement.h"

namespace aimcsim {

namespace {

constexpr std::uint64_t kInf = std::numeric_limits<std::uint64_t>::max();

// What the cuts fall between: a weight layer, or (split_layers) one column of its
// blocks (its row blocks stay together, so no partial sum crosses a chip).
struct Unit {
    std::string name;
    int first_block = 0;  // its blocks are [first_block, first_block + tiles) of the mapping
    int tiles = 0;
    std::uint64_t load = 0;  // MVM cycles per inference
};

std::vector<Unit> units_of(const Network& net, const Mapping& m, const PartitionOptions& o) {
    std::vector<Unit> units;
    for (const LayerPlacement& lp : m.layers) {
        const Shape& out = net.shape(net.layers[static_cast<std::size_t>(lp.layer)].output);
        const std::uint64_t per_block = static_cast<std::uint64_t>(out.h) * out.w * o.array_cycles_per_mvm;
        const int groups = o.split_layers ? lp.col_blocks : 1;
        const int tiles = lp.tiles() / groups;
        for (int g = 0; g < groups; ++g) {
            Unit u;
            u.name = groups > 1 ? lp.name + " (column block " + std::to_string(g) + ")" : lp.name;
            u.first_block = lp.first_block + g * tiles;
            u.tiles = tiles;
            u.load = per_block * static_cast<std::uint64_t>(tiles);
            units.push_back(u);
        }
    }
    return units;
}

// Fewest chips of `chip_tiles` tiles that hold the units as consecutive stages (greedy is optimal).
int chips_needed(const std::vector<Unit>& units, int chip_tiles) {
    int chips = units.empty() ? 0 : 1, used = 0;
    for (const Unit& u : units) {
        if (used + u.tiles > chip_tiles) {
            ++chips;
            used = 0;
        }
        used += u.tiles;
    }
    return chips;
}

// Bits per inference crossing the cut before unit j (j = 1..U-1): flows between a
// unit (or the controller, at chip 0 with unit 0) before it and one at or after it.
std::vector<std::uint64_t> cut_bits(const std::vector<Flow>& flows, const std::vector<int>& unit_of_block,
                                    std::size_t units) {
    std::vector<long long> diff(units + 1, 0);
    auto pos = [&](const FlowEnd& e) {
        return e.block == FlowEnd::kController ? 0 : unit_of_block[static_cast<std::size_t>(e.block)];
    };
    for (const Flow& f : flows) {
        const int a = pos(f.src), b = pos(f.dst);
        const int lo = std::min(a, b), hi = std::max(a, b);
        if (lo == hi) continue;
        diff[static_cast<std::size_t>(lo) + 1] += static_cast<long long>(f.bits);
        diff[static_cast<std::size_t>(hi) + 1] -= static_cast<long long>(f.bits);
    }
    std::vector<std::uint64_t> cut(units, 0);
    long long run = 0;
    for (std::size_t j = 1; j < units; ++j) {
        run += diff[j];
        cut[j] = static_cast<std::uint64_t>(run);
    }
    return cut;
}

// Stage boundaries [b_0 = 0, b_1, ..., b_S = U): first the smallest heaviest stage
// (min-max), then the fewest cut bits among stages within the tolerance of it.
std::vector<std::size_t> best_cuts(const std::vector<Unit>& units, const std::vector<std::uint64_t>& cut,
                                   std::size_t stages, int chip_tiles, double tolerance) {
    const std::size_t n = units.size();
    std::vector<std::uint64_t> load(n + 1, 0);
    std::vector<long long> tiles(n + 1, 0);
    for (std::size_t i = 0; i < n; ++i) {
        load[i + 1] = load[i] + units[i].load;
        tiles[i + 1] = tiles[i] + units[i].tiles;
    }
    auto fits = [&](std::size_t j, std::size_t i) { return tiles[i] - tiles[j] <= chip_tiles; };
    // 1. min over partitions of the heaviest stage.
    std::vector<std::vector<std::uint64_t>> mm(stages + 1, std::vector<std::uint64_t>(n + 1, kInf));
    mm[0][0] = 0;
    for (std::size_t s = 1; s <= stages; ++s) {
        for (std::size_t i = s; i <= n; ++i) {
            for (std::size_t j = i; j-- > s - 1;) {
                if (!fits(j, i)) break;
                if (mm[s - 1][j] == kInf) continue;
                mm[s][i] = std::min(mm[s][i], std::max(mm[s - 1][j], load[i] - load[j]));
            }
        }
    }
    const double limit = static_cast<double>(mm[stages][n]) * (1.0 + tolerance);
    // 2. min cut bits with every stage's load within the limit.
    std::vector<std::vector<std::uint64_t>> bits(stages + 1, std::vector<std::uint64_t>(n + 1, kInf));
    std::vector<std::vector<std::size_t>> from(stages + 1, std::vector<std::size_t>(n + 1, 0));
    bits[0][0] = 0;
    for (std::size_t s = 1; s <= stages; ++s) {
        for (std::size_t i = s; i <= n; ++i) {
            for (std::size_t j = s - 1; j < i; ++j) {  // ascending: the earliest cut wins a tie
                if (!fits(j, i) || bits[s - 1][j] == kInf) continue;
                if (static_cast<double>(load[i] - load[j]) > limit) continue;
                const std::uint64_t c = bits[s - 1][j] + (j > 0 ? cut[j] : 0);
                if (c < bits[s][i]) {
                    bits[s][i] = c;
                    from[s][i] = j;
                }
            }
        }
    }
    std::vector<std::size_t> bounds(stages + 1, n);
    for (std::size_t s = stages; s > 0; --s) bounds[s - 1] = from[s][bounds[s]];
    return bounds;
}

void check_fit(const Network& net, const std::vector<Unit>& units, const ChipParams& chip, const PartitionOptions& o) {
    const int chip_tiles = chip.tiles();
    for (const Unit& u : units) {
        if (u.tiles <= chip_tiles) continue;
        std::ostringstream msg;
        msg << "network '" << net.name << "': " << u.name << " needs " << u.tiles << " tiles, more than one chip's "
            << chip_tiles;
        msg << (o.split_layers ? " (a column of row blocks cannot be split further)"
                               : "; set system.split_layers: true to spread its column blocks over chips");
        throw InputError(msg.str());
    }
    const int needed = chips_needed(units, chip_tiles);
    if (needed > o.chips) {
        long long total = 0;
        for (const Unit& u : units) total += u.tiles;
        throw InputError("network '" + net.name + "' needs " + std::to_string(needed) + " chips of " +
                         std::to_string(chip_tiles) + " tiles (" + std::to_string(total) +
                         " tiles in pipeline stages of consecutive " + (o.split_layers ? "layer columns" : "layers") +
                         ") but the system has " + std::to_string(o.chips) + ": set system.chips: " +
                         std::to_string(needed));
    }
}

}  // namespace

SystemPartition partition_network(const Network& net, int tile_rows, int tile_cols, const ChipParams& chip,
                                  const PartitionOptions& o) {
    SystemPartition p;
    p.chips = o.chips;
    p.chip_tiles = chip.tiles();
    // Blocks in network order on a grid large enough for any network; tiles are given out below.
    const int needed = tiles_needed(net, tile_rows, tile_cols);
    const int grid_rows = std::max(o.chips * chip.rows, (needed + chip.cols - 1) / chip.cols);
    Mapping m = map_network(net, tile_rows, tile_cols, grid_rows, chip.cols);
    const std::vector<Unit> units = units_of(net, m, o);
    check_fit(net, units, chip, o);

    std::vector<int> unit_of_block(m.blocks.size(), 0);
    for (std::size_t u = 0; u < units.size(); ++u) {
        for (int b = 0; b < units[u].tiles; ++b)
            unit_of_block[static_cast<std::size_t>(units[u].first_block + b)] = static_cast<int>(u);
    }
    const std::vector<Flow> flows = traffic_flows(net, m, chip.traffic_params());
    const std::size_t stages = std::min(units.size(), static_cast<std::size_t>(o.chips));
    const std::vector<std::size_t> bounds =
        stages == 0 ? std::vector<std::size_t>{0}
                    : best_cuts(units, cut_bits(flows, unit_of_block, units.size()), stages, p.chip_tiles,
                                o.balance_tolerance);

    // Each stage's blocks on its chip's tiles, in the chip's snake order.
    p.stages.resize(static_cast<std::size_t>(o.chips));
    for (int c = 0; c < o.chips; ++c) p.stages[static_cast<std::size_t>(c)].chip = c;
    std::vector<int> stage_of_unit(units.size(), 0);
    for (std::size_t s = 0; s + 1 < bounds.size(); ++s) {
        for (std::size_t u = bounds[s]; u < bounds[s + 1]; ++u) stage_of_unit[u] = static_cast<int>(s);
    }
    m.grid_rows = o.chips * chip.rows;
    m.block_of_tile.assign(static_cast<std::size_t>(m.tiles_total()), -1);
    p.chip_of_block.resize(m.blocks.size());
    std::vector<int> next_tile(static_cast<std::size_t>(o.chips), 0);
    for (std::size_t b = 0; b < m.blocks.size(); ++b) {
        const int c = stage_of_unit[static_cast<std::size_t>(unit_of_block[b])];
        TileBlock& tb = m.blocks[b];
        tb.tile = c * p.chip_tiles + snake_tile(next_tile[static_cast<std::size_t>(c)]++, chip.rows, chip.cols);
        tb.grid_row = tb.tile / m.grid_cols;
        tb.grid_col = tb.tile % m.grid_cols;
        m.block_of_tile[static_cast<std::size_t>(tb.tile)] = static_cast<int>(b);
        p.chip_of_block[b] = c;
    }
    for (std::size_t u = 0; u < units.size(); ++u) {
        Stage& st = p.stages[static_cast<std::size_t>(stage_of_unit[u])];
        const std::string& layer = m.layers[static_cast<std::size_t>(
            m.placement_of_layer[static_cast<std::size_t>(m.blocks[static_cast<std::size_t>(units[u].first_block)].layer)])].name;
        if (st.layers.empty() || st.layers.back() != layer) st.layers.push_back(layer);
        st.tiles += units[u].tiles;
        st.mvm_cycles += units[u].load;
    }

    // Predicted inter-chip traffic: flows whose ends are on different chips.
    auto chip_of = [&](const FlowEnd& e) {
        return e.block == FlowEnd::kController ? 0 : p.chip_of_block[static_cast<std::size_t>(e.block)];
    };
    for (const Flow& f : flows) {
        if (chip_of(f.src) != chip_of(f.dst)) p.predicted_inter_chip_bits += f.bits;
    }

    // Balance: the heaviest stage against the mean, and the unit that makes it heavy.
    std::uint64_t total = 0;
    std::size_t heaviest = 0;
    for (std::size_t s = 0; s < stages; ++s) {
        total += p.stages[s].mvm_cycles;
        if (p.stages[s].mvm_cycles > p.stages[heaviest].mvm_cycles) heaviest = s;
    }
    p.max_stage_mvm_cycles = stages > 0 ? p.stages[heaviest].mvm_cycles : 0;
    p.mean_stage_mvm_cycles = stages > 0 ? static_cast<double>(total) / static_cast<double>(stages) : 0.0;
    std::uint64_t max_unit = 0;
    for (std::size_t u = 0; u < units.size(); ++u) {
        if (static_cast<std::size_t>(stage_of_unit[u]) == heaviest && units[u].load > max_unit) {
            max_unit = units[u].load;
            p.bottleneck_layer = units[u].name;
        }
    }
    p.balanced = p.imbalance() <= 1.0 + o.balance_tolerance;
    p.bottleneck_is_one_layer = static_cast<double>(max_unit) > p.mean_stage_mvm_cycles;
    p.mapping = std::move(m);
    if (o.max_imbalance > 0 && p.imbalance() > o.max_imbalance) {
        std::ostringstream msg;
        msg << "system.max_imbalance: the partition of '" << net.name << "' over " << stages
            << " chips cannot be balanced: its heaviest stage (chip " << heaviest << ") takes " << p.imbalance()
            << " x the mean stage MVM time, above " << o.max_imbalance << "; bottleneck layer: "
            << p.bottleneck_layer << " (" << max_unit << " MVM cycles per inference, mean stage "
            << p.mean_stage_mvm_cycles << "; "
            << (p.bottleneck_is_one_layer ? "that layer alone exceeds the mean stage"
                                          : "the chips' tiles force the heavy layers together")
            << ")";
        throw InputError(msg.str());
    }
    return p;
}

}  // namespace aimcsim
