#include "src/chip/chip_run.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <sstream>

#include "aimcsim/core/registry.h"
#include "aimcsim/core/rng.h"
#include "aimcsim/core/error.h"
#include "src/functional/analog_network.h"
#include "src/chip/chip.h"
#include "src/core/sim_context.h"

namespace aimcsim {

ChipPeak chip_peak(const TileModel& tile, const ChipParams& chip) {
    ChipPeak p;
    p.tiles = chip.tiles();
    p.mvm_interval_ns = tile.phases().array_busy() / tile.clock_ghz();
    p.tile_dynamic_mw = tile.reference_mvm_energy().total_pj() / p.mvm_interval_ns;  // pJ/ns = mW
    p.peak_power_mw = p.tiles * (p.tile_dynamic_mw + tile.static_power_mw()) + chip.static_power_mw;
    const double ops_per_ns = p.tiles * 2.0 * tile.rows() * tile.cols() / p.mvm_interval_ns;
    p.peak_tops = ops_per_ns * 1e-3;
    p.peak_tops_per_w = ops_per_ns / p.peak_power_mw;  // ops/ns per mW = 1e9 ops/s per 1e-3 W = TOPS/W
    return p;
}

MvmEnergy block_energy(const MvmEnergy& reference, const TileBlock& b, const Mapping& m, std::uint64_t mvms) {
    const double rows = static_cast<double>(b.rows) / m.tile_rows;
    const double cols = static_cast<double>(b.cols) / m.tile_cols;
    const auto n = static_cast<double>(mvms);
    MvmEnergy e;
    e.input_pj = n * reference.input_pj * rows;         // inputs loaded per used row
    e.pwm_pj = n * reference.pwm_pj * rows;             // drivers per used row
    e.array_pj = n * reference.array_pj * rows * cols;  // current through the used cells
    e.adc_pj = n * reference.adc_pj * cols;             // conversions per used column
    e.ldpu_pj = n * reference.ldpu_pj * cols;           // post-processing per used column
    return e;
}

namespace {

// A softmax's row of the per-layer table: no tiles, its GDPU, its digital energy.
LayerResult softmax_row(const Network& net, const ChipSchedule& s, const GdpuLayerTiming& t, int batch,
                        double ns_per_cycle) {
    const Layer& l = net.layers[static_cast<std::size_t>(t.layer)];
    LayerResult lr;
    lr.name = l.name;
    lr.op = op_name(l.op);
    lr.gdpu = t.gdpu;
    lr.start_ns = static_cast<double>(t.first_input_cycle) * ns_per_cycle;
    lr.end_ns = static_cast<double>(t.last_output_cycle) * ns_per_cycle;
    lr.energy_pj = s.digital_layer_energy_pj()[static_cast<std::size_t>(t.layer)] / batch;
    return lr;
}

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

// {op name: busy cycles} of the ops a GDPU served.
nlohmann::json busy_by_op_json(const GdpuStats& g) {
    nlohmann::json j = nlohmann::json::object();
    for (int op = 0; op < kOpCount; ++op) {
        const std::uint64_t cycles = g.busy_cycles_by_op[static_cast<std::size_t>(op)];
        if (cycles > 0) j[op_name(static_cast<Op>(op))] = cycles;
    }
    return j;
}

}  // namespace

ChipRunResult run_chip(const TileConfig& tile_section, const ChipParams& chip, const Network& net, std::uint64_t seed,
                       int batch) {
    ChipRunOptions opts;
    opts.seed = seed;
    opts.batch = batch;
    return run_chip(tile_section, chip, net, opts);
}

ChipRunResult run_chip(const TileConfig& tile_section, const ChipParams& chip, const Network& net,
                       const ChipRunOptions& opts) {
    const std::uint64_t seed = opts.seed;
    const int batch = opts.batch;
    const auto t0 = std::chrono::steady_clock::now();
    const std::unique_ptr<TileModel> probe = tile_section.create();
    ChipRunResult r;
    r.peak = chip_peak(*probe, chip);
    r.grid_rows = chip.rows;
    r.grid_cols = chip.cols;
    r.clock_ghz = probe->clock_ghz();
    r.phases = probe->phases();
    r.workload_name = net.name;
    r.macs_per_inference = net.macs_per_inference();
    r.inferences = batch;
    {
        ChipMapping cm = map_on_chip(net, probe->rows(), probe->cols(), chip);
        r.mapping = std::move(cm.mapping);
        r.placement = cm.placement;
    }
    const double ns_per_cycle = 1.0 / r.clock_ghz;

    ChipValues values;
    std::unique_ptr<AnalogNetwork> analog;
    if (opts.functional) {
        for (const Layer& l : net.layers) {
            if (l.has_weights_matrix() && l.weights.empty()) {
                throw InputError(
                    "layer '" + l.name +
                    "' has no weights: the functional mode needs them (or set simulation.functional: false)");
            }
        }
        values.gdc = opts.gdc;
        values.first_image = opts.first_image;
        values.inputs = opts.inputs;
        for (int n = static_cast<int>(values.inputs.size()); n < batch; ++n) {
            Rng rng(seed, Stream::Inputs, {static_cast<std::uint64_t>(n)});
            std::vector<float> x(net.input_shape().size());
            for (float& v : x) v = static_cast<float>(rng.uniform());
            values.inputs.push_back(std::move(x));
        }
        values.inputs.resize(static_cast<std::size_t>(batch));
        for (const auto& in : values.inputs) {
            if (in.size() != net.input_shape().size()) {
                throw InputError("network '" + net.name + "': input has " + std::to_string(in.size()) +
                                 " values, expected " + net.input_shape().str());
            }
        }
        // Programming happens before the inference, outside simulated time.
        analog = std::make_unique<AnalogNetwork>(net, r.mapping, tile_section, seed,
                                                 opts.calibration.empty() ? values.inputs : opts.calibration,
                                                 opts.adc_range_scale, opts.threads);
        analog->set_time(opts.t_inference_s);
        values.analog = analog.get();
    }
    r.functional = opts.functional;

    fresh_sim_context();
    Chip c("chip", tile_section, chip, net, r.mapping, seed, batch, opts.functional ? &values : nullptr, opts.trace);
    const auto t_sim = std::chrono::steady_clock::now();
    sim_start();  // sc_start(), then tells ASan the stack again (sim_context.h)
    r.simulate_wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_sim).count();
    const ChipSchedule& s = c.schedule();
    if (!s.finished()) throw std::logic_error("chip simulation ended before every inference finished");

