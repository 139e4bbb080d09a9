#include "src/chip/chip_run.h"

#include <algorithm>
#include <cmath>
#include <chrono>
#include <ctime>
#include <memory>
#include <utility>

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
    p.input_passes = input_passes(tile);
    p.tile_dynamic_mw = tile.reference_mvm_energy().total_pj() / p.mvm_interval_ns;  // pJ/ns = mW
    p.peak_power_mw = p.tiles * (p.tile_dynamic_mw + tile.static_power_mw()) + chip.static_power_mw;
    const double ops_per_ns = p.tiles * 2.0 * tile.rows() * tile.cols() / p.mvm_interval_ns;
    p.peak_tops = ops_per_ns * 1e-3;
    p.peak_tops_per_w = ops_per_ns / p.peak_power_mw;  // ops/ns per mW = 1e9 ops/s per 1e-3 W = TOPS/W
    const TileArea area = tile.area();
    if (area.declared()) {
        p.tiles_area_mm2 = p.tiles * area.total_mm2();
        p.area_mm2 = p.tiles_area_mm2 + chip.other_area_mm2;
    }
    return p;
}

double block_weight_activity(const Network& net, const TileBlock& b) {
    const Layer& l = net.layers.at(static_cast<std::size_t>(b.layer));
    if (l.weights.empty()) return kReferenceWeightActivity;
    double sum = 0.0, max = 0.0;
    for (int r = b.row_begin; r < b.row_begin + b.rows; ++r) {
        for (int c = b.col_begin; c < b.col_begin + b.cols; ++c) {
            const double a = std::fabs(static_cast<double>(l.w(r, c)));
            sum += a;
            max = std::max(max, a);
        }
    }
    return max > 0.0 ? sum / (static_cast<double>(b.rows) * b.cols) / max : 0.0;
}

MvmEnergy block_energy(const MvmEnergy& reference, const TileBlock& b, const Mapping& m, std::uint64_t mvms,
                       double weight_activity) {
    const double rows = static_cast<double>(b.rows) / m.tile_rows;
    const double cols = static_cast<double>(b.cols) / m.tile_cols;
    const auto n = static_cast<double>(mvms);
    MvmEnergy e;
    e.input_pj = n * reference.input_pj * rows;  // inputs loaded per used row
    e.pwm_pj = n * reference.pwm_pj * rows;      // drivers per used row
    // Current through the used cells, in proportion to their conductance.
    e.array_pj = n * reference.array_pj * rows * cols * weight_activity / kReferenceWeightActivity;
    e.adc_pj = n * reference.adc_pj * cols;             // conversions per used column
    e.ldpu_pj = n * reference.ldpu_pj * cols;           // post-processing per used column
    return e;
}

