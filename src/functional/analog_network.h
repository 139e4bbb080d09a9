// A network programmed onto analog tiles, one tile per mapped weight block, and run
// image by image through the tiles' numerics. This is the batched accuracy path; the
// SystemC chip calls the same pieces (quantize, block MVM with the same noise keys,
// partial sums in block order), so both give identical outputs for the same seed.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "aimcsim/core/config.h"
#include "aimcsim/tile.h"
#include "aimcsim/network.h"
#include "src/mapping/mapper.h"
#include "src/network/transformer_kernels.h"

namespace aimcsim {

// Scales fixed before deployment from float activations of calibration data, as on
// the chip: each weight layer's input scale (real value of one input code) and each
// block's ADC range (column value at full scale).
struct AnalogCalibration {
    std::vector<double> input_scale;   // per network layer (0 for layers without weights)
    std::vector<double> output_range;  // per mapped block
    std::vector<double> tensor_max;    // per tensor: largest |value| in float (the digital ops' fixed point)
};

// Computes the calibration from `images` (CHW floats) run through the float network.
// The ADC range of a block is the largest |column value| seen, times `range_scale`.
[[nodiscard]] AnalogCalibration calibrate(const Network& net, const Mapping& map,
                                          const std::vector<std::vector<float>>& images, int max_code,
                                          double range_scale);

// Key of the per-read noise of one MVM: unique per (image, output pixel) on a tile.
[[nodiscard]] inline std::uint64_t mvm_noise_id(std::uint64_t image, int pixel) {
    return (image << 24) | static_cast<std::uint64_t>(pixel);
}

class AnalogNetwork {
public:
    // Creates every block's tile from `tile`, calibrates input scales and ADC
    // ranges on `calibration_images`, and programs the tiles (devices keyed by
    // (seed, tile id)) on up to `threads` threads.
    AnalogNetwork(const Network& net, const Mapping& map, const TileConfig& tile, std::uint64_t seed,
                  const std::vector<std::vector<float>>& calibration_images, double adc_range_scale, int threads);

    // Moves every tile to `t_s` after programming (drift, 1/f noise, drift compensation).
    void set_time(double t_s);

    // Bits of the fixed point the transformer ops' digital arithmetic is rounded to
    // (accuracy.digital_bits; 0: float32), each tensor's step set by its calibrated
    // largest magnitude, in forward(), forward_batch() and the chip's functional values
    // alike (DigitalRounding, src/network/transformer_kernels.h).
    void set_digital_bits(int bits);
    // The rounding of the digital ops; null when they run in float32.
    [[nodiscard]] const DigitalRounding* digital_rounding() const {
        return rounding_.bits > 0 ? &rounding_ : nullptr;
    }

    // Network output for one input; `image` keys the per-read noise. Without `gdc`
    // the tiles' drift-compensation scale is divided out again.
    [[nodiscard]] std::vector<float> forward(const std::vector<float>& input_chw, std::uint64_t image, bool gdc,
                                             MvmEnergy* energy = nullptr) const;

    // The batched engine (src/functional/analog_network_batch.cpp): the outputs of a
    // chunk of inputs, input b keyed as image images[b] (so with the same per-read
    // noise streams as forward(inputs[b], images[b], gdc)). Every block of a weight layer
    // takes all the chunk's vectors in one TileModel::mvm_batch; the result of an input
    // does not depend on the chunk it is in. Outputs follow forward()'s statistics; the
    // column sums are rounded in another order, so they are not bit-identical to it.
    [[nodiscard]] std::vector<std::vector<float>> forward_batch(const std::vector<std::vector<float>>& inputs,
                                                                const std::uint64_t* images, bool gdc,
                                                                MvmEnergy* energy = nullptr) const;
    // layer_mvm() of n vectors x (n x layer rows) into y (n x layer cols); vector k's
    // per-read noise is keyed by noise_ids[k] = mvm_noise_id(image, pixel).
    void layer_mvm_batch(int layer, const float* x, int n, float* y, const std::uint64_t* noise_ids, bool gdc,
                         MvmEnergy* energy) const;
    // The same from the vectors' codes (quantize() of x, n x layer input rows per pass).
    void layer_mvm_batch_codes(int layer, const std::int8_t* codes, int n, float* y, const std::uint64_t* noise_ids,
                               bool gdc, MvmEnergy* energy) const;

    // The layer's input vector as signed codes (saturating), input_passes() planes of n
    // codes (quantize_passes, aimcsim/tile.h): codes must hold n * input_passes().
    void quantize(int layer, const float* x, int n, std::int8_t* codes) const;
    // y[0..layer cols) = W x for one pixel from the layer's codes (quantize() of the layer's
    // input rows): every block's MVM, row blocks added in order, scaled back to real units.
    void layer_mvm(int layer, const std::int8_t* codes, float* y, std::uint64_t image, int pixel, bool gdc,
                   MvmEnergy& energy) const;
    // One block's MVM (the tile's raw output, cols of the block, its passes combined) from the
    // codes of the block's rows (pass p's at block_codes + p plane_stride), with the per-read
    // noise keyed by (tile id, mvm_noise_id(image, pixel)), exactly as a TileModule keys it.
    void block_mvm(int block, const std::int8_t* block_codes, int plane_stride, float* part, std::uint64_t image,
                   int pixel, MvmEnergy& energy) const;
    // Adds the raw outputs of the row blocks of one column block (parts[rb], in row
    // block order) and scales them back to real units: y[0..block cols). What the
    // LDPU that owns the column block does once every partial sum is there. Both
    // paths call it, so their sums agree bit for bit whatever order the parts arrived in.
    void combine_partials(int layer, int col_block, const float* const* parts, float* y, bool gdc) const;
    // The same for n vectors: vector k's parts at parts[rb] + k * (block cols), its
    // outputs at y + k * ldy.
    void combine_partials(int layer, int col_block, const float* const* parts, int n, float* y, std::size_t ldy,
                          bool gdc) const;

    [[nodiscard]] const TileModel& tile(int block) const { return *tiles_[block]; }
    [[nodiscard]] TileModel& tile(int block) { return *tiles_[block]; }
    [[nodiscard]] const Network& network() const { return net_; }
    [[nodiscard]] const Mapping& mapping() const { return map_; }
    [[nodiscard]] std::uint64_t seed() const { return seed_; }
    [[nodiscard]] int max_code() const { return max_code_; }
    // MVMs per input vector (tile.input.passes; 1 for tiles without multi-pass inputs).
    [[nodiscard]] int input_passes() const { return passes_; }
    [[nodiscard]] const AnalogCalibration& calibration() const { return cal_; }

private:
    const Network& net_;
    const Mapping& map_;
    std::uint64_t seed_;
    AnalogCalibration cal_;
    int threads_;
    int max_code_ = 127;
    int input_bits_ = 8;
    int passes_ = 1;
    DigitalRounding rounding_;
    std::vector<std::unique_ptr<TileModel>> tiles_;
    std::vector<RngKeyPrefix> noise_keys_;  // per block: (seed, MvmNoise, tile id)
};

}  // namespace aimcsim
