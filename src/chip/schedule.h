// The pixel-by-pixel pipelined schedule of a mapped network, as plain C++ driven
// by the chip's SystemC processes (chip.h). It owns the dataflow state: which
// activation pixel has reached which tile, what each tile may compute next, and
// the packets between tiles (sent through the Interconnect, so they contend for
// links). Times are whole cycles of the chip clock.
//
// Where work happens (assumptions, see the closing notes of issue 3):
// - A weight layer's output pixel lives, per column block, on the tile of row
//   block 0: row blocks > 0 send their partial sums there (psum_bits per value),
//   and the sum is ready psum_add_cycles after the last one arrived.
// - ReLU is part of the LDPU (free). Pooling, global average pooling and residual
//   Add run on a global digital unit (GDPU, chip.gdpus of them on the routers
//   given by ChipParams::gdpu_tile; their timing, energy and queueing are
//   digital/gdpu.h's): each channel slice of the op's input goes to the GDPU
//   nearest its tile (ties: the least loaded), as packets, and the op's result is
//   ready pool/add/gap_cycles after it was served. Flatten is free and stays in place.
//   With chip.gdpus = 0 these ops run at the producing tile's digital unit instead
//   (no traffic, no queueing). A residual Add's inputs both travel to its GDPU.
// - LSTM: the gate MVM of time step t ([x_t; h_{t-1}] x W, one MVM per block and
//   step) runs on the tiles; each column block's gate pre-activations (psum_bits
//   per value) go to the layer's GDPU, which runs the cell (sigmoid/tanh lookups
//   and products, 4*hidden values) and sends h_t to the consumers and back to the
//   blocks that hold the recurrent rows, for step t + 1.
// - Softmax needs the whole vector in one place: every input slice (activation_bits
//   per value) goes to the layer's GDPU (the one holding the first slice, else the
//   nearest to it, ties: the least loaded; with chip.gdpus = 0 the first slice's
//   tile, which then takes the cycles below without queueing). Each slice, as it
//   arrives, is buffered and folded into a lane-wise running max (one pass over
//   it). After the last one the unit, dedicated to the vector, runs the rest
//   (GdpuBank::softmax_tail_cycles). An NCHW input gets one such softmax over the
//   channels per pixel.
// - Transformers (issue 15; schedule_transformer.cpp): a token tensor (token_layout.h)
//   streams token by token as a CNN tensor streams pixels, its parts slices of the
//   features. Linear layers fire one MVM per token and block. GELU and Binary ops run
//   on each slice's GDPU as pooling does (latency gelu_cycles / add_cycles); a
//   two-input Binary of equal shapes pairs its slices as Add does. LayerNorm and
//   SoftmaxLast gather each token's row on one GDPU as Softmax does (LayerNorm:
//   running sums, then GdpuBank::layernorm_tail_cycles; each LayerNorm on the GDPU
//   with the fewest whole-tensor ops so far, so a deep stack's residual stream does
//   not pile up on one unit). Slice and Concat along the
//   features, and a Reshape that keeps the rows, move nothing: the output's slices
//   are the input's. A MatMul runs on one unit (a GDPU, or with chip.attention:
//   matmul_unit a matmul unit): its second operand (K^T, V) is buffered there whole
//   (every token of it sent there; the unit's buffer_values counts it), and each row
//   of its first operand (a query token, a row of A) is multiplied as soon as it and
//   the whole second operand are in: K x N MACs, its output row ready on that unit.
//   Any other op (Transpose, a Reshape or Slice across rows, Constant, a broadcast
//   Binary) is a gather: the whole input goes to one GDPU, which rewrites it in one
//   pass over its values, and the output streams out from there, every token at once.
// - A conv output pixel is computed (one MVM per block) as soon as every input
//   pixel of its window has arrived at that block's tile; a Dense layer when its
//   whole input has. Tiles run their MVMs in the order they became ready; the
//   array takes the next MVM while the LDPU finishes the previous one.
// - The controller streams input pixels into the router of `io_tile` at
//   io_bits_per_cycle, inference after inference, as one stream of bits
//   (input_stream.h), and collects the outputs there: each output slice leaves on
//   the output stream, io_bits_per_cycle a cycle, after the slices before it; an
//   inference is done when its last output bit has left. At most
//   chip.inferences_in_flight inferences are on the chip: inference n's first bit
//   enters no earlier than inference n - inferences_in_flight is done (its latency
//   counts from then). Within the chip, buffers are unbounded (no back-pressure).
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <queue>
#include <vector>

