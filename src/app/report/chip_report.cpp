#include "src/app/report/chip_report.h"

#include "src/app/report/stat_report.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <sstream>

namespace aimcsim {

namespace {

std::string transformer_text(const ChipRunResult& r);


// " (busy cycles: MaxPool 12, Softmax 30)" of the ops a GDPU served.
std::string busy_by_op_text(const GdpuStats& g) {
    std::string text;
    for (int op = 0; op < kOpCount; ++op) {
        const std::uint64_t cycles = g.busy_cycles_by_op[static_cast<std::size_t>(op)];
        if (cycles > 0)
            text += (text.empty() ? " (busy cycles: " : ", ") + std::string(op_name(static_cast<Op>(op))) + " " +
                    std::to_string(cycles);
    }
    return text.empty() ? text : text + ")";
}

}  // namespace

nlohmann::json chip_report_json(const ChipRunResult& r, const StatDeclarations<ChipRunResult>& counters) {
    return declared_json(r, counters);
}

namespace {

// Everything report.txt says before the bottleneck and the list of counters.
std::string chip_summary_text(const ChipRunResult& r) {
    std::ostringstream os;
    os.setf(std::ios::fixed);
    os.precision(2);
    os << "chip: " << r.grid_rows << "x" << r.grid_cols << " tiles, " << r.topology << " interconnect, MVM every "
       << r.peak.mvm_interval_ns << " ns; peak " << r.peak.peak_tops << " TOPS, " << r.peak.peak_tops_per_w
       << " TOPS/W (reference data: 8-bit"
       << (r.peak.input_passes > 1 ? " inputs sent in " + std::to_string(r.peak.input_passes) + " passes" : std::string())
       << ", every cell of every tile busy)\n";
    os << "workload: " << r.workload_name << ", " << r.macs_per_inference << " MACs per inference, " << r.inferences
       << " inference(s), " << (r.functional ? "functional" : "timing only") << "\n";
    os << "mapping: " << r.mapping.tiles_used() << " tiles used, cell utilisation "
       << 100.0 * r.mapping.cell_utilization() << " % of used tiles\n";
    os << "placement: " << placement_method_name(r.placement.method) << ", " << r.placement.cost_bit_hops
       << " bit-hops per inference (snake order: " << r.placement.snake_cost_bit_hops << ")\n";
    // Tile map: the weight layer number on each tile ('.' = free).
    os << "tile map (layer number per tile):\n";
    for (int row = 0; row < r.grid_rows; ++row) {
        os << "  ";
        for (int col = 0; col < r.grid_cols; ++col) {
            const int b = r.mapping.block_of_tile[static_cast<std::size_t>(row * r.grid_cols + col)];
            std::string cell = ".";
            if (b >= 0)
                cell = std::to_string(r.mapping.placement_of_layer[static_cast<std::size_t>(
                    r.mapping.blocks[static_cast<std::size_t>(b)].layer)]);
            os << std::string(cell.size() < 4 ? 4 - cell.size() : 1, ' ') << cell;
        }
        os << "\n";
    }
    os << "layers (inference 0):\n  #   name                      tiles  blocks   start_ns     end_ns   energy_nJ\n";
    std::size_t weight_layer = 0;  // # = the weight layer's number in the tile map above
    for (const LayerResult& l : r.layers) {
        char line[200];
        if (l.op == op_name(Op::Softmax)) {  // no tiles: where it ran instead of the blocks
            const std::string unit = l.gdpu >= 0 ? "gdpu " + std::to_string(l.gdpu) : "tile";
            std::snprintf(line, sizeof line, "  %-3s %-25s %5s  %-6s %10.1f %10.1f %11.2f\n", "-", l.name.c_str(), "-",
                          unit.c_str(), l.start_ns, l.end_ns, l.energy_pj * 1e-3);
        } else {
            std::snprintf(line, sizeof line, "  %-3zu %-25s %5d  %2dx%-3d %10.1f %10.1f %11.2f\n", weight_layer++,
                          l.name.c_str(), l.tiles, l.row_blocks, l.col_blocks, l.start_ns, l.end_ns,
                          l.energy_pj * 1e-3);
        }
        os << line;
    }
    if (!r.steady_state) {
        os << "note: the inferences of this batch overlapped before a steady rate set in (they finished faster "
              "than the busiest array allows): throughput is the batch's own; use a larger --batch for the steady "
              "rate\n";
    }
    os << "latency " << r.latency_ns * 1e-3 << " us, throughput " << r.throughput_inferences_per_s << " inferences/s, "
       << "measured " << r.tops << " TOPS, " << r.tops_per_w << " TOPS/W, " << r.energy_per_inference_nj * 1e-3
       << " uJ/inference\n";
    os << "  (measured TOPS/W: this run's workload ops over its energy, static included; peak TOPS/W in the first "
          "line is reference data for every cell busy)\n";
    const EnergyBreakdown& e = r.energy_pj;
    const double t = e.total() > 0 ? e.total() : 1.0;
    os << "energy: array " << 100 * e.array / t << " %, pwm+input " << 100 * (e.pwm + e.input) / t << " %, adc "
       << 100 * e.adc / t << " %, ldpu " << 100 * e.ldpu / t << " %, digital " << 100 * e.gdpu / t
       << " %, interconnect " << 100 * e.interconnect / t << " %, static " << 100 * e.static_ / t << " %\n";
    os << "interconnect: " << r.net_totals.bytes() << " bytes, " << r.net_totals.packets << " packets, "
       << r.net_totals.stall_cycles << " stall cycles, " << r.net_totals.held_cycles
       << " back-pressure cycles, max link utilisation " << r.max_link_utilization << "\n";
    if (!r.gdpus.empty()) {
        std::uint64_t values = 0;
        std::size_t busiest = 0;
        for (std::size_t g = 0; g < r.gdpus.size(); ++g) {
            values += r.gdpus[g].values;
            if (r.gdpus[g].busy_cycles > r.gdpus[busiest].busy_cycles) busiest = g;
        }
        const double span = r.simulated_ns * r.clock_ghz;
        const GdpuStats& g = r.gdpus[busiest];
        os << "gdpus: " << r.gdpus.size() << ", " << values << " values processed; busiest: gdpu " << busiest << " at ("
           << g.tile / r.grid_cols << "," << g.tile % r.grid_cols << "), utilisation "
           << (span > 0 ? static_cast<double>(g.busy_cycles) / span : 0.0) << ", " << g.queue_cycles << " queue cycles"
           << busy_by_op_text(g) << "\n";
    }
    os << transformer_text(r);
    return os.str();
}

// Transformers: energy and TOPS/W per layer type and per block (attention, FFN),
// and the matmul units; nothing for a network without products of two activations.
std::string transformer_text(const ChipRunResult& r) {
    const bool transformer = std::any_of(r.layer_types.begin(), r.layer_types.end(),
                                         [](const LayerGroupResult& g) { return g.name == op_name(Op::MatMul); });
    if (!transformer) return "";
    std::ostringstream os;
    os << "layer types (per inference; tiles' and digital units' dynamic energy):\n";
    for (const LayerGroupResult& g : r.layer_types) {
        os << "  " << g.name << ": " << g.layers << " layers, " << g.energy_pj * 1e-3 << " nJ, " << g.macs << " MACs";
        if (g.macs > 0) os << ", " << g.tops_per_w() << " TOPS/W";
        os << "\n";
    }
    os << "blocks (inference 0):\n";
    for (const LayerGroupResult& g : r.layer_blocks) {
        os << "  " << g.name << ": " << g.start_ns << " .. " << g.end_ns << " ns (" << g.end_ns - g.start_ns
           << " ns), " << g.energy_pj * 1e-3 << " nJ\n";
    }
    std::uint64_t rows = 0, busy = 0, queue = 0;
    for (const MatmulUnitStats& u : r.matmul_units) {
        rows += u.rows;
        busy = std::max(busy, u.busy_cycles);
        queue += u.queue_cycles;
    }
    if (rows > 0) {
        const double span = r.simulated_ns * r.clock_ghz;
        os << "matmul units: " << r.matmul_units.size() << ", " << rows << " rows; busiest utilisation "
           << (span > 0 ? static_cast<double>(busy) / span : 0.0) << ", " << queue << " queue cycles\n";
    }
    return os.str();
}

std::string counters_text(const ChipRunResult& r, const StatDeclarations<ChipRunResult>& counters) {
    return "\nevery counter (report.json key, value, unit, meaning):\n" + declared_text(r, counters);
}

}  // namespace

std::string chip_report_text(const ChipRunResult& r, const StatDeclarations<ChipRunResult>& counters) {
    return chip_summary_text(r) + counters_text(r, counters);
}

std::string chip_report_text(const ChipRunResult& r, const Bottleneck& bottleneck,
                             const StatDeclarations<ChipRunResult>& counters) {
    return chip_summary_text(r) + bottleneck_text(bottleneck) + counters_text(r, counters);
}

}  // namespace aimcsim
