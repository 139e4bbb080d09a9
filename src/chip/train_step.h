// The rest of one training step on the chip after the forward pass of its batch
// (docs/training.md, "The chip's training step"): the backward pass, the digital
// update and the programming pulses, as plain C++ driven by the chip's controller
// (chip.h) on the same TileModules and Interconnect as the forward pass.
//
// Where work happens (assumptions):
// - The backward pass starts once the batch's last output has left (the loss gradient
//   is the controller's): the controller sends each image's output error, column
//   slice by column slice (activation_bits per value), to the last weight layer's blocks.
// - A weight layer's block takes each of its error vectors (batch x output pixels) as
//   a transposed MVM with the forward MVM's phases (PWM in, integrate, ADC, LDPU); the
//   tile is busy as for a forward MVM. The first weight layer has none (no error below it).
// - The transposed partial sums of a row block go to the tile of its column block 0
//   (psum_bits per value), which adds them (psum_add_cycles after the last); the sum
//   goes to the blocks of the layer below whose columns it covers (activation_bits
//   per value; rows map to the columns below in proportion, exact for Dense after
//   Dense or Flatten and for Conv). The derivatives of ReLU, pooling and Flatten are
//   the LDPU's and free, as ReLU is in the forward pass.
// - A block's update starts once every image's error has reached it (and after its
//   transposed MVMs): (vectors + 1) x rows x cols MACs on its LDPU (the outer
//   products, then the rule per weight), ceil(MACs / macs_per_cycle) cycles.
// - Then its programming: the step's pulses, row after row, the columns in parallel
//   (the training model's time for the block's devices); the array cannot compute.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "interconnect/interconnect.h"
#include "src/chip/chip_params.h"
#include "src/mapping/mapper.h"

namespace aimcsim {

// What the training's update of one block of a layer did this step.
struct TrainStepBlock {
    int row_begin = 0, col_begin = 0, rows = 0, cols = 0;  // in the layer's matrix
    double programming_ns = 0.0;  // pulses row by row (and refreshes) on its tile
};

// Per weight layer (Mapping::layers order) of the network under training.
struct TrainStepLayer {
    int vectors = 0;                      // error vectors per step: batch x output pixels
    std::vector<TrainStepBlock> blocks;   // the training's blocks (a chip block takes the slowest it overlaps)
};

struct TrainStepPlan {
    std::vector<TrainStepLayer> layers;
    int digital_macs_per_cycle = 1;  // of one tile's LDPU
};

// The step's times, each phase the time it adds after the one before:
// step = forward + backward + update + programming.
struct TrainStepTiming {
    std::uint64_t forward_end_cycle = 0;   // the batch's last output left
    std::uint64_t backward_end_cycle = 0;  // the last error delivered to a block (the first layer's last)
    std::uint64_t update_end_cycle = 0;    // the last update done (>= backward end)
    std::uint64_t step_end_cycle = 0;      // the last programming done (>= update end)
    std::uint64_t transposed_mvms = 0;
    std::uint64_t update_cycles = 0;       // summed over blocks
    std::uint64_t programming_cycles = 0;  // summed over blocks
    std::vector<std::uint64_t> update_done_cycle;  // per mapping block (0: no update, a replica)
};

// Per mapping block, the cycles of its step's pulses: the slowest training block it overlaps.
[[nodiscard]] std::vector<std::uint64_t> block_pulse_cycles(const Mapping& map, const TrainStepPlan& plan,
                                                            double clock_ghz);

// The step's end had its blocks pulsed `pulse_cycles` (block_pulse_cycles) after a run
// `t`: each block's pulses start when its update is done (its array is free by then and
// nothing on the chip waits for them), so only the tail changes. Exact: it equals the
// run with those pulses (tests/test_train_step.cpp).
[[nodiscard]] std::uint64_t step_end_with_pulses(const TrainStepTiming& t,
                                                 const std::vector<std::uint64_t>& pulse_cycles);

class TrainStep {
public:
    // Books `busy_cycles` of `kind` (0 MVM, 1 LDPU, 2 array pulses) on block `block`'s tile
    // requested at `cycle`; returns when it is done.
    using Occupy = std::function<std::uint64_t(int block, int kind, std::uint64_t busy_cycles, std::uint64_t cycle)>;

    TrainStep(const Mapping& map, const ChipParams& chip, Interconnect& network, const TrainStepPlan& plan,
              int batch, double clock_ghz);
    // Runs the step from `forward_end_cycle`; the tiles are booked through `occupy`.
    TrainStepTiming run(std::uint64_t forward_end_cycle, const Occupy& occupy);

    static constexpr int kMvm = 0, kDigital = 1, kPulse = 2;

private:
    enum Kind : int { ErrorArrive, MvmDone, PsumArrive, SumReady };
    struct Event {
        std::uint64_t cycle = 0;
        std::uint64_t seq = 0;
        int kind = ErrorArrive;
        int layer = 0, block = 0, image = 0, pixel = 0;  // SumReady: block is the row block
        bool operator>(const Event& o) const { return cycle != o.cycle ? cycle > o.cycle : seq > o.seq; }
    };
    void push(std::uint64_t cycle, int kind, int layer, int block, int image, int pixel);
    void handle(const Event& e);
    // Image `image`'s error has reached block `block` of `layer` in full.
    void error_complete(int layer, int block, int image, std::uint64_t now);
    // The error below row block `rb` of `layer` (image, pixel) is summed: to the layer below.
    void send_below(int layer, int rb, int image, std::uint64_t now);
    // Values of rows [r0, r1) of layer `layer` that block `below` (of layer - 1) holds as columns.
    [[nodiscard]] int overlap(int layer, int r0, int r1, const TileBlock& below) const;
    [[nodiscard]] int pixels(int layer) const { return plan_.layers[static_cast<std::size_t>(layer)].vectors / batch_; }

    const Mapping& map_;
    const ChipParams& chip_;
    Interconnect& network_;
    const TrainStepPlan& plan_;
    int batch_;
    const Occupy* occupy_ = nullptr;
    std::vector<Event> heap_;
    std::uint64_t seq_ = 0;
    std::vector<std::vector<int>> error_need_;  // [block][image] error packets still missing
    std::vector<int> images_need_;              // [block] images whose error is still incomplete
    std::vector<std::vector<int>> psum_need_;   // [block of column block 0][image * pixels + pixel]
    std::vector<std::uint64_t> pulse_cycles_;   // [block]
    TrainStepTiming t_;
};

}  // namespace aimcsim