#include "aimcsim/network.h"
#include "digital/gdpu.h"
#include "digital/matmul_unit.h"
#include "interconnect/interconnect.h"
#include "src/chip/chip_params.h"
#include "src/chip/event_queue.h"
#include "src/chip/input_stream.h"
#include "src/chip/pixel_values.h"
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
    std::uint64_t first_input_cycle =
        std::numeric_limits<std::uint64_t>::max();  // first input pixel at one of its tiles
    std::uint64_t last_output_cycle = 0;            // last output pixel ready (after partial sums)
    std::uint64_t mvms = 0;                         // over all inferences
};

struct DigitalStats {
    std::uint64_t psum_adds = 0;    // partial-sum values added
    std::uint64_t digital_ops = 0;  // values through pooling, residual add, GAP, LSTM cells, softmax passes
    double energy_pj = 0.0;
};

// A layer that runs on a GDPU (softmax, and the transformer ops but the free
// relabels) or a matmul unit, for the per-layer table.
struct GdpuLayerTiming {
    int layer = 0;  // Network layer index
    int gdpu = -1;  // -1: the first input slice's tile (chip.gdpus = 0), or a matmul unit
    int matmul_unit = -1;  // the matmul unit it runs on, or -1
    std::uint64_t first_input_cycle = std::numeric_limits<std::uint64_t>::max();  // inference 0: first slice there
    std::uint64_t last_output_cycle = 0;                                          // inference 0: last result ready
};

// One GDPU operation on the timeline (for the trace).
struct GdpuSpan {
    int gdpu = 0;
    int layer = 0;  // Network layer index
    int inference = 0;
    int pixel = 0;
    std::uint64_t start_cycle = 0;
    std::uint64_t end_cycle = 0;
};

class ChipSchedule {
public:
    static constexpr std::uint64_t kNever = std::numeric_limits<std::uint64_t>::max();

    // All references must outlive the schedule.
    ChipSchedule(const Network& net, const Mapping& mapping, const ChipParams& chip, Interconnect& network, int batch);

    // Called for each MVM that became ready: run job `job_id` on mapping block `block`'s tile from `cycle`.
    std::function<void(int block, std::uint64_t job_id, std::uint64_t cycle)> issue_mvm;

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
    [[nodiscard]] const std::vector<GdpuSpan>& gdpu_spans() const { return gdpu_spans_; }
    // Rows on the matmul units (GdpuSpan::gdpu is the unit), with record_spans.
    [[nodiscard]] const std::vector<GdpuSpan>& matmul_unit_spans() const { return mmu_spans_; }
    [[nodiscard]] const std::vector<GdpuStats>& gdpus() const { return gdpus_.stats(); }
    [[nodiscard]] const std::vector<MatmulUnitStats>& matmul_units() const { return mmus_.stats(); }
    // A tile delivered the result of job `job_id` (after its LDPU) at `now_cycle`.
    void mvm_done(std::uint64_t job_id, std::uint64_t now_cycle);

    // --- Functional mode (values as well as time, pixel_values.h). Call before start().
    // `inputs` holds one CHW input per inference; inference n is image first_image + n.
    void enable_values(std::vector<std::vector<float>> inputs, const AnalogNetwork& analog, bool gdc,
                       std::uint64_t first_image);
    [[nodiscard]] bool functional() const { return values_ != nullptr; }
    // Fills the input codes of job `job_id` (its block's rows) and returns where the
    // tile must write its outputs (the block's columns); valid until mvm_done().
    float* prepare_mvm(std::uint64_t job_id, std::int8_t* codes);
    // Key of the per-read noise of job `job_id`: mvm_noise_id(image, output pixel).
    [[nodiscard]] std::uint64_t mvm_id(std::uint64_t job_id) const;
    // Values of a tensor (CHW) of an inference; complete once the inference is done
    // (then only the network's output is kept).
    [[nodiscard]] const std::vector<float>& values(int inference, int tensor) const {
        return values_->values(inference, tensor);
    }