    r.topology = chip.interconnect.model();
    for (int n = 0; n < batch; ++n) r.done_cycles.push_back(s.done_cycle(n) - s.first_input_cycle(n));
    r.latency_cycles = r.done_cycles.front();
    r.latency_ns = static_cast<double>(r.latency_cycles) * ns_per_cycle;
    const std::uint64_t end_cycle = s.done_cycle(batch - 1);
    r.simulated_ns = static_cast<double>(end_cycle) * ns_per_cycle;
    r.batch_throughput_inferences_per_s =
        batch / (static_cast<double>(end_cycle - s.first_input_cycle(0)) * ns_per_cycle * 1e-9);
    if (batch > 1) {
        const std::uint64_t span = s.done_cycle(batch - 1) - s.done_cycle(0);
        const double span_ns = static_cast<double>(span) * ns_per_cycle;
        r.throughput_inferences_per_s = span_ns > 0 ? (batch - 1) / (span_ns * 1e-9) : 0.0;
        // No steady stream can beat the busiest array: its MVMs per inference x the
        // array time per MVM. A faster estimate means the inferences overlapped in
        // the pipeline fill (e.g. interleaved LSTM sequences): report the batch rate.
        std::uint64_t busiest = 0;
        for (std::uint64_t m : s.block_mvms()) busiest = std::max(busiest, m);
        const double bound_cycles = static_cast<double>(busiest) / batch * r.phases.array_busy();
        const double bound = bound_cycles > 0 ? 1.0 / (bound_cycles * ns_per_cycle * 1e-9) : 0.0;
        r.steady_state = bound <= 0.0 || r.throughput_inferences_per_s <= bound * 1.001;
        if (!r.steady_state) r.throughput_inferences_per_s = r.batch_throughput_inferences_per_s;
    } else {
        r.throughput_inferences_per_s = 1.0 / (r.latency_ns * 1e-9);
    }