namespace {

// CPU seconds of the calling thread (the simulation is single-threaded): on a shared
// machine a rate per CPU second is steadier than one per wall second.
double thread_cpu_s() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// A softmax's row of the per-layer table: no tiles, its GDPU, its digital energy.
LayerResult softmax_row(const Network& net, const ChipSchedule& s, const GdpuLayerTiming& t, int batch,
                        double ns_per_cycle) {
    const Layer& l = net.layers[static_cast<std::size_t>(t.layer)];
    LayerResult lr;
    lr.name = l.name;
    lr.op = op_name(l.op);
    lr.gdpu = t.gdpu;
    lr.matmul_unit = t.matmul_unit;
    lr.macs = static_cast<double>(s.digital_layer_macs()[static_cast<std::size_t>(t.layer)]) / batch;
    lr.start_ns = static_cast<double>(t.first_input_cycle) * ns_per_cycle;
    lr.end_ns = static_cast<double>(t.last_output_cycle) * ns_per_cycle;
    lr.energy_pj = s.digital_layer_energy_pj()[static_cast<std::size_t>(t.layer)] / batch;
    return lr;
}

// Map: the chip's peak figures and where each block of the network sits.
void map_network(const TileModel& probe, const ChipParams& chip, const Network& net, int batch, ChipRunResult& r,
                 ChipMapping* given = nullptr) {
    r.peak = chip_peak(probe, chip);
    r.grid_rows = chip.rows;
    r.grid_cols = chip.cols;
    r.activation_bits = chip.activation_bits;
    r.clock_ghz = probe.clock_ghz();
    r.phases = probe.phases();
    r.workload_name = net.name;
    r.macs_per_inference = net.macs_per_inference();
    r.inferences = batch;
    ChipMapping cm = given != nullptr ? std::move(*given) : map_on_chip(net, probe.rows(), probe.cols(), chip);
    r.mapping = std::move(cm.mapping);
    r.placement = cm.placement;
    r.topology = chip.interconnect.model();
}

// Functional mode: one input per inference (seeded uniform [0, 1) where none is
// given) and the analog network programmed on the mapping, before simulated time.
struct FunctionalValues {
    ChipValues values;
    std::unique_ptr<AnalogNetwork> analog;  // values.analog points here
};

std::unique_ptr<FunctionalValues> program_values(const TileConfig& tile_section, const Network& net,
                                                 const Mapping& mapping, const ChipRunOptions& opts) {
    for (const Layer& l : net.layers) {
        if (l.has_weights_matrix() && l.weights.empty()) {
            throw InputError("layer '" + l.name +
                             "' has no weights: the functional mode needs them (or set simulation.functional: false)");
        }
    }
    auto f = std::make_unique<FunctionalValues>();
    ChipValues& values = f->values;
    values.gdc = opts.gdc;
    values.first_image = opts.first_image;
    values.inputs = opts.inputs;
    for (int n = static_cast<int>(values.inputs.size()); n < opts.batch; ++n) {
        Rng rng(opts.seed, Stream::Inputs, {static_cast<std::uint64_t>(n)});
        std::vector<float> x(net.input_shape().size());
        for (float& v : x) v = static_cast<float>(rng.uniform());
        values.inputs.push_back(std::move(x));
    }
    values.inputs.resize(static_cast<std::size_t>(opts.batch));
    for (const auto& in : values.inputs) {
        if (in.size() != net.input_shape().size()) {
            throw InputError("network '" + net.name + "': input has " + std::to_string(in.size()) +
                             " values, expected " + net.input_shape().str());
        }
    }
    f->analog = std::make_unique<AnalogNetwork>(net, mapping, tile_section, opts.seed,
                                                opts.calibration.empty() ? values.inputs : opts.calibration,
                                                opts.adc_range_scale, opts.threads);
    f->analog->set_time(opts.t_inference_s);
    f->analog->set_digital_bits(opts.digital_bits);
    values.analog = f->analog.get();
    return f;
}

// Gather, timing: latency, simulated time and the throughput (steady or the batch's).
void gather_timing(const ChipSchedule& s, int batch, ChipRunResult& r) {
    const double ns_per_cycle = 1.0 / r.clock_ghz;
    for (int n = 0; n < batch; ++n) r.done_cycles.push_back(s.done_cycle(n) - s.first_input_cycle(n));
    r.latency_cycles = r.done_cycles.front();
    r.latency_ns = static_cast<double>(r.latency_cycles) * ns_per_cycle;
    const std::uint64_t end_cycle = s.done_cycle(batch - 1);
    r.simulated_ns = static_cast<double>(end_cycle) * ns_per_cycle;
    r.batch_throughput_inferences_per_s =
        batch / (static_cast<double>(end_cycle - s.first_input_cycle(0)) * ns_per_cycle * 1e-9);
    if (batch == 1) {
        r.throughput_inferences_per_s = 1.0 / (r.latency_ns * 1e-9);
        return;
    }
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
}

// Gather, energy: tiles' dynamic energy, digital ops, links, static power over the
// run (needs the simulated time). Returns each weight layer's tile energy.
std::vector<double> gather_energy(const Chip& c, const Network& net, const TileModel& probe, const ChipParams& chip,
                                  int batch, ChipRunResult& r) {
    const ChipSchedule& s = c.schedule();
    std::vector<double> layer_energy(r.mapping.layers.size(), 0.0);
    const MvmEnergy reference = probe.reference_mvm_energy();
    for (std::size_t b = 0; b < r.mapping.blocks.size(); ++b) {
        // Functional: what the tile counted. Timing only: the tile charges its
        // full-array reference energy per MVM; scale it to the cells the block uses
        // and, where the network has weights, to the conductance they program.
        const TileBlock& tb = r.mapping.blocks[b];
        const MvmEnergy e = r.functional ? c.tile_of_block(static_cast<int>(b)).energy()
                                         : block_energy(reference, tb, r.mapping, s.block_mvms()[b],
                                                        block_weight_activity(net, tb));
        r.energy_pj.input += e.input_pj;
        r.energy_pj.pwm += e.pwm_pj;
        r.energy_pj.array += e.array_pj;
        r.energy_pj.adc += e.adc_pj;
        r.energy_pj.ldpu += e.ldpu_pj;
        layer_energy[static_cast<std::size_t>(
            r.mapping.placement_of_layer[static_cast<std::size_t>(r.mapping.blocks[b].layer)])] += e.total_pj();
    }
    r.energy_activity = r.functional ? "counted: the values computed"
                        : std::any_of(net.layers.begin(), net.layers.end(),
                                      [](const Layer& l) { return l.has_weights_matrix() && !l.weights.empty(); })
                            ? "estimated: each block's own weights, uniform random 8-bit inputs (assumed)"
                            : "estimated: uniform random weights and 8-bit inputs (shapes-only network)";
    r.energy_pj.gdpu = s.digital().energy_pj;
    const LinkScheduler& links = c.interconnect().scheduler();
    r.net_totals = links.totals();
    r.energy_pj.interconnect = r.net_totals.energy_pj;
    const int powered_tiles = chip.power_gate_unused_tiles ? r.mapping.tiles_used() : chip.tiles();
    r.energy_pj.static_ =
        (powered_tiles * probe.static_power_mw() + chip.static_power_mw) * r.simulated_ns;  // mW * ns = pJ
    for (std::size_t l = 0; l < links.num_links(); ++l) {
        r.max_link_utilization = std::max(r.max_link_utilization, links.utilisation(static_cast<int>(l)));
    }
    r.tile_mvms = s.mvms_issued();
    r.psum_adds = s.digital().psum_adds;
    const double ops = 2.0 * static_cast<double>(r.macs_per_inference) * batch;
    r.tops = r.simulated_ns > 0 ? ops / r.simulated_ns * 1e-3 : 0.0;
    r.tops_per_w = ops / r.energy_pj.total();
    r.energy_per_inference_nj = r.energy_pj.total() / batch * 1e-3;
    return layer_energy;
}

// Adds a layer row to the group `name` of `groups` (created at its first row).
void add_to_group(std::vector<LayerGroupResult>& groups, const std::string& name, const LayerResult& l) {
    auto it = std::find_if(groups.begin(), groups.end(), [&](const LayerGroupResult& g) { return g.name == name; });
    if (it == groups.end()) {
        LayerGroupResult g;
        g.name = name;
        g.start_ns = l.start_ns;
        g.end_ns = l.end_ns;
        groups.push_back(g);
        it = groups.end() - 1;
    }
    ++it->layers;
    it->start_ns = std::min(it->start_ns, l.start_ns);
    it->end_ns = std::max(it->end_ns, l.end_ns);
    it->energy_pj += l.energy_pj;
    it->macs += l.macs;
}

// Per op and per block (name up to the last '/'; a name without one is its own block).
void group_layers(ChipRunResult& r) {
    for (const LayerResult& l : r.layers) {
        add_to_group(r.layer_types, l.op, l);
        const std::size_t slash = l.name.rfind('/');
        add_to_group(r.layer_blocks, slash == std::string::npos || slash == 0 ? l.name : l.name.substr(0, slash), l);
    }
}

// Gather, per-layer table: rows in network order, weight layers and the softmax
// layers between them.
void gather_layers(const Network& net, const ChipSchedule& s, const std::vector<double>& layer_energy, int batch,
                   ChipRunResult& r) {
    const double ns_per_cycle = 1.0 / r.clock_ghz;
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
        // A copy's MVMs of one pixel cover the matrix once: rows x cols MACs per tiles() MVMs.
        lr.macs = static_cast<double>(lt.mvms) / batch * (static_cast<double>(lp.rows) * lp.cols / lp.tiles());
        rows.emplace_back(lp.layer, lr);
    }
    for (const GdpuLayerTiming& t : s.softmax_timing())
        rows.emplace_back(t.layer, softmax_row(net, s, t, batch, ns_per_cycle));
    std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& row : rows) r.layers.push_back(std::move(row.second));
    group_layers(r);
}

