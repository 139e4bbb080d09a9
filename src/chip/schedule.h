// The pixel-by-pixel pipelined schedule of a mapped network, as plain C++ driven
// by the chip's SystemC processes (chip.h). It owns the dataflow state: which
// activation pixel has reached which tile, what each tile may compute next, and
// the packets between tiles (booked in the interconnect's LinkScheduler, so they
// contend for links). Times are whole cycles of the chip clock.
//
// Where work happens (assumptions, see the closing notes of issue 3):
// - A weight layer's output pixel lives, per column block, on the tile of row
//   block 0: row blocks > 0 send their partial sums there (psum_bits per value),
//   and the sum is ready psum_add_cycles after the last one arrived.
// - ReLU is part of the LDPU (free). Pooling, global average pooling and Flatten
//   run where their input lives (the producing tile's digital unit), so they add
//   cycles but no traffic. A residual Add runs where its first input lives; the
//   second input travels there as packets.
// - A conv output pixel is computed (one MVM per block) as soon as every input
//   pixel of its window has arrived at that block's tile; a Dense layer when its
//   whole input has. Tiles run their MVMs in the order they became ready; the
//   array takes the next MVM while the LDPU finishes the previous one.
// - The controller streams input pixels into the router of `io_tile` at
//   io_bits_per_cycle, inference after inference, and collects the outputs there.
//   Buffers are unbounded (no back-pressure).
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <queue>
#include <unordered_map>
#include <vector>

#include "aimcsim/workload/network.h"
#include "interconnect/link_scheduler.h"
#include "src/chip/chip_params.h"
#include "src/mapping/mapper.h"

namespace aimcsim {

class AnalogNetwork;

// One MVM a tile must run: output pixel `out_pixel` of mapping block `block`.
struct MvmJob {
    int inference = 0;
    int block = 0;
    int out_pixel = 0;
    std::uint64_t start_cycle = 0;  // the tile took it (set by mvm_started)
};

// One MVM on the timeline (for the trace): from the array taking it to its result.
struct MvmSpan {
    int tile = 0;
    int block = 0;
    int inference = 0;
    int out_pixel = 0;
    std::uint64_t start_cycle = 0;
    std::uint64_t end_cycle = 0;
};

// Timing of one weight layer, for inference 0 (cycles from the first input).
struct LayerTiming {
    std::uint64_t first_input_cycle = std::numeric_limits<std::uint64_t>::max();  // first input pixel at one of its tiles
    std::uint64_t last_output_cycle = 0;  // last output pixel ready (after partial sums)
    std::uint64_t mvms = 0;               // over all inferences
};

struct DigitalStats {
    std::uint64_t psum_adds = 0;    // partial-sum values added
    std::uint64_t digital_ops = 0;  // values through pooling, residual add, GAP
    double energy_pj = 0.0;
};

class ChipSchedule {
public:
    static constexpr std::uint64_t kNever = std::numeric_limits<std::uint64_t>::max();

    // All references must outlive the schedule.
    ChipSchedule(const Network& net, const Mapping& mapping, const ChipParams& chip, LinkScheduler& links, int batch);

    // Called for each MVM that became ready: run job `job_id` on tile `tile`.
    std::function<void(int tile, std::uint64_t job_id)> issue_mvm;

    // Queues the input pixels of every inference (call once, before simulating).
    void start();
    // Earliest pending event, or kNever.
    [[nodiscard]] std::uint64_t next_cycle() const;
    // Handles every event at or before `now_cycle`.
    void run_until(std::uint64_t now_cycle);
    // The tile's array took job `job_id` at `now_cycle` (for the trace).
    void mvm_started(std::uint64_t job_id, std::uint64_t now_cycle) { jobs_.at(job_id).start_cycle = now_cycle; }
    // Keep every MVM's span (off by default: it costs memory).
    void record_spans(bool on) { record_spans_ = on; }
    [[nodiscard]] const std::vector<MvmSpan>& spans() const { return spans_; }
    // A tile delivered the result of job `job_id` (after its LDPU) at `now_cycle`.
    void mvm_done(std::uint64_t job_id, std::uint64_t now_cycle);

    // --- Functional mode (values as well as time). Call before start().
    // `inputs` holds one CHW input per inference. The numerics are `analog`'s: its
    // input scales quantise each weight layer's inputs, its combine_partials() adds
    // the row blocks of an output pixel (buffered until all have arrived, then added
    // in row-block order), and inference n is image first_image + n for the
    // per-read noise. Bias, ReLU, pooling, GAP, Add and Flatten repeat, pixel by
    // pixel, the arithmetic of forward_network(), so the outputs are bit-identical
    // to analog.forward(input, first_image + n, gdc).
    void enable_values(std::vector<std::vector<float>> inputs, const AnalogNetwork& analog, bool gdc,
                       std::uint64_t first_image);
    [[nodiscard]] bool functional() const { return functional_; }
    // Fills the input codes of job `job_id` (its block's rows) and returns where the
    // tile must write its outputs (the block's columns); valid until mvm_done().
    float* prepare_mvm(std::uint64_t job_id, std::int8_t* codes);
    // Key of the per-read noise of job `job_id`: mvm_noise_id(image, output pixel).
    [[nodiscard]] std::uint64_t mvm_id(std::uint64_t job_id) const;
    // Values of a tensor (CHW) of an inference; complete once the inference is done.
    [[nodiscard]] const std::vector<float>& values(int inference, int tensor) const {
        return values_.at(static_cast<std::size_t>(inference)).at(static_cast<std::size_t>(tensor));
    }