    // Energy: tiles' dynamic energy, digital ops, links, static power over the run.
    std::vector<double> layer_energy(r.mapping.layers.size(), 0.0);
    const MvmEnergy reference = probe->reference_mvm_energy();
    for (std::size_t b = 0; b < r.mapping.blocks.size(); ++b) {
        // Functional: what the tile counted. Timing only: the tile charges its
        // full-array reference energy per MVM; scale it to the cells the block uses.
        const MvmEnergy e = r.functional ? c.tile_of_block(static_cast<int>(b)).energy()
                                         : block_energy(reference, r.mapping.blocks[b], r.mapping, s.block_mvms()[b]);
        r.energy_pj.input += e.input_pj;
        r.energy_pj.pwm += e.pwm_pj;
        r.energy_pj.array += e.array_pj;
        r.energy_pj.adc += e.adc_pj;
        r.energy_pj.ldpu += e.ldpu_pj;
        layer_energy[static_cast<std::size_t>(
            r.mapping.placement_of_layer[static_cast<std::size_t>(r.mapping.blocks[b].layer)])] += e.total_pj();
    }
    r.energy_pj.gdpu = s.digital().energy_pj;
    const LinkScheduler& links = c.interconnect().scheduler();
    r.net_totals = links.totals();
    r.energy_pj.interconnect = r.net_totals.energy_pj;
    const int powered_tiles = chip.power_gate_unused_tiles ? r.mapping.tiles_used() : chip.tiles();
    r.energy_pj.static_ =
        (powered_tiles * probe->static_power_mw() + chip.static_power_mw) * r.simulated_ns;  // mW * ns = pJ
    for (std::size_t l = 0; l < links.num_links(); ++l) {
        r.max_link_utilization = std::max(r.max_link_utilization, links.utilisation(static_cast<int>(l)));
    }
    r.tile_mvms = s.mvms_issued();
    r.psum_adds = s.digital().psum_adds;
    const double ops = 2.0 * static_cast<double>(r.macs_per_inference) * batch;
    r.tops = r.simulated_ns > 0 ? ops / r.simulated_ns * 1e-3 : 0.0;
    r.tops_per_w = ops / r.energy_pj.total();
    r.energy_per_inference_nj = r.energy_pj.total() / batch * 1e-3;

    // Rows in network order: weight layers and the softmax layers between them.
    std::vector<std::pair<int, LayerResult>> rows;
    for (std::size_t i = 0; i < r.mapping.layers.size(); ++i) {
        const LayerPlacement& lp = r.mapping.layers[i];
        const LayerTiming& lt = s.layer_timing()[i];
        LayerResult lr;
        lr.name = lp.name;
        lr.op = op_name(net.layers[static_cast<std::size_t>(lp.layer)].op);
        lr.tiles = lp.all_tiles();
        lr.replicas = lp.replicas;
        lr.row_blocks = lp.row_blocks;
        lr.col_blocks = lp.col_blocks;
        lr.mvms = lt.mvms;
        lr.start_ns = static_cast<double>(lt.first_input_cycle) * ns_per_cycle;
        lr.end_ns = static_cast<double>(lt.last_output_cycle) * ns_per_cycle;
        lr.energy_pj = layer_energy[i] / batch;
        rows.emplace_back(lp.layer, lr);
    }
    for (const GdpuLayerTiming& t : s.softmax_timing())
        rows.emplace_back(t.layer, softmax_row(net, s, t, batch, ns_per_cycle));
    std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& row : rows) r.layers.push_back(std::move(row.second));
    r.spans = s.spans();
    r.gdpus = s.gdpus();
    for (const Layer& l : net.layers) r.layer_names.push_back(l.name);
    r.gdpu_spans = s.gdpu_spans();
    r.link_spans = links.spans();
    r.links = c.topology().links();
    if (r.functional) {
        for (int n = 0; n < batch; ++n) r.outputs.push_back(s.values(n, net.output));
    }
    r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return r;
}

