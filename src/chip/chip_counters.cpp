#include "src/chip/chip_counters.h"

#include <cstdint>
#include <map>
#include <string>

namespace aimcsim {

namespace {

using R = ChipRunResult;

// A GDPU's busy cycles by the op served, ops that it never served left out.
std::map<std::string, std::uint64_t> busy_by_op(const GdpuStats& g) {
    std::map<std::string, std::uint64_t> cycles;
    for (int op = 0; op < kOpCount; ++op) {
        const std::uint64_t c = g.busy_cycles_by_op[static_cast<std::size_t>(op)];
        if (c > 0) cycles[op_name(static_cast<Op>(op))] = c;
    }
    return cycles;
}

// Simulated cycles of the run (the GDPUs' utilisation is their busy share of it).
double run_cycles(const R& r) { return r.simulated_ns * r.clock_ghz; }

std::vector<StatField<R>> fields() {
    return {
        stat_field<R>("chip.tiles", "tiles", "tiles on the chip", [](const R& r) { return r.peak.tiles; }),
        stat_field<R>("chip.grid_rows", "tiles", "rows of the tile grid", [](const R& r) { return r.grid_rows; }),
        stat_field<R>("chip.grid_cols", "tiles", "columns of the tile grid", [](const R& r) { return r.grid_cols; }),
        stat_field<R>("chip.clock_ghz", "GHz", "tile and link clock", [](const R& r) { return r.clock_ghz; }),
        stat_field<R>("chip.mvm_interval_ns", "ns", "array busy time of one MVM: a tile starts the next one this often",
                      [](const R& r) { return r.peak.mvm_interval_ns; }),
        stat_field<R>("chip.mvm_latency_ns", "ns", "one MVM from input load to the LDPU's result",
                      [](const R& r) { return r.phases.latency() / r.clock_ghz; }),
        stat_field<R>("chip.peak_power_mw", "mW", "every tile busy: tiles' dynamic and static power, chip static power",
                      [](const R& r) { return r.peak.peak_power_mw; }),
        stat_field<R>("chip.peak_tops", "TOPS", "every cell of every tile busy, one MVM per interval",
                      [](const R& r) { return r.peak.peak_tops; }),
        stat_field<R>("chip.peak_tops_per_w", "TOPS/W", "peak_tops / peak_power_mw (8-bit, all cells)",
                      [](const R& r) { return r.peak.peak_tops_per_w; }),
        stat_field<R>(
            "chip.tiles_area_mm2", "mm2", "silicon area of all tiles (null: the tile model declares none)",
            [](const R& r) { return r.peak.tiles_area_mm2 > 0 ? stat_value(r.peak.tiles_area_mm2) : StatValue{}; }),
        stat_field<R>("chip.area_mm2", "mm2", "tiles_area_mm2 + chip.other_area_mm2",
                      [](const R& r) { return r.peak.area_mm2 > 0 ? stat_value(r.peak.area_mm2) : StatValue{}; }),
        stat_field<R>("chip.peak_tops_per_mm2", "TOPS/mm2", "peak_tops / area_mm2",
                      [](const R& r) {
                          return r.peak.area_mm2 > 0 ? stat_value(r.peak.peak_tops / r.peak.area_mm2) : StatValue{};
                      }),
        stat_field<R>("chip.topology", "", "interconnect model", [](const R& r) { return r.topology; }),
        stat_field<R>("chip.functional", "", "values computed besides time and energy",
                      [](const R& r) { return r.functional; }),
        stat_field<R>("chip.energy_activity", "",
                      "what the tiles' dynamic energy rests on: the counted activity of a functional run, "
                      "or the estimate of a timing-only one",
                      [](const R& r) { return r.energy_activity; }),

        stat_field<R>("workload.name", "", "network name", [](const R& r) { return r.workload_name; }),
        stat_field<R>("workload.macs_per_inference", "MACs", "multiply-accumulates of one inference",
                      [](const R& r) { return r.macs_per_inference; }),
        stat_field<R>("workload.inferences", "inferences", "batch simulated", [](const R& r) { return r.inferences; }),

        stat_field<R>("mapping.tiles_used", "tiles", "tiles holding a weight block (replicas included)",
                      [](const R& r) { return r.mapping.tiles_used(); }),
        stat_field<R>(
            "mapping.failed_tiles", "tile ids", "tiles whose core failed (chip.failed_tiles); no block sits there",
            [](const R& r) {
                return std::vector<std::uint64_t>(r.mapping.failed_tiles.begin(), r.mapping.failed_tiles.end());
            }),
        stat_field<R>("mapping.cell_utilization", "fraction", "programmed cells / cells of the tiles used",
                      [](const R& r) { return r.mapping.cell_utilization(); }),
        stat_field<R>("mapping.chip_cell_utilization", "fraction", "programmed cells / cells of the whole chip",
                      [](const R& r) { return r.mapping.chip_cell_utilization(); }),
        stat_field<R>("mapping.placement", "", "placement method (snake, traffic)",
                      [](const R& r) { return placement_method_name(r.placement.method); }),
        stat_field<R>("mapping.placement_cost_bit_hops", "bit-hops", "bits x hops of one inference, this placement",
                      [](const R& r) { return r.placement.cost_bit_hops; }),
        stat_field<R>("mapping.placement_cost_bit_hops_snake", "bit-hops",
                      "bits x hops of one inference, snake placement",
                      [](const R& r) { return r.placement.snake_cost_bit_hops; }),

        stat_field<R>("performance.latency_ns", "ns", "inference 0: first input pixel to last output at the controller",
                      [](const R& r) { return r.latency_ns; }),
        stat_field<R>("performance.latency_cycles", "cycles", "latency_ns in clock cycles",
                      [](const R& r) { return r.latency_cycles; }),
        stat_field<R>("performance.throughput_inferences_per_s", "1/s",
                      "steady rate (N-1) / (last done - first done); the batch rate if not steady",
                      [](const R& r) { return r.throughput_inferences_per_s; }),
        stat_field<R>("performance.batch_throughput_inferences_per_s", "1/s",
                      "N / (last done - first input of inference 0)",
                      [](const R& r) { return r.batch_throughput_inferences_per_s; }),
        stat_field<R>("performance.steady_state", "",
                      "false: the inferences overlapped faster than the busiest array allows (run a larger batch)",
                      [](const R& r) { return r.steady_state; }),
        stat_field<R>("performance.simulated_ns", "ns", "simulated time of the whole batch",
                      [](const R& r) { return r.simulated_ns; }),
        stat_field<R>("performance.tops", "TOPS", "workload ops / simulated time", [](const R& r) { return r.tops; }),
        stat_field<R>("performance.tops_per_w", "TOPS/W", "workload ops / energy",
                      [](const R& r) { return r.tops_per_w; }),
        stat_field<R>("performance.energy_per_inference_nj", "nJ", "whole-run energy / inferences",
                      [](const R& r) { return r.energy_per_inference_nj; }),
        stat_field<R>("performance.tile_mvms", "MVMs", "MVMs issued by all tiles, whole run",
                      [](const R& r) { return r.tile_mvms; }),
        stat_field<R>("performance.psum_adds", "adds", "partial sums of row blocks added digitally, whole run",
                      [](const R& r) { return r.psum_adds; }),
        stat_field<R>("performance.energy_breakdown_pj.input", "pJ", "loading inputs into the row drivers",
                      [](const R& r) { return r.energy_pj.input; }),
        stat_field<R>("performance.energy_breakdown_pj.pwm", "pJ", "row drivers (pulse-width modulation)",
                      [](const R& r) { return r.energy_pj.pwm; }),
        stat_field<R>("performance.energy_breakdown_pj.array", "pJ", "current through the crossbar cells",
                      [](const R& r) { return r.energy_pj.array; }),
        stat_field<R>("performance.energy_breakdown_pj.adc", "pJ", "column conversions",
                      [](const R& r) { return r.energy_pj.adc; }),
        stat_field<R>("performance.energy_breakdown_pj.ldpu", "pJ", "tiles' local digital post-processing",
                      [](const R& r) { return r.energy_pj.ldpu; }),
        stat_field<R>("performance.energy_breakdown_pj.gdpu", "pJ", "global digital units (pool, add, softmax, psums)",
                      [](const R& r) { return r.energy_pj.gdpu; }),
        stat_field<R>("performance.energy_breakdown_pj.interconnect", "pJ", "bits moved over links",
                      [](const R& r) { return r.energy_pj.interconnect; }),
        stat_field<R>("performance.energy_breakdown_pj.static", "pJ", "static power of powered tiles and chip x time",
                      [](const R& r) { return r.energy_pj.static_; }),

        stat_field<R>("interconnect.bytes", "B", "payload carried", [](const R& r) { return r.net_totals.bytes(); }),
        stat_field<R>("interconnect.packets", "packets", "packets sent",
                      [](const R& r) { return r.net_totals.packets; }),
        stat_field<R>("interconnect.bit_hops", "bit-hops", "bits x links crossed",
                      [](const R& r) { return r.net_totals.bit_hops; }),
        stat_field<R>("interconnect.stall_cycles", "cycles", "cycles packets waited for a busy link",
                      [](const R& r) { return r.net_totals.stall_cycles; }),
        stat_field<R>("interconnect.backpressure_cycles", "cycles", "upstream link cycles held by blocked packets",
                      [](const R& r) { return r.net_totals.held_cycles; }),
        stat_field<R>("interconnect.peak_buffer_flits", "flits", "largest blocked part of a packet",
                      [](const R& r) { return r.net_totals.peak_buffer_flits; }),
        stat_field<R>("interconnect.max_link_utilization", "fraction", "busiest link's busy share of the run",
                      [](const R& r) { return r.max_link_utilization; }),
        stat_field<R>("interconnect.hop_histogram", "packets", "[h] = packets that took h hops",
                      [](const R& r) { return r.net_totals.hop_histogram; }),

        stat_field<R>("simulation.functional", "", "values computed besides time and energy",
                      [](const R& r) { return r.functional; }),
        stat_field<R>("simulation.simulated_ns", "ns", "simulated time of the whole batch",
                      [](const R& r) { return r.simulated_ns; }),
    };
}

StatTable<R> tile_table() {
    const auto block = [](const R& r, std::size_t i) -> const TileBlock& { return r.mapping.blocks[i]; };
    return {
        "mapping.tiles",
        "a tile holding a weight block",
        [](const R& r) { return r.mapping.blocks.size(); },
        {
            stat_column<R>("tile", "", "tile id (row x grid_cols + col)",
                           [block](const R& r, std::size_t i) { return block(r, i).tile; }),
            stat_column<R>("row", "", "grid row", [block](const R& r, std::size_t i) { return block(r, i).grid_row; }),
            stat_column<R>("col", "", "grid column",
                           [block](const R& r, std::size_t i) { return block(r, i).grid_col; }),
            stat_column<R>("layer", "", "weight layer held",
                           [block](const R& r, std::size_t i) {
                               const auto p = r.mapping.placement_of_layer[static_cast<std::size_t>(block(r, i).layer)];
                               return r.mapping.layers.at(static_cast<std::size_t>(p)).name;
                           }),
            stat_column<R>("block_row", "", "slice of the matrix rows",
                           [block](const R& r, std::size_t i) { return block(r, i).block_row; }),
            stat_column<R>("block_col", "", "slice of the matrix columns",
                           [block](const R& r, std::size_t i) { return block(r, i).block_col; }),
            stat_column<R>("replica", "", "copy of the layer's blocks (0: the original)",
                           [block](const R& r, std::size_t i) { return block(r, i).replica; }),
            stat_column<R>("rows", "rows", "matrix rows held",
                           [block](const R& r, std::size_t i) { return block(r, i).rows; }),
            stat_column<R>("cols", "columns", "matrix columns held",
                           [block](const R& r, std::size_t i) { return block(r, i).cols; }),
            stat_column<R>("faulty_devices", "devices",
                           "devices of the block that do not follow programming (stuck low or high); null when "
                           "timing-only (nothing programmed)",
                           [](const R& r, std::size_t i) -> StatValue {
                               if (r.faulty_devices.empty()) return std::monostate{};
                               return stat_value(static_cast<std::int64_t>(r.faulty_devices[i]));
                           }),
        }};
}

StatTable<R> gdpu_table() {
    return {"gdpus",
            "a global digital unit",
            [](const R& r) { return r.gdpus.size(); },
            {
                stat_column<R>("gdpu", "", "GDPU number", [](const R&, std::size_t g) { return g; }),
                stat_column<R>("tile", "", "tile whose router it is attached to",
                               [](const R& r, std::size_t g) { return r.gdpus[g].tile; }),
                stat_column<R>("row", "", "grid row of that tile",
                               [](const R& r, std::size_t g) { return r.gdpus[g].tile / r.grid_cols; }),
                stat_column<R>("col", "", "grid column of that tile",
                               [](const R& r, std::size_t g) { return r.gdpus[g].tile % r.grid_cols; }),
                stat_column<R>("values", "values", "values processed",
                               [](const R& r, std::size_t g) { return r.gdpus[g].values; }),
                stat_column<R>("busy_cycles", "cycles", "cycles serving work",
                               [](const R& r, std::size_t g) { return r.gdpus[g].busy_cycles; }),
                stat_column<R>("queue_cycles", "cycles", "cycles work waited for the unit, summed",
                               [](const R& r, std::size_t g) { return r.gdpus[g].queue_cycles; }),
                stat_column<R>("busy_cycles_by_op", "cycles", "busy_cycles by the op served",
                               [](const R& r, std::size_t g) { return busy_by_op(r.gdpus[g]); }),
                stat_column<R>("utilization", "fraction", "busy share of the run",
                               [](const R& r, std::size_t g) {
                                   const double span = run_cycles(r);
                                   return span > 0 ? static_cast<double>(r.gdpus[g].busy_cycles) / span : 0.0;
                               }),
                stat_column<R>("macs", "MACs", "multiply-accumulates of two activations (Q K^T, A V), whole run",
                               [](const R& r, std::size_t g) { return r.gdpus[g].macs; }),
                stat_column<R>("kv_buffer_bytes", "B",
                               "buffer its products' second operands (K^T, V) need for one sequence, at "
                               "chip.activation_bits per value",
                               [](const R& r, std::size_t g) { return r.gdpus[g].buffer_values * r.activation_bits / 8; }),
            }};
}

StatTable<R> matmul_unit_table() {
    return {"matmul_units",
            "a dedicated digital matmul unit (chip.matmul_unit; used with chip.attention: matmul_unit)",
            [](const R& r) { return r.matmul_units.size(); },
            {
                stat_column<R>("unit", "", "matmul unit number", [](const R&, std::size_t u) { return u; }),
                stat_column<R>("tile", "", "tile whose router it is attached to",
                               [](const R& r, std::size_t u) { return r.matmul_units[u].tile; }),
                stat_column<R>("rows", "rows", "output rows computed, whole run",
                               [](const R& r, std::size_t u) { return r.matmul_units[u].rows; }),
                stat_column<R>("macs", "MACs", "multiply-accumulates, whole run",
                               [](const R& r, std::size_t u) { return r.matmul_units[u].macs; }),
                stat_column<R>("busy_cycles", "cycles", "cycles computing",
                               [](const R& r, std::size_t u) { return r.matmul_units[u].busy_cycles; }),
                stat_column<R>("queue_cycles", "cycles", "cycles rows waited for the unit, summed",
                               [](const R& r, std::size_t u) { return r.matmul_units[u].queue_cycles; }),
                stat_column<R>("utilization", "fraction", "busy share of the run",
                               [](const R& r, std::size_t u) {
                                   const double span = run_cycles(r);
                                   return span > 0 ? static_cast<double>(r.matmul_units[u].busy_cycles) / span : 0.0;
                               }),
                stat_column<R>("kv_buffer_bytes", "B", "buffer its second operands (K^T, V) need for one sequence",
                               [](const R& r, std::size_t u) {
                                   return r.matmul_units[u].buffer_values * r.activation_bits / 8;
                               }),
            }};
}

// Layers summed by op (`layer_types`) or by block of the network (`layer_blocks`).
StatTable<R> group_table(const char* path, const char* what, std::vector<LayerGroupResult> R::*groups) {
    const auto g = [groups](const R& r, std::size_t i) -> const LayerGroupResult& { return (r.*groups)[i]; };
    return {path,
            what,
            [groups](const R& r) { return (r.*groups).size(); },
            {
                stat_column<R>("name", "", "op, or the layers' common name prefix",
                               [g](const R& r, std::size_t i) { return g(r, i).name; }),
                stat_column<R>("layers", "layers", "layers in it", [g](const R& r, std::size_t i) { return g(r, i).layers; }),
                stat_column<R>("start_ns", "ns", "inference 0: its first layer's start",
                               [g](const R& r, std::size_t i) { return g(r, i).start_ns; }),
                stat_column<R>("end_ns", "ns", "inference 0: its last layer's end",
                               [g](const R& r, std::size_t i) { return g(r, i).end_ns; }),
                stat_column<R>("latency_ns", "ns", "end_ns - start_ns",
                               [g](const R& r, std::size_t i) { return g(r, i).end_ns - g(r, i).start_ns; }),
                stat_column<R>("energy_pj", "pJ",
                               "per inference: tiles' dynamic energy and digital ops' (links and static power not "
                               "split by layer)",
                               [g](const R& r, std::size_t i) { return g(r, i).energy_pj; }),
                stat_column<R>("macs", "MACs", "per inference: on the tiles, or of two activations (MatMul)",
                               [g](const R& r, std::size_t i) { return g(r, i).macs; }),
                stat_column<R>("tops_per_w", "TOPS/W", "2 x macs / energy_pj (null: no MACs)",
                               [g](const R& r, std::size_t i) {
                                   return g(r, i).macs > 0 ? stat_value(g(r, i).tops_per_w()) : StatValue{};
                               }),
            }};
}

StatTable<R> layer_table() {
    return {"layers",
            "a weight layer on its tiles, or a softmax on a GDPU, in network order",
            [](const R& r) { return r.layers.size(); },
            {
                stat_column<R>("name", "", "layer name", [](const R& r, std::size_t i) { return r.layers[i].name; }),
                stat_column<R>("op", "", "operation", [](const R& r, std::size_t i) { return r.layers[i].op; }),
                stat_column<R>("gdpu", "", "softmax: the GDPU it runs on (null: a tile's digital unit, or tiles)",
                               [](const R& r, std::size_t i) {
                                   const int g = r.layers[i].gdpu;
                                   return g >= 0 ? stat_value(g) : StatValue{};
                               }),
                stat_column<R>("tiles", "tiles", "tiles it occupies (replicas included)",
                               [](const R& r, std::size_t i) { return r.layers[i].tiles; }),
                stat_column<R>("replicas", "", "copies of its blocks",
                               [](const R& r, std::size_t i) { return r.layers[i].replicas; }),
                stat_column<R>("row_blocks", "blocks", "slices of the matrix rows",
                               [](const R& r, std::size_t i) { return r.layers[i].row_blocks; }),
                stat_column<R>("col_blocks", "blocks", "slices of the matrix columns",
                               [](const R& r, std::size_t i) { return r.layers[i].col_blocks; }),
                stat_column<R>("mvms", "MVMs", "MVMs, whole run",
                               [](const R& r, std::size_t i) { return r.layers[i].mvms; }),
                stat_column<R>("start_ns", "ns", "inference 0: first input at a tile (or GDPU)",
                               [](const R& r, std::size_t i) { return r.layers[i].start_ns; }),
                stat_column<R>("end_ns", "ns", "inference 0: last output ready",
                               [](const R& r, std::size_t i) { return r.layers[i].end_ns; }),
                stat_column<R>("latency_ns", "ns", "end_ns - start_ns",
                               [](const R& r, std::size_t i) { return r.layers[i].end_ns - r.layers[i].start_ns; }),
                stat_column<R>("energy_pj", "pJ", "tile dynamic energy per inference (softmax: its GDPU ops)",
                               [](const R& r, std::size_t i) { return r.layers[i].energy_pj; }),
            }};
}

}  // namespace

const StatDeclarations<ChipRunResult>& chip_counters() {
    static const StatDeclarations<ChipRunResult> declarations{
        fields(),
        {tile_table(), gdpu_table(), matmul_unit_table(), layer_table(),
         group_table("layer_types", "the layers of one op, summed", &R::layer_types),
         group_table("layer_blocks", "the layers of one block (attention, FFN, ...: names up to the last '/'), summed",
                     &R::layer_blocks)}};
    return declarations;
}

}  // namespace aimcsim
