// The values of a functional chip run (`simulation.functional`), pixel by pixel as
// the schedule (schedule.h) finishes them: the inputs of each MVM, the row blocks
// of each output pixel, and the digital ops. The numerics are `analog`'s: its input
// scales quantise each weight layer's inputs, its combine_partials() adds the row
// blocks of an output pixel (buffered until all have arrived, then added in
// row-block order), and inference n is image first_image + n for the per-read
// noise (a Linear layer's pixel is its token). Bias, ReLU, pooling, GAP, Add, Flatten, the LSTM cell and Softmax use the
// op kernels of forward_network() (src/network/op_kernels.h), so the outputs are
// bit-identical to analog.forward(input, first_image + n, gdc).
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "aimcsim/network.h"
#include "src/mapping/mapper.h"

namespace aimcsim {

class AnalogNetwork;

class PixelValues {
public:
    // `inputs` holds one CHW input per inference. References must outlive this.
    PixelValues(const Network& net, const Mapping& mapping, std::vector<std::vector<float>> inputs,
                const AnalogNetwork& analog, bool gdc, std::uint64_t first_image);

    // Key of the per-read noise of an MVM: mvm_noise_id(image, output pixel).
    [[nodiscard]] std::uint64_t noise_id(int inference, int out_pixel) const;
    // Fills the input codes of MVM `job_id` (output pixel `out_pixel` of mapping
    // block `block`: its rows) and returns where the tile must write its outputs
    // (the block's columns); valid until mvm_done().
    float* prepare_mvm(std::uint64_t job_id, int inference, int block, int out_pixel, std::int8_t* codes);
    // The tile wrote the result of MVM `job_id`: it waits as a partial sum of its pixel.
    void mvm_done(std::uint64_t job_id, int inference, int block, int out_pixel);
    // Every row block of (col_block, pixel) of a placement is in: add them, add the bias, store.
    void finish_pixel(int inference, int placement, int col_block, int pixel);

    // Digital ops of layer `l` on channels [lo, hi) of one output pixel (Flatten: output elements).
    void relu(int inference, const Layer& l, int lo, int hi, int pixel);
    void pool(int inference, const Layer& l, int lo, int hi, int out_pixel);
    void global_avg_pool(int inference, const Layer& l, int lo, int hi);
    void flatten(int inference, const Layer& l, int lo, int hi);
    void add(int inference, const Layer& l, int lo, int hi, int pixel);
    void softmax(int inference, const Layer& l, int pixel);
    // Unary and ChannelAffine on channels [lo, hi) of one pixel, in place like ReLU.
    void elementwise(int inference, const Layer& l, int lo, int hi, int pixel);
    // Concat, Pad, Resize: output channels [lo, hi), every pixel, once their input is complete
    // (Concat: the channels come from input `slot`, which starts at output channel `offset`).
    void reshape(int inference, const Layer& l, int slot, int offset, int lo, int hi);
    // A transformer op without weights (network.h, "Transformer ops"): its whole output
    // from its inputs as they are now, by the op kernels' digital_layer(). Rows whose
    // inputs are not all in yet come out wrong and are recomputed when they are, so a
    // call per arriving token costs the tensor each time (fine for the small models a
    // functional run takes) and every row a consumer reads is final.
    void whole_layer(int inference, const Layer& l);
    // The cell of step `pixel` of LSTM layer `layer`, once all its gate column blocks are in.
    void lstm_cell(int inference, int layer, int pixel);

    // An inference is done: keep only its output (its tensors are allocated at its first use).
    void release(int inference);

    // Values of a tensor (CHW) of an inference; complete once the inference is done.
    [[nodiscard]] const std::vector<float>& values(int inference, int tensor) const {
        return values_.at(static_cast<std::size_t>(inference)).at(static_cast<std::size_t>(tensor));
    }

private:
    [[nodiscard]] static std::uint64_t partial_key(int inference, int block, int pixel) {
        return (static_cast<std::uint64_t>(inference) << 40) | (static_cast<std::uint64_t>(block) << 24) |
               static_cast<std::uint64_t>(pixel);
    }
    [[nodiscard]] std::vector<float>& tensor(int inference, int t) {
        ensure(inference);
        std::vector<float>& v = values_[static_cast<std::size_t>(inference)][static_cast<std::size_t>(t)];
        if (v.empty()) allocate(t, v);
        return v;
    }
    // Sets up an inference at its first use: its tensor slots (each allocated at its own
    // first use, so an inference holds only the layers reached so far) and LSTM state.
    void ensure(int inference);
    // Tensor t's values, zeroed, in a finished inference's buffer when one is big enough.
    void allocate(int t, std::vector<float>& v);
    // The zeroed output buffer of MVM `job_id`, `cols` values.
    float* job_output(std::uint64_t job_id, int cols);
    static constexpr std::size_t kSpareSets = 4;  // finished inferences' tensors kept for reuse, in whole inferences
    [[nodiscard]] std::size_t pixels(int t) const {
        const Shape& s = net_.shape(t);
        return static_cast<std::size_t>(s.h) * static_cast<std::size_t>(s.w);
    }

    const Network& net_;
    const Mapping& map_;
    const AnalogNetwork& analog_;
    bool gdc_;
    std::uint64_t first_image_;
    std::vector<std::vector<float>> inputs_;                   // [inference] CHW, until its tensors are allocated
    std::vector<std::vector<std::vector<float>>> values_;      // [inference][tensor] CHW
    std::vector<std::vector<std::vector<float>>> lstm_gates_;  // [inference][layer] gates of every step (4H x T)
    std::vector<std::vector<std::vector<float>>> lstm_cell_;   // [inference][layer] cell state c_t
    std::vector<std::vector<float>> job_outputs_;  // MVMs in flight, by job id
    std::vector<std::vector<float>> spare_;  // tensor buffers of finished inferences
    std::size_t spare_floats_ = 0;           // their capacity
    std::size_t inference_floats_ = 0;       // the values of all tensors of one inference
    static constexpr std::size_t kFreeBuffers = 1024;
    std::vector<std::vector<float>> free_buffers_;  // partial-sum buffers to reuse
    std::unordered_map<std::uint64_t, std::vector<float>> partials_;     // done, by partial_key()
    std::vector<float> im2col_buf_;
    std::vector<float> pixel_buf_;
    std::vector<const float*> part_ptrs_;
    std::vector<std::unordered_map<std::uint64_t, std::vector<float>>::iterator> part_its_;  // finish_pixel's partials
};

}  // namespace aimcsim