    // An MVM in flight (its id is reused once mvm_done() has returned).
    [[nodiscard]] const MvmJob& job(std::uint64_t id) const { return jobs_.at(id); }
    [[nodiscard]] int batch() const { return batch_; }
    [[nodiscard]] bool finished() const;
    // First input pixel injected / last output pixel at the controller, per inference.
    [[nodiscard]] std::uint64_t first_input_cycle(int inference) const { return inf_.at(inference).first_input_cycle; }
    [[nodiscard]] std::uint64_t done_cycle(int inference) const { return inf_.at(inference).done_cycle; }
    // Per weight layer (index in Mapping::layers).
    [[nodiscard]] const std::vector<LayerTiming>& layer_timing() const { return layer_timing_; }
    [[nodiscard]] const DigitalStats& digital() const { return digital_; }
    // Layers run on a GDPU or matmul unit as a whole (softmax, transformer ops), in network order.
    [[nodiscard]] const std::vector<GdpuLayerTiming>& softmax_timing() const { return softmax_timing_; }
    // Multiply-accumulates of two activations (MatMul) per Network layer, whole run.
    [[nodiscard]] const std::vector<std::uint64_t>& digital_layer_macs() const { return digital_layer_macs_; }
    // Energy of the digital work of each Network layer (pooling, add, GAP, LSTM cell, softmax), whole run.
    [[nodiscard]] const std::vector<double>& digital_layer_energy_pj() const { return digital_layer_energy_pj_; }
    [[nodiscard]] std::uint64_t mvms_issued() const { return mvms_issued_; }
    // MVMs run per mapping block.
    [[nodiscard]] const std::vector<std::uint64_t>& block_mvms() const { return block_mvms_; }

private:
    struct Part {            // the slice of a tensor's channels that lives on one tile or GDPU
        int tile = 0;        // the tile, or the router of the GDPU
        int lo = 0, hi = 0;  // channel range in the tensor's channel space
        int gdpu = -1;       // the GDPU that holds it, -1: the tile
        int mmu = -1;        // the matmul unit that holds it (then tile is its router)
    };
    struct Consumer {
        int layer = 0;
        int slot = 0;          // which input of the layer
        Op op = Op::Relu;      // the layer's (read per pixel: the Layer itself is far bigger)
    };
    struct TensorInfo {
        int h = 1, w = 1;
        std::vector<Part> parts;  // (of a replicated layer's output: replica 0's tiles)
        int replicated = -1;      // placement of the replicated layer whose tiles hold it (pixel by pixel), or -1
        std::vector<Consumer> consumers;
        [[nodiscard]] int pixels() const { return h * w; }
    };
    struct Dest {  // a packet of `values` activations to a block (or to a part, for Add)
        int target = 0;
        int values = 0;
    };
    // BlockInput's b: 0 input pixel, 1 recurrent h of step `pixel` (LSTM), 2 initial LSTM state.
    // SoftmaxSlice's a: the softmax layer, b: the input part that arrived.
    enum class Kind : std::uint8_t {
        TensorReady,
        BlockInput,
        OpInput,
        PsumArrive,
        GatesReady,
        GatesArrive,
        SoftmaxSlice,
        OutputArrive,
        GatherPiece,  // a: the gather layer
        MatmulA,      // a: the MatMul layer; pixel: the row of its first operand
        MatmulB       // a: the MatMul layer
    };
    // How a transformer op moves its input (build_tensors decides).
    enum class Flow : std::uint8_t { None, Relabel, Slicewise, Pairwise, Row, Gather, Matmul };
    // 32 bytes: the kind rides in the low byte of the sequence number (seq = n << 8 | kind),
    // which orders events as n alone does since every n is distinct.
    struct Event {
        std::uint64_t cycle = 0;
        std::uint64_t seq = 0;
        int inference = 0;
        int a = 0;  // tensor / block / layer / placement
        int b = 0;  // part / column block
        int pixel = 0;
        [[nodiscard]] Kind kind() const { return static_cast<Kind>(seq & 0xff); }
        bool operator>(const Event& o) const { return cycle != o.cycle ? cycle > o.cycle : seq > o.seq; }
    };
    // The counters of one inference in flight, in one block (offsets below): input
    // pixels each block's output pixel still misses, inputs each digital op's output
    // still misses, row blocks each partial sum still misses, gate column blocks each
    // LSTM cell still misses, output pixels the controller still misses.
    struct NeedTemplate {
        std::vector<int> init;   // the counters of a fresh inference
        std::vector<int> block;  // [block] -> offset of its [out pixel] counters
        std::vector<int> op;     // [layer] -> [part * pixels + pixel] (pool, add, GAP, flatten; softmax: slices)
        std::vector<int> psum;   // [placement] -> [col block * pixels + pixel]
        std::vector<int> cell;   // [layer] -> [step]
        int outputs = 0;         // offset of the outputs counter
    };
    struct InferenceState {
        std::uint64_t first_input_cycle = 0;
        std::uint64_t outputs_out_cycle = 0;  // the last output bit streamed out so far
        std::uint64_t done_cycle = kNever;
        int slot = -1;  // its counters in need_slots_, -1 before its first input and once it is done
        int live = 0;   // its events queued and MVMs in flight
    };