    [[nodiscard]] const MvmJob& job(std::uint64_t id) const { return jobs_.at(id); }
    [[nodiscard]] int batch() const { return batch_; }
    [[nodiscard]] bool finished() const;
    // First input pixel injected / last output pixel at the controller, per inference.
    [[nodiscard]] std::uint64_t first_input_cycle(int inference) const { return inf_.at(inference).first_input_cycle; }
    [[nodiscard]] std::uint64_t done_cycle(int inference) const { return inf_.at(inference).done_cycle; }
    // Per weight layer (index in Mapping::layers).
    [[nodiscard]] const std::vector<LayerTiming>& layer_timing() const { return layer_timing_; }
    [[nodiscard]] const DigitalStats& digital() const { return digital_; }
    [[nodiscard]] std::uint64_t mvms_issued() const { return jobs_.size(); }
    // MVMs run per mapping block.
    [[nodiscard]] const std::vector<std::uint64_t>& block_mvms() const { return block_mvms_; }

private:
    struct Part {  // the slice of a tensor's channels that lives on one tile
        int tile = 0;
        int lo = 0, hi = 0;  // channel range in the tensor's channel space
    };
    struct Consumer {
        int layer = 0;
        int slot = 0;  // which input of the layer
    };
    struct TensorInfo {
        int h = 1, w = 1;
        std::vector<Part> parts;
        std::vector<Consumer> consumers;
        [[nodiscard]] int pixels() const { return h * w; }
    };
    struct Dest {  // a packet of `values` activations to a block (or to a part, for Add)
        int target = 0;
        int values = 0;
    };
    enum class Kind : std::uint8_t { TensorReady, BlockInput, AddInput, PsumArrive, OutputArrive };
    struct Event {
        std::uint64_t cycle = 0;
        std::uint64_t seq = 0;
        Kind kind = Kind::TensorReady;
        int inference = 0;
        int a = 0;  // tensor / block / layer / placement
        int b = 0;  // part / column block
        int pixel = 0;
        bool operator>(const Event& o) const { return cycle != o.cycle ? cycle > o.cycle : seq > o.seq; }
    };
    struct InferenceState {
        std::vector<std::vector<int>> block_need;  // [block][out pixel]: input pixels still missing
        std::vector<std::vector<int>> op_need;     // [layer][part * pixels + pixel] (pool, add, GAP, flatten)
        std::vector<std::vector<int>> psum_need;   // [placement][col block * pixels + pixel]
        int outputs_left = 0;
        std::uint64_t first_input_cycle = 0;
        std::uint64_t done_cycle = kNever;
    };

    void build_tensors();
    void build_templates();
    void push(Kind kind, std::uint64_t cycle, int inference, int a, int b, int pixel);
    void handle(const Event& e);
    void tensor_ready(int inference, int tensor, int part, int pixel, std::uint64_t now);
    void block_input(int inference, int block, int pixel, std::uint64_t now);
    void psum_arrive(int inference, int placement, int col_block, int pixel, std::uint64_t now);
    void add_input(int inference, int layer, int part, int pixel, std::uint64_t now);
    void send(int src_tile, int dst_tile, int values, int bits_per_value, std::uint64_t now, Kind kind, int inference,
              int a, int b, int pixel);

    // Functional: every row block of (col_block, pixel) is done; add and store it.
    void finish_pixel(int inference, int placement, int col_block, int pixel);
    [[nodiscard]] static std::uint64_t partial_key(int inference, int block, int pixel) {
        return (static_cast<std::uint64_t>(inference) << 40) | (static_cast<std::uint64_t>(block) << 24) |
               static_cast<std::uint64_t>(pixel);
    }
    // Values of finished pixels (functional mode only).
    void compute_relu(int inference, const Layer& l, int part, int pixel);
    void compute_pool(int inference, const Layer& l, int part, int out_pixel);
    void compute_gap_or_flatten(int inference, const Layer& l, int part);
    void compute_add(int inference, const Layer& l, int part, int pixel);

    const Network& net_;
    const Mapping& map_;
    const ChipParams& chip_;
    LinkScheduler& links_;
    int batch_;

    std::vector<TensorInfo> tensors_;
    std::vector<std::vector<std::vector<Dest>>> weight_dests_;  // [layer][input part] -> blocks
    std::vector<std::vector<std::vector<Dest>>> add_dests_;     // [add layer][part of input b] -> parts of a
    InferenceState template_;
    std::vector<InferenceState> inf_;
    std::vector<MvmJob> jobs_;
    std::vector<LayerTiming> layer_timing_;
    DigitalStats digital_;
    std::priority_queue<Event, std::vector<Event>, std::greater<Event>> events_;
    std::uint64_t seq_ = 0;

    std::vector<std::uint64_t> block_mvms_;
    bool record_spans_ = false;
    std::vector<MvmSpan> spans_;
    bool functional_ = false;
    const AnalogNetwork* analog_ = nullptr;
    bool gdc_ = true;
    std::uint64_t first_image_ = 0;
    std::vector<std::vector<std::vector<float>>> values_;  // [inference][tensor] CHW
    std::unordered_map<std::uint64_t, std::vector<float>> job_outputs_;  // MVMs in flight
    std::unordered_map<std::uint64_t, std::vector<float>> partials_;     // done, by partial_key()
    std::vector<float> im2col_buf_;
    std::vector<float> pixel_buf_;
    std::vector<const float*> part_ptrs_;
};

}  // namespace aimcsim