// Gather, records: the units' statistics, the trace spans and the functional outputs.
void gather_records(const Chip& c, const Network& net, int batch, ChipRunResult& r) {
    const ChipSchedule& s = c.schedule();
    r.spans = s.spans();
    r.gdpus = s.gdpus();
    r.matmul_units = s.matmul_units();
    r.matmul_unit_spans = s.matmul_unit_spans();
    for (const Layer& l : net.layers) r.layer_names.push_back(l.name);
    r.gdpu_spans = s.gdpu_spans();
    r.link_spans = c.interconnect().scheduler().spans();
    r.links = c.topology().links();
    if (r.functional) {
        for (int n = 0; n < batch; ++n) r.outputs.push_back(s.values(n, net.output));
    }
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
    return run_chip_mapped(tile_section, chip, net, nullptr, opts, nullptr);
}

ChipRunResult run_chip_mapped(const TileConfig& tile_section, const ChipParams& chip, const Network& net,
                              ChipMapping* mapping, const ChipRunOptions& opts, const ChipNetworkFactory& network) {
    const auto t0 = std::chrono::steady_clock::now();
    const std::unique_ptr<TileModel> probe = tile_section.create();
    ChipRunResult r;
    map_network(*probe, chip, net, opts.batch, r, mapping);
    r.functional = opts.functional;
    const std::unique_ptr<FunctionalValues> values =
        opts.functional ? program_values(tile_section, net, r.mapping, opts) : nullptr;

    // Elaborate and simulate.
    fresh_sim_context();
    Chip c("chip", tile_section, chip, net, r.mapping, opts.seed, opts.batch, values ? &values->values : nullptr,
           opts.trace, network ? network() : nullptr, opts.train);
    const auto t_sim = std::chrono::steady_clock::now();
    const double cpu_sim = thread_cpu_s();
    sim_start();  // sc_start(), then tells ASan the stack again (sim_context.h)
    r.simulate_wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_sim).count();
    r.simulate_cpu_s = thread_cpu_s() - cpu_sim;
    if (!c.schedule().finished()) throw std::logic_error("chip simulation ended before every inference finished");

    gather_timing(c.schedule(), opts.batch, r);
    if (opts.train != nullptr) {
        const TrainStepTiming& t = c.train_step();
        const double ns_per_cycle = 1.0 / r.clock_ghz;
        r.trained = true;
        r.train_step = t;
        r.train_backward_ns = static_cast<double>(t.backward_end_cycle - t.forward_end_cycle) * ns_per_cycle;
        r.train_update_ns = static_cast<double>(t.update_end_cycle - t.backward_end_cycle) * ns_per_cycle;
        r.train_programming_ns = static_cast<double>(t.step_end_cycle - t.update_end_cycle) * ns_per_cycle;
        r.train_step_ns = static_cast<double>(t.step_end_cycle) * ns_per_cycle;
    }
    const std::vector<double> layer_energy = gather_energy(c, net, *probe, chip, opts.batch, r);
    gather_layers(net, c.schedule(), layer_energy, opts.batch, r);
    gather_records(c, net, opts.batch, r);
    if (values) {
        for (std::size_t b = 0; b < r.mapping.blocks.size(); ++b)
            r.faulty_devices.push_back(values->analog->tile(static_cast<int>(b)).faulty_devices());
    }
    r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return r;
}

}  // namespace aimcsim
