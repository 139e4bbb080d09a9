#include "src/system/system_counters.h"

#include <string>

namespace aimcsim {

namespace {

using S = SystemRunResult;

std::string join(const std::vector<std::string>& v) {
    std::string s;
    for (const std::string& x : v) s += (s.empty() ? "" : ", ") + x;
    return s;
}

double total_pj(const S& s) { return s.run.energy_pj.total(); }

std::vector<StatField<S>> fields() {
    return {
        stat_field<S>("system.chip_count", "chips", "chips in the system", [](const S& s) { return s.chips; }),
        stat_field<S>("system.tiles_per_chip", "tiles", "tiles of one chip",
                      [](const S& s) { return s.chip_rows * s.chip_cols; }),
        stat_field<S>("system.link_topology", "", "chip-to-chip topology", [](const S& s) { return s.link_topology; }),
        stat_field<S>("system.link_bandwidth_gbit_s", "Gbit/s", "one chip-to-chip link, one direction",
                      [](const S& s) { return s.link_params.bandwidth_gbit_s; }),
        stat_field<S>("system.link_bits_per_cycle", "bit/cycle", "the same in chip clock cycles (one flit)",
                      [](const S& s) { return s.link_timing.width_bits; }),
        stat_field<S>("system.link_latency_cycles", "cycles", "head latency of one chip-to-chip hop",
                      [](const S& s) { return s.link_timing.hop_latency_cycles; }),
        stat_field<S>("system.link_energy_pj_per_bit", "pJ/bit", "per bit per chip-to-chip link crossed",
                      [](const S& s) { return s.link_params.energy_pj_per_bit; }),
        stat_field<S>("system.latency_ns", "ns", "inference 0: first input pixel at chip 0 to last output back there",
                      [](const S& s) { return s.run.latency_ns; }),
        stat_field<S>("system.throughput_inferences_per_s", "inferences/s",
                      "steady state (see performance.throughput_inferences_per_s)",
                      [](const S& s) { return s.run.throughput_inferences_per_s; }),
        stat_field<S>("system.energy_per_inference_nj", "nJ", "all chips and links, static included",
                      [](const S& s) { return s.run.energy_per_inference_nj; }),
        stat_field<S>("system.tops_per_w", "TOPS/W", "workload ops / energy of the whole system",
                      [](const S& s) { return s.run.tops_per_w; }),
        stat_field<S>("system.chip_link_energy_pj", "pJ", "chip-to-chip links, whole run",
                      [](const S& s) { return s.chip_link_energy_pj(); }),
        stat_field<S>("system.chip_link_energy_share", "fraction", "chip_link_energy_pj / system energy",
                      [](const S& s) { return total_pj(s) > 0 ? s.chip_link_energy_pj() / total_pj(s) : 0.0; }),
        stat_field<S>("system.inter_chip_bits_predicted", "bit",
                      "the partitioner's prediction: bits of the flows between chips x batch",
                      [](const S& s) { return s.predicted_inter_chip_bits; }),
        stat_field<S>("system.inter_chip_bits_simulated", "bit", "bits the chip-to-chip links delivered (once per packet)",
                      [](const S& s) { return s.simulated_inter_chip_bits; }),
        stat_field<S>("system.inter_chip_packets", "packets", "packets between chips",
                      [](const S& s) { return s.chip_link_totals.packets; }),
        stat_field<S>("system.chip_link_stall_cycles", "cycles", "cycles packets waited for busy chip-to-chip links",
                      [](const S& s) { return s.chip_link_totals.stall_cycles; }),
        stat_field<S>("system.chip_link_held_cycles", "cycles",
                      "back-pressure: chip-to-chip link cycles held by blocked packets beyond their flits",
                      [](const S& s) { return s.chip_link_totals.held_cycles; }),
        stat_field<S>("system.stage_mvm_cycles_max", "cycles", "heaviest pipeline stage: MVM cycles per inference",
                      [](const S& s) { return s.max_stage_mvm_cycles; }),
        stat_field<S>("system.stage_mvm_cycles_mean", "cycles", "mean over the stages",
                      [](const S& s) { return s.mean_stage_mvm_cycles; }),
        stat_field<S>("system.partition_imbalance", "ratio", "stage_mvm_cycles_max / stage_mvm_cycles_mean",
                      [](const S& s) { return s.imbalance(); }),
        stat_field<S>("system.bottleneck_layer", "", "the heaviest layer (or column of one) of the heaviest stage",
                      [](const S& s) { return s.bottleneck_layer; }),
        stat_field<S>("system.balanced", "",
                      "the heaviest stage is within (1 + system.balance_tolerance) of the mean stage",
                      [](const S& s) { return s.balanced; }),
        stat_field<S>("system.bottleneck_is_one_layer", "",
                      "true: the bottleneck layer alone takes more MVM time than the mean stage (no partition can "
                      "balance it); false: the chips' tiles force heavy layers together",
                      [](const S& s) { return s.bottleneck_is_one_layer; }),
    };
}

StatTable<S> partition_table() {
    return {"system.partition",
            "one chip's pipeline stage",
            [](const S& s) { return s.partition.size(); },
            {
                stat_column<S>("chip", "", "chip number", [](const S& s, std::size_t i) { return s.partition[i].chip; }),
                stat_column<S>("layers", "", "its weight layers, in network order",
                               [](const S& s, std::size_t i) { return join(s.partition[i].layers); }),
                stat_column<S>("tiles", "tiles", "tiles used",
                               [](const S& s, std::size_t i) { return s.partition[i].tiles; }),
                stat_column<S>("mvm_cycles", "cycles", "MVM cycles per inference (the balance's load)",
                               [](const S& s, std::size_t i) { return s.partition[i].mvm_cycles; }),
            }};
}

StatTable<S> chip_table() {
    auto row = [](const S& s, std::size_t i) -> const SystemChipResult& { return s.chip_results[i]; };
    return {"system.chips",
            "one chip",
            [](const S& s) { return s.chip_results.size(); },
            {
                stat_column<S>("chip", "", "chip number", [row](const S& s, std::size_t i) { return row(s, i).chip; }),
                stat_column<S>("tiles_used", "tiles", "tiles holding a block",
                               [row](const S& s, std::size_t i) { return row(s, i).tiles_used; }),
                stat_column<S>("layers", "", "first .. last weight layer",
                               [row](const S& s, std::size_t i) { return row(s, i).layers; }),
                stat_column<S>("mvms", "MVMs", "whole run", [row](const S& s, std::size_t i) { return row(s, i).mvms; }),
                stat_column<S>("start_ns", "ns", "inference 0: first input at one of its layers",
                               [row](const S& s, std::size_t i) { return row(s, i).start_ns; }),
                stat_column<S>("end_ns", "ns", "inference 0: last output of one of its layers",
                               [row](const S& s, std::size_t i) { return row(s, i).end_ns; }),
                stat_column<S>("latency_share", "fraction",
                               "(end_ns - start_ns) / system latency; stages overlap, so shares add to more than 1",
                               [row](const S& s, std::size_t i) { return row(s, i).latency_share; }),
                stat_column<S>("energy_pj", "pJ", "tiles + on-chip links + digital share + static, whole run",
                               [row](const S& s, std::size_t i) { return row(s, i).energy_pj(); }),
                stat_column<S>("tile_energy_pj", "pJ", "its tiles' dynamic energy",
                               [row](const S& s, std::size_t i) { return row(s, i).tile_energy_pj; }),
                stat_column<S>("network_energy_pj", "pJ", "its on-chip links",
                               [row](const S& s, std::size_t i) { return row(s, i).network_energy_pj; }),
                stat_column<S>("digital_energy_pj", "pJ",
                               "the run's digital energy apportioned by the values its GDPUs processed",
                               [row](const S& s, std::size_t i) { return row(s, i).digital_energy_pj; }),
                stat_column<S>("static_energy_pj", "pJ", "its tiles' and its own static power over the run",
                               [row](const S& s, std::size_t i) { return row(s, i).static_energy_pj; }),
                stat_column<S>("array_utilization", "fraction", "array busy cycles / (tiles used x simulated cycles)",
                               [row](const S& s, std::size_t i) { return row(s, i).array_utilization; }),
            }};
}

StatTable<S> link_table() {
    auto row = [](const S& s, std::size_t i) -> const ChipLinkResult& { return s.link_results[i]; };
    return {"system.links",
            "one chip-to-chip link (nodes: chips, then switches)",
            [](const S& s) { return s.link_results.size(); },
            {
                stat_column<S>("link", "", "link id", [](const S&, std::size_t i) { return i; }),
                stat_column<S>("src", "", "from node", [row](const S& s, std::size_t i) { return row(s, i).src_node; }),
                stat_column<S>("dst", "", "to node", [row](const S& s, std::size_t i) { return row(s, i).dst_node; }),
                stat_column<S>("packets", "packets", "packets carried",
                               [row](const S& s, std::size_t i) { return row(s, i).stats.packets; }),
                stat_column<S>("bytes", "B", "bytes carried",
                               [row](const S& s, std::size_t i) { return row(s, i).stats.bytes(); }),
                stat_column<S>("utilization", "fraction", "busy cycles / simulated cycles",
                               [row](const S& s, std::size_t i) { return row(s, i).utilization; }),
                stat_column<S>("stall_cycles", "cycles", "cycles packets waited for it",
                               [row](const S& s, std::size_t i) { return row(s, i).stats.stall_cycles; }),
                stat_column<S>("held_cycles", "cycles", "back-pressure: held by blocked packets beyond their flits",
                               [row](const S& s, std::size_t i) { return row(s, i).stats.held_cycles; }),
            }};
}

}  // namespace

const StatDeclarations<SystemRunResult>& system_counters() {
    static const StatDeclarations<SystemRunResult> declarations{fields(),
                                                                {partition_table(), chip_table(), link_table()}};
    return declarations;
}

}  // namespace aimcsim