    // What the tile side (block_input, mvm_result, psum_arrive) reads per MVM of a block,
    // its layer and their tensors, in one place (two cache lines instead of the Layer,
    // TileBlock, placement and tensors).
    struct BlockPlan {
        Op op = Op::Conv;
        int placement = 0;    // index in Mapping::layers
        int need = 0;         // offset of its [out pixel] counters (NeedTemplate::block)
        int replicas = 1;     // copies of its layer
        int replica = 0;      // which copy it belongs to
        const LayerPlacement* placed = nullptr;  // its layer's (replica_of_pixel)
        int in_w = 1;         // input tensor width
        int out_h = 1, out_w = 1;
        Window window;
        // What mvm_result() reads: the block's place, and where its partial sums go.
        int layer = 0;        // Network layer index
        int tile = 0;
        int block_row = 0, block_col = 0;
        int cols = 0;
        int row_blocks = 1;   // of its layer
        int psum_tile = 0;    // row block 0's tile of its column block (and copy)
    };

    void build_tensors();
    void build_templates();
    void build_block_plans();
    void flatten_template(const std::vector<std::vector<std::vector<int>>>& parts, int outputs_left);
    // Inference n's counters (allocated at its first event), and their release once it is done.
    // (Inline fast paths: called per event, they almost always find the counters
    // allocated and the inference not yet done.)
    [[nodiscard]] int* need(int inference) {
        const int slot = inf_[static_cast<std::size_t>(inference)].slot;
        return slot >= 0 ? need_slots_[static_cast<std::size_t>(slot)].data() : allocate_need(inference);
    }
    void release_if_done(int inference) {
        if (inf_[static_cast<std::size_t>(inference)].done_cycle != kNever) release_if_idle(inference);
    }
    [[nodiscard]] int* allocate_need(int inference);
    void release_if_idle(int inference);  // a done inference: frees its counters once nothing of it is left
    void handle_input(const InputStream::Item& item);
    // Lets the input stream go on to its next inference once the in-flight window has room.
    void admit();
    void push(Kind kind, std::uint64_t cycle, int inference, int a, int b, int pixel);
    void handle(const Event& e);
    // An output slice of `values` values reached the I/O tile: it leaves on the output stream.
    void output_arrive(int inference, int values, std::uint64_t now);
    void tensor_ready(int inference, int tensor, int part, int pixel, std::uint64_t now);
    void block_input(int inference, int block, int source, int pixel, std::uint64_t now);
    void mvm_result(std::uint64_t job_id, const MvmJob& j, std::uint64_t now);
    void psum_arrive(int inference, int placement, int col_block, int pixel, std::uint64_t now);
    // An input pixel of a pooling / GAP / Flatten / Add layer's output part has arrived where it runs.
    void op_input(int inference, int layer, int part, int pixel, std::uint64_t now);
    // Moves one pixel of a tensor part to where output part `dst_part` of `layer` is computed.
    void to_op(int inference, int layer, const Part& src, int src_tile, int dst_part, int values, int pixel,
               std::uint64_t now);
    // Where pixel `pixel` of a tensor part is (a replicated layer's pixels are on their replica's tiles).
    [[nodiscard]] int tile_of(const TensorInfo& t, int part, int pixel) const;
    // A column block of a weight layer has its output pixel (after partial sums).
    void column_ready(int inference, int layer, int col_block, int pixel, std::uint64_t now);
    void gates_arrive(int inference, int layer, int pixel, std::uint64_t now);
    // A pass over `values` on GDPU `gdpu` (-1: a tile's digital unit) from `now`; returns when the result is ready.
    std::uint64_t digital_op(int gdpu, int values, int latency, int layer, int inference, int pixel, std::uint64_t now);
    // Charges a served piece of work to `layer` (and keeps its span); returns when its result is ready.
    std::uint64_t account(const GdpuService& s, int gdpu, int values, int layer, int inference, int pixel);
    // Where a softmax of the tensor `in` runs: on the GDPU holding or nearest its first slice, or that slice's tile.
    Part softmax_part(const TensorInfo& in, int channels);
    // Moves input part `src_part` of a softmax layer's pixel to where the softmax runs.
    void to_softmax(int inference, int layer, int src_part, int src_tile, int pixel, std::uint64_t now);
    // An input slice of a softmax has arrived: fold it into the running max; after the last, normalise.
    void softmax_slice(int inference, int layer, int src_part, int pixel, std::uint64_t now);
    [[nodiscard]] int choose_gdpu(int near_tile);
    // The CNN ops without weights beyond the basic ones (schedule_cnn_ops.cpp): Unary and
    // ChannelAffine run in the LDPU in place, as ReLU; Concat, Pad and Resize wait for
    // their whole input slice where it is, then emit every output pixel of it.
    [[nodiscard]] bool locate_cnn_op(std::size_t li, TensorInfo& to);  // false: not such an op
    void cnn_op_needs(std::size_t li, std::vector<int>& op_need) const;
    [[nodiscard]] bool cnn_op_consumer(int inference, const Consumer& c, const Part& src, int src_tile, int part,
                                       int pixel, std::uint64_t now);
    [[nodiscard]] bool cnn_op_input(int inference, int layer, int part, std::uint64_t now);
    // --- transformer ops (schedule_transformer.cpp)
    // Output parts of transformer layer `li` and how its input flows there.
    void build_transformer_tensor(std::size_t li);
    // A token (part `part`, at `src_tile`) of input `slot` of transformer layer `layer` is ready.
    void transformer_input(int inference, int layer, int slot, int part, int src_tile, int pixel, std::uint64_t now);
    void gather_piece(int inference, int layer, std::uint64_t now);
    void matmul_a(int inference, int layer, int pixel, std::uint64_t now);
    void matmul_b(int inference, int layer, std::uint64_t now);
    void matmul_row(int inference, int layer, int row, std::uint64_t now);
    // A GDPU (or matmul unit) for a whole-tensor op: the one with the fewest so far, then the nearest `tile`.
    [[nodiscard]] Part unit_near(int tile, bool matmul_unit);
    // Keeps inference 0's first arrival and last result of a GDPU layer.
    void note_digital(int layer, int inference, std::uint64_t arrived, std::uint64_t ready);
    void send(int src_tile, int dst_tile, int values, int bits_per_value, std::uint64_t now, Kind kind, int inference,
              int a, int b, int pixel);