nlohmann::json chip_report_json(const ChipRunResult& r) {
    using nlohmann::json;
    json j;
    j["chip"] = {{"tiles", r.peak.tiles},
                 {"grid_rows", r.grid_rows},
                 {"grid_cols", r.grid_cols},
                 {"clock_ghz", r.clock_ghz},
                 {"mvm_interval_ns", r.peak.mvm_interval_ns},
                 {"mvm_latency_ns", r.phases.latency() / r.clock_ghz},
                 {"peak_power_mw", r.peak.peak_power_mw},
                 {"peak_tops", r.peak.peak_tops},
                 {"peak_tops_per_w", r.peak.peak_tops_per_w}};
    j["chip"]["topology"] = r.topology;
    j["chip"]["functional"] = r.functional;
    j["workload"] = {
        {"name", r.workload_name}, {"macs_per_inference", r.macs_per_inference}, {"inferences", r.inferences}};
    json tiles = json::array();
    for (const TileBlock& b : r.mapping.blocks) {
        tiles.push_back({{"tile", b.tile},
                         {"row", b.grid_row},
                         {"col", b.grid_col},
                         {"layer", r.mapping.layers
                                       .at(static_cast<std::size_t>(
                                           r.mapping.placement_of_layer[static_cast<std::size_t>(b.layer)]))
                                       .name},
                         {"block_row", b.block_row},
                         {"block_col", b.block_col},
                         {"replica", b.replica},
                         {"rows", b.rows},
                         {"cols", b.cols}});
    }
    j["mapping"] = {{"tiles_used", r.mapping.tiles_used()},
                    {"cell_utilization", r.mapping.cell_utilization()},
                    {"chip_cell_utilization", r.mapping.chip_cell_utilization()},
                    {"placement", placement_method_name(r.placement.method)},
                    {"placement_cost_bit_hops", r.placement.cost_bit_hops},
                    {"placement_cost_bit_hops_snake", r.placement.snake_cost_bit_hops},
                    {"tiles", tiles}};
    j["performance"] = {{"latency_ns", r.latency_ns},
                        {"latency_cycles", r.latency_cycles},
                        {"throughput_inferences_per_s", r.throughput_inferences_per_s},
                        {"batch_throughput_inferences_per_s", r.batch_throughput_inferences_per_s},
                        {"steady_state", r.steady_state},
                        {"simulated_ns", r.simulated_ns},
                        {"tops", r.tops},
                        {"tops_per_w", r.tops_per_w},
                        {"energy_per_inference_nj", r.energy_per_inference_nj},
                        {"tile_mvms", r.tile_mvms},
                        {"psum_adds", r.psum_adds},
                        {"energy_breakdown_pj",
                         {{"input", r.energy_pj.input},
                          {"pwm", r.energy_pj.pwm},
                          {"array", r.energy_pj.array},
                          {"adc", r.energy_pj.adc},
                          {"ldpu", r.energy_pj.ldpu},
                          {"gdpu", r.energy_pj.gdpu},
                          {"interconnect", r.energy_pj.interconnect},
                          {"static", r.energy_pj.static_}}}};
    j["interconnect"] = {{"bytes", r.net_totals.bytes()},
                         {"packets", r.net_totals.packets},
                         {"bit_hops", r.net_totals.bit_hops},
                         {"stall_cycles", r.net_totals.stall_cycles},
                         {"backpressure_cycles", r.net_totals.held_cycles},
                         {"peak_buffer_flits", r.net_totals.peak_buffer_flits},
                         {"max_link_utilization", r.max_link_utilization},
                         {"hop_histogram", r.net_totals.hop_histogram}};
    json gdpus = json::array();
    const double span = r.simulated_ns * r.clock_ghz;
    for (std::size_t g = 0; g < r.gdpus.size(); ++g) {
        const GdpuStats& s = r.gdpus[g];
        gdpus.push_back({{"gdpu", g},
                         {"tile", s.tile},
                         {"row", s.tile / r.grid_cols},
                         {"col", s.tile % r.grid_cols},
                         {"values", s.values},
                         {"busy_cycles", s.busy_cycles},
                         {"queue_cycles", s.queue_cycles},
                         {"busy_cycles_by_op", busy_by_op_json(s)},
                         {"utilization", span > 0 ? static_cast<double>(s.busy_cycles) / span : 0.0}});
    }
    j["gdpus"] = gdpus;
    json layers = json::array();
    for (const LayerResult& l : r.layers) {
        layers.push_back({{"name", l.name},
                          {"op", l.op},
                          {"gdpu", l.gdpu >= 0 ? nlohmann::json(l.gdpu) : nlohmann::json(nullptr)},
                          {"tiles", l.tiles},
                          {"replicas", l.replicas},
                          {"row_blocks", l.row_blocks},
                          {"col_blocks", l.col_blocks},
                          {"mvms", l.mvms},
                          {"start_ns", l.start_ns},
                          {"end_ns", l.end_ns},
                          {"latency_ns", l.end_ns - l.start_ns},
                          {"energy_pj", l.energy_pj}});
    }
    j["layers"] = layers;
    return j;
}

std::string chip_report_text(const ChipRunResult& r) {
    std::ostringstream os;
    os.setf(std::ios::fixed);
    os.precision(2);
    os << "chip: " << r.grid_rows << "x" << r.grid_cols << " tiles, " << r.topology << " interconnect, MVM every "
       << r.peak.mvm_interval_ns << " ns; peak " << r.peak.peak_tops << " TOPS, " << r.peak.peak_tops_per_w
       << " TOPS/W (8-bit, all cells)\n";
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
       << r.tops << " TOPS, " << r.tops_per_w << " TOPS/W, " << r.energy_per_inference_nj * 1e-3 << " uJ/inference\n";
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
    return os.str();
}

