#include "src/system/system_run.h"

#include <algorithm>
#include <limits>
#include <memory>

#include "aimcsim/core/error.h"
#include "src/mapping/grid_geometry.h"
#include "src/system/system_network.h"

namespace aimcsim {

ChipParams system_grid(const ChipParams& chip, int chips) {
    ChipParams g = chip;
    g.rows = chip.rows * chips;
    g.gdpus = chip.gdpus * chips;  // gdpu_tile(c * gdpus + j) is chip c's GDPU j (see ChipParams::gdpu_tile)
    g.static_power_mw = chip.static_power_mw * chips;
    g.other_area_mm2 = chip.other_area_mm2 * chips;
    return g;
}

namespace {

// The schedule sends a slice to the GDPU nearest its tile on the system grid; each
// chip's GDPUs must be strictly nearer its own tiles than any other chip's, so no
// digital op crosses a chip (the partitioner's prediction relies on it).
void check_gdpus_serve_own_chip(const ChipParams& chip, const ChipParams& grid, int chips) {
    if (chip.gdpus == 0 || chips == 1) return;
    const int t = chip.tiles();
    for (int c = 0; c < chips; ++c) {
        for (int local = 0; local < t; ++local) {
            const int tile = c * t + local;
            int own = std::numeric_limits<int>::max(), other = own;
            for (int g = 0; g < grid.gdpus; ++g) {
                const int d = grid_manhattan(tile, grid.gdpu_tile(g), grid.cols);
                int& best = g / chip.gdpus == c ? own : other;
                best = std::min(best, d);
            }
            if (own >= other) {
                throw InputError("system: with chip.gdpus: " + std::to_string(chip.gdpus) + " on a " +
                                 std::to_string(chip.rows) + "x" + std::to_string(chip.cols) + " chip, tile " +
                                 std::to_string(local) + " is no nearer its own chip's GDPUs than the next chip's; "
                                 "a system needs every tile strictly nearest one of its own (e.g. chip.gdpus: " +
                                 std::to_string(chip.rows) + ", one per row)");
            }
        }
    }
}

// Layer results by mapping placement (the table also holds softmax rows).
std::vector<const LayerResult*> weight_layer_rows(const ChipRunResult& r) {
    std::vector<const LayerResult*> rows(r.mapping.layers.size(), nullptr);
    std::size_t p = 0;
    for (const LayerResult& lr : r.layers) {
        if (p < rows.size() && lr.name == r.mapping.layers[p].name && lr.gdpu < 0 && lr.tiles > 0) rows[p++] = &lr;
    }
    return rows;
}

void gather_chips(const SystemLinks& links, const TileModel& probe, const ChipParams& chip, SystemRunResult& s) {
    const ChipRunResult& r = s.run;
    const Mapping& m = r.mapping;
    const std::vector<const LayerResult*> rows = weight_layer_rows(r);
    const MvmEnergy reference = probe.reference_mvm_energy();
    const double run_cycles = r.simulated_ns * r.clock_ghz;
    // A block's MVMs and energy: its layer's, shared out by the block's reference energy.
    std::vector<double> layer_reference(m.layers.size(), 0.0);
    std::vector<std::uint64_t> block_mvms(m.blocks.size(), 0);
    for (std::size_t b = 0; b < m.blocks.size(); ++b) {
        const auto p = static_cast<std::size_t>(m.placement_of_layer[static_cast<std::size_t>(m.blocks[b].layer)]);
        block_mvms[b] = rows[p] ? rows[p]->mvms / static_cast<std::uint64_t>(m.layers[p].all_tiles()) : 0;
        layer_reference[p] += block_energy(reference, m.blocks[b], m, block_mvms[b]).total_pj();
    }
    std::uint64_t all_values = 0;
    for (const GdpuStats& g : r.gdpus) all_values += g.values;
    s.chip_results.assign(static_cast<std::size_t>(s.chips), SystemChipResult{});
    for (int c = 0; c < s.chips; ++c) {
        SystemChipResult& cr = s.chip_results[static_cast<std::size_t>(c)];
        cr.chip = c;
        cr.start_ns = std::numeric_limits<double>::max();
        const Stage& st = s.partition[static_cast<std::size_t>(c)];
        if (!st.layers.empty()) cr.layers = st.layers.front() + (st.layers.size() > 1 ? " .. " + st.layers.back() : "");
        cr.network_energy_pj = links.chip_network(c).scheduler().totals().energy_pj;
        if (all_values > 0) {
            std::uint64_t values = 0;
            for (int g = 0; g < chip.gdpus; ++g) values += r.gdpus[static_cast<std::size_t>(c * chip.gdpus + g)].values;
            cr.digital_energy_pj = r.energy_pj.gdpu * static_cast<double>(values) / static_cast<double>(all_values);
        }
    }
    for (std::size_t b = 0; b < m.blocks.size(); ++b) {
        SystemChipResult& cr = s.chip_results[static_cast<std::size_t>(m.blocks[b].tile / chip.tiles())];
        const auto p = static_cast<std::size_t>(m.placement_of_layer[static_cast<std::size_t>(m.blocks[b].layer)]);
        cr.tiles_used += 1;
        cr.mvms += block_mvms[b];
        if (rows[p] && layer_reference[p] > 0) {
            const double layer_pj = rows[p]->energy_pj * r.inferences;
            cr.tile_energy_pj +=
                layer_pj * block_energy(reference, m.blocks[b], m, block_mvms[b]).total_pj() / layer_reference[p];
        }
        if (rows[p]) {
            cr.start_ns = std::min(cr.start_ns, rows[p]->start_ns);
            cr.end_ns = std::max(cr.end_ns, rows[p]->end_ns);
        }
    }
    for (SystemChipResult& cr : s.chip_results) {
        if (cr.tiles_used == 0) cr.start_ns = 0;
        cr.latency_share = r.latency_ns > 0 ? (cr.end_ns - cr.start_ns) / r.latency_ns : 0.0;
        const int powered = chip.power_gate_unused_tiles ? cr.tiles_used : chip.tiles();
        cr.static_energy_pj = (powered * probe.static_power_mw() + chip.static_power_mw) * r.simulated_ns;
        const double busy = static_cast<double>(cr.mvms) * r.phases.array_busy();
        cr.array_utilization = cr.tiles_used > 0 && run_cycles > 0 ? busy / (cr.tiles_used * run_cycles) : 0.0;
    }
}

void gather_links(const SystemLinks& links, SystemRunResult& s) {
    const LinkScheduler& sched = links.chip_links();
    const double run_cycles = s.run.simulated_ns * s.run.clock_ghz;
    const std::vector<Link>& all = links.chip_link_topology().links();
    for (std::size_t l = 0; l < all.size(); ++l) {
        ChipLinkResult lr;
        lr.src_node = all[l].src_tile;
        lr.dst_node = all[l].dst_tile;
        lr.stats = sched.link_stats(static_cast<int>(l));
        lr.utilization = run_cycles > 0 ? std::min(1.0, static_cast<double>(lr.stats.busy_cycles) / run_cycles) : 0.0;
        s.link_results.push_back(lr);
    }
    s.chip_link_totals = sched.totals();
    s.simulated_inter_chip_bits = s.chip_link_totals.bits;
}

// The chip run read the system network as an unused base scheduler: its network
// figures come from the chips' networks and the chip links instead.
void fill_network_figures(const SystemLinks& links, SystemRunResult& s) {
    ChipRunResult& r = s.run;
    r.net_totals = links.totals();
    r.energy_pj.interconnect = r.net_totals.energy_pj;
    r.link_spans = links.spans();
    r.max_link_utilization = 0;
    for (int c = 0; c < links.chips(); ++c) {
        const LinkScheduler& sched = links.chip_network(c).scheduler();
        for (std::size_t l = 0; l < sched.num_links(); ++l)
            r.max_link_utilization = std::max(r.max_link_utilization, sched.utilisation(static_cast<int>(l)));
    }
    for (const ChipLinkResult& l : s.link_results) r.max_link_utilization = std::max(r.max_link_utilization, l.utilization);
    const double ops = 2.0 * static_cast<double>(r.macs_per_inference) * r.inferences;
    r.tops_per_w = ops / r.energy_pj.total();
    r.energy_per_inference_nj = r.energy_pj.total() / r.inferences * 1e-3;
}

}  // namespace

SystemRunResult run_system(const TileConfig& tile, const SystemParams& system, const Network& net,
                           const ChipRunOptions& opts) {
    const std::unique_ptr<TileModel> probe = tile.create();
    const ChipParams& chip = system.chip;
    PartitionOptions po;
    po.chips = system.chips;
    po.split_layers = system.split_layers;
    po.balance_tolerance = system.balance_tolerance;
    po.max_imbalance = system.max_imbalance;
    po.array_cycles_per_mvm = static_cast<std::uint64_t>(probe->phases().array_busy());
    SystemPartition part = partition_network(net, probe->rows(), probe->cols(), chip, po);
    const ChipParams grid = system_grid(chip, system.chips);
    check_gdpus_serve_own_chip(chip, grid, system.chips);

    SystemRunResult s;
    s.chips = system.chips;
    s.chip_rows = chip.rows;
    s.chip_cols = chip.cols;
    s.link_topology = system.links.model();
    SystemLinks links(chip, system.chips, system.links.create(), probe->clock_ghz());
    s.link_params = links.chip_link_topology().params();
    s.link_timing = links.chip_links().params();
    links.record_spans(opts.trace);
    s.partition = part.stages;
    s.predicted_inter_chip_bits = part.predicted_inter_chip_bits * static_cast<std::uint64_t>(opts.batch);
    s.max_stage_mvm_cycles = static_cast<double>(part.max_stage_mvm_cycles);
    s.mean_stage_mvm_cycles = part.mean_stage_mvm_cycles;
    s.bottleneck_layer = part.bottleneck_layer;
    s.balanced = part.balanced;
    s.bottleneck_is_one_layer = part.bottleneck_is_one_layer;

    ChipMapping cm;
    cm.mapping = std::move(part.mapping);
    const sc_core::sc_time period(1.0 / probe->clock_ghz(), sc_core::SC_NS);
    s.run = run_chip_mapped(tile, grid, net, &cm, opts,
                            [&links, period]() { return std::make_unique<SystemNetwork>(links, period); });
    gather_links(links, s);
    fill_network_figures(links, s);
    gather_chips(links, *probe, chip, s);
    return s;
}

}  // namespace aimcsim