    const Network& net_;
    const Mapping& map_;
    const ChipParams& chip_;
    Interconnect& network_;
    int batch_;

    std::vector<TensorInfo> tensors_;
    std::vector<std::vector<std::vector<Dest>>> weight_dests_;  // [layer][input part] -> blocks
    std::vector<std::vector<std::vector<Dest>>> add_dests_;     // [add layer][part of input b] -> parts of a
    std::vector<std::vector<Dest>> recurrent_dests_;            // [lstm layer] -> blocks holding rows of h
    std::vector<int> lstm_of_tensor_;                           // tensor -> the LSTM layer producing it, or -1
    std::vector<std::vector<int>> concat_base_;                 // [concat layer][input slot] -> its first output part
    GdpuBank gdpus_;
    std::vector<GdpuSpan> gdpu_spans_;
    std::vector<GdpuSpan> mmu_spans_;
    NeedTemplate need_;
    std::vector<InferenceState> inf_;
    std::vector<std::vector<int>> need_slots_;  // counters of the inferences in flight
    std::vector<int> free_need_slots_;
    std::unique_ptr<InputStream> input_;
    int admitted_ = -1;  // the last inference whose input may stream in (first_input_cycle set)
    std::vector<Dest> initial_states_;  // every LSTM's recurrent destinations, in layer order
    std::vector<BlockPlan> block_plans_;  // [mapping block]
    std::vector<MvmJob> jobs_;          // MVMs in flight, by job id (slots reused once done)
    std::vector<std::uint64_t> free_jobs_;
    std::uint64_t mvms_issued_ = 0;
    std::vector<char> wanted_;  // tensor_ready's scratch: replicas that want a pixel
    std::vector<LayerTiming> layer_timing_;
    DigitalStats digital_;
    std::vector<double> digital_layer_energy_pj_;  // [network layer]
    std::vector<GdpuLayerTiming> softmax_timing_;
    std::vector<int> softmax_slot_;  // [network layer] -> index in softmax_timing_, or -1
    MatmulUnitBank mmus_;
    std::vector<Flow> flow_;                                // [layer] transformer ops' flow
    std::vector<std::vector<std::vector<int>>> relabel_;    // [layer][input slot][input part] -> output part, or -1
    std::vector<std::uint64_t> digital_layer_macs_;         // [network layer]
    std::vector<int> heavy_gdpu_, heavy_mmu_;               // whole-tensor ops given to each unit
    std::vector<int> mmu_hint_;                             // [tensor] the matmul unit its rows came from, or -1
    EventQueue<Event> events_;
    std::uint64_t seq_ = 0;
    std::uint64_t output_stream_free_ = 0;  // the output stream is busy until this cycle

    std::vector<std::uint64_t> block_mvms_;
    bool record_spans_ = false;
    std::vector<MvmSpan> spans_;
    std::unique_ptr<PixelValues> values_;  // functional mode only
};

}  // namespace aimcsim