nlohmann::json chip_trace_json(const ChipRunResult& r) {
    using nlohmann::json;
    json events = json::array();
    const double us_per_cycle = 1e-3 / r.clock_ghz;
    // Three processes: tiles (tid = tile id), GDPUs (tid = GDPU), links (tid = link id).
    const auto name_process = [&](int pid, const std::string& name) {
        events.push_back({{"name", "process_name"}, {"ph", "M"}, {"pid", pid}, {"args", {{"name", name}}}});
    };
    const auto name_track = [&](int pid, int tid, const std::string& name) {
        events.push_back(
            {{"name", "thread_name"}, {"ph", "M"}, {"pid", pid}, {"tid", tid}, {"args", {{"name", name}}}});
    };
    const auto slice = [&](const std::string& name, int pid, int tid, std::uint64_t start, std::uint64_t end,
                           json args) {
        events.push_back({{"name", name},
                          {"ph", "X"},
                          {"pid", pid},
                          {"tid", tid},
                          {"ts", static_cast<double>(start) * us_per_cycle},
                          {"dur", static_cast<double>(end - start) * us_per_cycle},
                          {"args", std::move(args)}});
    };
    const auto where = [&](int tile) {
        return "(" + std::to_string(tile / r.grid_cols) + "," + std::to_string(tile % r.grid_cols) + ")";
    };
    const auto layer_name = [&](int network_layer) -> std::string {
        const int p = r.mapping.placement_of_layer[static_cast<std::size_t>(network_layer)];
        return p >= 0 ? r.mapping.layers[static_cast<std::size_t>(p)].name : "layer " + std::to_string(network_layer);
    };
    name_process(0, "tiles");
    for (const TileBlock& b : r.mapping.blocks)
        name_track(0, b.tile, "tile " + std::to_string(b.tile) + " " + where(b.tile));
    for (const MvmSpan& s : r.spans) {
        const TileBlock& b = r.mapping.blocks[static_cast<std::size_t>(s.block)];
        slice(layer_name(b.layer), 0, s.tile, s.start_cycle, s.end_cycle,
              {{"inference", s.inference}, {"pixel", s.out_pixel}, {"block", {b.block_row, b.block_col}}});
    }
    if (!r.gdpu_spans.empty()) {
        name_process(1, "GDPUs");
        for (std::size_t g = 0; g < r.gdpus.size(); ++g) {
            name_track(1, static_cast<int>(g), "gdpu " + std::to_string(g) + " at " + where(r.gdpus[g].tile));
        }
        for (const GdpuSpan& s : r.gdpu_spans) {
            slice(r.layer_names.at(static_cast<std::size_t>(s.layer)), 1, s.gdpu, s.start_cycle, s.end_cycle,
                  {{"inference", s.inference}, {"pixel", s.pixel}});
        }
    }
    if (!r.link_spans.empty()) {
        name_process(2, "links");
        std::vector<bool> used(r.links.size(), false);
        for (const LinkSpan& s : r.link_spans) used[static_cast<std::size_t>(s.link)] = true;
        for (std::size_t l = 0; l < r.links.size(); ++l) {
            if (used[l])
                name_track(2, static_cast<int>(l),
                           "link " + where(r.links[l].src_tile) + " -> " + where(r.links[l].dst_tile));
        }
        for (const LinkSpan& s : r.link_spans) slice("packet", 2, s.link, s.start_cycle, s.end_cycle, json::object());
    }
    return json{{"traceEvents", events}, {"displayTimeUnit", "ns"}};
}

std::string layers_csv(const ChipRunResult& r) {
    std::ostringstream os;
    os << "name,op,tiles,row_blocks,col_blocks,mvms,start_ns,end_ns,latency_ns,energy_pj,gdpu\n";
    for (const LayerResult& l : r.layers) {
        os << l.name << ',' << l.op << ',' << l.tiles << ',' << l.row_blocks << ',' << l.col_blocks << ',' << l.mvms
           << ',' << l.start_ns << ',' << l.end_ns << ',' << (l.end_ns - l.start_ns) << ',' << l.energy_pj << ','
           << (l.gdpu >= 0 ? std::to_string(l.gdpu) : std::string()) << '\n';
    }
    return os.str();
}

}  // namespace aimcsim
