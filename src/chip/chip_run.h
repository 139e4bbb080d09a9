// One chip run: map a network onto the configured grid, elaborate the Chip,
// simulate a batch of inferences, and gather latency, throughput, energy and the
// per-layer table into a ChipRunResult; plus the chip's peak figures, computed
// from the tile's parameters alone. The chip knows no output format: the
// application's report writer (src/app/report/) turns the result into files.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "aimcsim/core/config.h"
#include "aimcsim/tile.h"
#include "aimcsim/network.h"
#include "interconnect/interconnect.h"
#include "interconnect/link_scheduler.h"
#include "src/chip/chip_mapping.h"
#include "src/chip/chip_params.h"
#include "src/chip/schedule.h"
#include "src/chip/train_step.h"
#include "src/mapping/mapper.h"

namespace aimcsim {

// Peak figures: every cell of every tile busy, one MVM per array interval.
struct ChipPeak {
    int tiles = 0;
    double mvm_interval_ns = 0.0;  // array busy time of one MVM (the LDPU overlaps the next)
    double tile_dynamic_mw = 0.0;  // reference MVM energy / interval
    double peak_power_mw = 0.0;    // all tiles dynamic + tiles' static + chip static
    double peak_tops = 0.0;
    double peak_tops_per_w = 0.0;
    int input_passes = 1;  // an MVM of the reference data sends its 8-bit inputs this many times
    // Silicon area: the tiles' (when the tile model declares one) plus the chip's own
    // outside them (chip.other_area_mm2). 0 when the tile declares none.
    double tiles_area_mm2 = 0.0;
    double area_mm2 = 0.0;
};

[[nodiscard]] ChipPeak chip_peak(const TileModel& tile, const ChipParams& chip);

// The reference MVM's weight activity: weights uniform in [-1, 1], so the mean
// |w| / max |w| of the cells is 1/2.
inline constexpr double kReferenceWeightActivity = 0.5;

// Mean |w| / max |w| over a block's cells: the conductance it programs relative to all
// cells at g_max (a block is programmed with its own max |w| at g_max). The reference's
// 1/2 for a shapes-only network, which has no weights.
[[nodiscard]] double block_weight_activity(const Network& net, const TileBlock& b);

// Timing-only energy of `mvms` MVMs of a block: the tile's reference MVM energy (all
// cells, uniform random 8-bit inputs) scaled to the rows and columns the block uses,
// and its array part to the block's weight activity (block_weight_activity). The inputs
// stay the reference's: a timing-only run has no activations.
[[nodiscard]] MvmEnergy block_energy(const MvmEnergy& reference, const TileBlock& b, const Mapping& m,
                                     std::uint64_t mvms, double weight_activity = kReferenceWeightActivity);

struct EnergyBreakdown {  // pJ, whole run
    double input = 0, pwm = 0, array = 0, adc = 0, ldpu = 0, gdpu = 0, interconnect = 0, static_ = 0;
    [[nodiscard]] double total() const { return input + pwm + array + adc + ldpu + gdpu + interconnect + static_; }
};

// A row of the per-layer table: a weight layer on its tiles, or a softmax, which
// runs as a whole vector on one GDPU (weight layers first, in mapping order).
struct LayerResult {
    std::string name;
    std::string op;  // op_name(): Conv, Dense, LSTM, Softmax
    int tiles = 0;
    int row_blocks = 0, col_blocks = 0;
    int replicas = 1;                 // copies of its blocks (tiles counts them all)
    std::uint64_t mvms = 0;           // whole run
    double start_ns = 0, end_ns = 0;  // inference 0: first input at a tile (GDPU), last output ready
    double energy_pj = 0;             // tile dynamic energy per inference (softmax: its GDPU ops)
    int gdpu = -1;                    // softmax: the GDPU it runs on (-1: a tile's digital unit, chip.gdpus = 0)
    int matmul_unit = -1;             // a MatMul on a matmul unit: that unit
    double macs = 0;                  // per inference: the tiles' (weight layers) or two activations' (MatMul)
};

// The layers of one kind (op), or of one block of a network (the layers whose names
// share the part before the last '/', e.g. enc3/attn, enc3/ffn), summed per inference.
struct LayerGroupResult {
    std::string name;                 // op name, or the names' common prefix
    int layers = 0;
    double start_ns = 0, end_ns = 0;  // inference 0: earliest start, latest end of its layers
    double energy_pj = 0;             // tiles' dynamic energy plus digital ops' (no links, no static)
    double macs = 0;
    [[nodiscard]] double tops_per_w() const { return energy_pj > 0 ? 2.0 * macs / energy_pj : 0.0; }
};

struct ChipRunResult {
    ChipPeak peak;
    int grid_rows = 0, grid_cols = 0;
    double clock_ghz = 1.0;
    int activation_bits = 8;  // chip.activation_bits (the K / V buffers' sizes in bytes)
    MvmPhases phases;
    std::string topology;
    std::string workload_name;
    std::uint64_t macs_per_inference = 0;
    int inferences = 0;
    Mapping mapping;
    std::vector<long> faulty_devices;  // per block (as mapping.blocks): functional runs only, else empty
    PlacementSummary placement;        // how the blocks were placed, and its bit-hop cost
    std::uint64_t latency_cycles = 0;  // inference 0: first input pixel injected to last output at the controller
    std::vector<std::uint64_t> done_cycles;
    double latency_ns = 0;
    // Steady state: (N-1) / (done[N-1] - done[0]); 1 / latency for N = 1; the batch
    // rate when that is not a steady rate (steady_state false).
    double throughput_inferences_per_s = 0;
    double batch_throughput_inferences_per_s = 0;  // N / (done[N-1] - first input of inference 0)
    // False when (N-1) / (done[N-1] - done[0]) beats the busiest array's bound (its
    // MVMs per inference x array time per MVM): the inferences overlapped (e.g.
    // interleaved LSTM sequences) instead of streaming; run a larger batch.
    bool steady_state = true;
    double simulated_ns = 0;
    double tops = 0;        // workload ops / simulated time
    double tops_per_w = 0;  // workload ops / energy
    double energy_per_inference_nj = 0;
    EnergyBreakdown energy_pj;
    std::uint64_t tile_mvms = 0;
    std::uint64_t psum_adds = 0;
    NetworkTotals net_totals;
    double max_link_utilization = 0;
    std::vector<LayerResult> layers;       // weight layers (index = placement), then softmax layers
    std::vector<std::string> layer_names;  // every Network layer (GDPU spans name them)
    double wall_s = 0;                     // mapping, elaboration (and programming) and simulation
    double simulate_wall_s = 0;            // sc_start() alone
    double simulate_cpu_s = 0;             // sc_start() alone, CPU time of the simulating thread
    bool functional = false;
    std::string energy_activity;              // what the tiles' dynamic energy rests on (report)
    std::vector<std::vector<float>> outputs;  // functional: the network output (CHW) per inference
    std::vector<MvmSpan> spans;               // with ChipRunOptions::trace: every MVM
    std::vector<GdpuStats> gdpus;             // per global digital unit
    std::vector<MatmulUnitStats> matmul_units;  // per matmul unit
    std::vector<GdpuSpan> matmul_unit_spans;    // with ChipRunOptions::trace: every matmul-unit row
    std::vector<LayerGroupResult> layer_types;  // by op, in first-seen order
    std::vector<LayerGroupResult> layer_blocks;  // by name prefix (attention, FFN, ...), in network order
    std::vector<GdpuSpan> gdpu_spans;         // with ChipRunOptions::trace: every GDPU operation
    std::vector<LinkSpan> link_spans;         // with ChipRunOptions::trace: every link crossing
    std::vector<Link> links;                  // the topology's links (ids of link_spans)
    // With ChipRunOptions::train: the training step after the forward pass (in ns,
    // from cycle 0; the forward figures above are the forward pass's alone).
    bool trained = false;
    TrainStepTiming train_step;
    double train_backward_ns = 0, train_update_ns = 0, train_programming_ns = 0, train_step_ns = 0;
};

// Functional mode computes what AnalogNetwork computes (src/functional/analog_network.h):
// run_chip builds one on the chip's mapping, calibrated on `calibration`, and the
// outputs are bit-identical to AnalogNetwork::forward(inputs[n], first_image + n, gdc)
// for the same tile config, seed and calibration images, whatever `threads` -- unless
// layers are replicated: each copy is then programmed on its own (its own device
// noise, the original's ADC range), which the batched path (originals only) does not see.
struct ChipRunOptions {
    std::uint64_t seed = 1;
    int batch = 1;
    bool functional = false;                 // compute values (needs weights) besides time and energy
    double t_inference_s = 1.0;              // functional: device time after programming
    int threads = 0;                         // functional: threads that program the tiles (0: all cores)
    std::vector<std::vector<float>> inputs;  // functional: one CHW input per inference; empty = seeded uniform [0, 1)
    // functional: CHW images that set the input scales and ADC ranges; empty = the inputs
    std::vector<std::vector<float>> calibration;
    double adc_range_scale = 1.0;   // functional: as AccuracySettings::adc_range_scale
    int digital_bits = 0;           // functional: as AccuracySettings::digital_bits
    bool gdc = true;                // functional: false divides the tiles' drift compensation out
    std::uint64_t first_image = 0;  // functional: image id of inference 0 (keys the per-read noise)
    bool trace = false;             // keep every MVM's, GDPU op's and link crossing's span (the trace)
    // Timing only: after the batch's forward pass, the rest of a training step (train_step.h).
    const TrainStepPlan* train = nullptr;
};

// Maps and simulates `net`. Throws InputError if it does not fit the grid.
[[nodiscard]] ChipRunResult run_chip(const TileConfig& tile_section, const ChipParams& chip, const Network& net,
                                     const ChipRunOptions& opts);
// Timing only.
[[nodiscard]] ChipRunResult run_chip(const TileConfig& tile_section, const ChipParams& chip, const Network& net,
                                     std::uint64_t seed, int batch);

// Builds the network that carries the chip's packets, in the fresh SystemC context
// of the run (a multi-chip system's, src/system/).
using ChipNetworkFactory = std::function<std::unique_ptr<Interconnect>()>;

// run_chip on a mapping made by the caller (`mapping` non-null: moved from; null:
// map_on_chip), its packets carried by `network()` when given (else the chip's own
// topology). A multi-chip system (src/system/) runs this way; the result's
// network figures (net_totals, link_spans) are then the caller's to fill.
[[nodiscard]] ChipRunResult run_chip_mapped(const TileConfig& tile_section, const ChipParams& chip, const Network& net,
                                            ChipMapping* mapping, const ChipRunOptions& opts,
                                            const ChipNetworkFactory& network);

}  // namespace aimcsim
