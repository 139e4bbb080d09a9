// The batched engine of AnalogNetwork: forward_network_batch hands every weight layer
// the input vectors of a whole chunk of images at once; each mapped block runs them
// as one mvm_batch (one GEMM through the block's effective weights, then per-read
// noise, ADC and LDPU per vector), and the row blocks' partial sums are combined per
// vector by combine_partials(), as the chip's LDPUs do.
#include <vector>

#include "src/core/scratch.h"
#include "src/functional/analog_network.h"
#include "src/network/batch_forward.h"

namespace aimcsim {

void AnalogNetwork::layer_mvm_batch(int layer, const float* x, int n, float* y, const std::uint64_t* noise_ids,
                                    bool gdc, MvmEnergy* energy) const {
    thread_local Scratch<std::int8_t> codes;
    const std::size_t count = static_cast<std::size_t>(n) * net_.layers[static_cast<std::size_t>(layer)].input_rows();
    std::int8_t* x_codes = codes.get(count * static_cast<std::size_t>(passes_));
    quantize(layer, x, static_cast<int>(count), x_codes);
    layer_mvm_batch_codes(layer, x_codes, n, y, noise_ids, gdc, energy);
}

void AnalogNetwork::layer_mvm_batch_codes(int layer, const std::int8_t* x_codes, int n, float* y,
                                          const std::uint64_t* noise_ids, bool gdc, MvmEnergy* energy) const {
    const Layer& l = net_.layers[static_cast<std::size_t>(layer)];
    const LayerPlacement* lp = map_.placement(layer);
    thread_local std::vector<Scratch<float>> parts;
    thread_local std::vector<float*> part_rows;
    thread_local Scratch<float> later_passes;
    thread_local Scratch<std::uint64_t> pass_ids;
    const int in_rows = l.input_rows();  // a grouped Conv: all groups' rows
    const std::size_t plane = static_cast<std::size_t>(n) * in_rows;
    if (parts.size() < static_cast<std::size_t>(lp->row_blocks)) parts.resize(static_cast<std::size_t>(lp->row_blocks));
    part_rows.resize(static_cast<std::size_t>(lp->row_blocks));
    for (int cb = 0; cb < lp->col_blocks; ++cb) {
        for (int rb = 0; rb < lp->row_blocks; ++rb) {
            const int bi = lp->block_index(rb, cb);
            const TileBlock& b = map_.blocks[static_cast<std::size_t>(bi)];
            const std::size_t out_size = static_cast<std::size_t>(n) * b.cols;
            float* part = parts[static_cast<std::size_t>(rb)].get(out_size);
            part_rows[static_cast<std::size_t>(rb)] = part;
            const TileModel& tile = *tiles_[static_cast<std::size_t>(bi)];
            const RngKeyPrefix* key = &noise_keys_[static_cast<std::size_t>(bi)];
            tile.mvm_batch(x_codes + b.row_begin, n, in_rows, part, b.cols, energy, key, noise_ids);
            if (passes_ == 1) continue;
            // Multi-pass inputs: the later passes as batches of their own, then each
            // vector's passes combined as mvm_passes() combines them.
            float* later = later_passes.get(out_size * static_cast<std::size_t>(passes_ - 1));
            std::uint64_t* ids = pass_ids.get(static_cast<std::size_t>(n));
            for (int p = 1; p < passes_; ++p) {
                for (int k = 0; k < n; ++k) ids[k] = pass_noise_id(noise_ids[k], p);
                tile.mvm_batch(x_codes + static_cast<std::size_t>(p) * plane + b.row_begin, n, in_rows,
                               later + static_cast<std::size_t>(p - 1) * out_size, b.cols, energy, key, ids);
            }
            for (int k = 0; k < n; ++k) {
                const std::size_t at = static_cast<std::size_t>(k) * b.cols;
                const float* out[kMaxInputPasses] = {part + at};
                for (int p = 1; p < passes_; ++p) out[p] = later + static_cast<std::size_t>(p - 1) * out_size + at;
                combine_passes(out, passes_, input_bits_, b.cols, part + at);
            }
        }
        const int col_begin = map_.blocks[static_cast<std::size_t>(lp->block_index(0, cb))].col_begin;
        combine_partials(layer, cb, part_rows.data(), n, y + col_begin, static_cast<std::size_t>(l.cols), gdc);
    }
}

std::vector<std::vector<float>> AnalogNetwork::forward_batch(const std::vector<std::vector<float>>& inputs,
                                                             const std::uint64_t* images, bool gdc,
                                                             MvmEnergy* energy) const {
    std::vector<std::uint64_t> ids;
    if (passes_ > 1) {  // multi-pass codes: each gathered row quantised into its planes
        const BatchWeightKernel rows = [&](int layer, int n, const float* x, float* y, const int* input,
                                           const int* pixel) {
            ids.resize(static_cast<std::size_t>(n));
            for (int k = 0; k < n; ++k) ids[static_cast<std::size_t>(k)] = mvm_noise_id(images[input[k]], pixel[k]);
            layer_mvm_batch(layer, x, n, y, ids.data(), gdc, energy);
        };
        return forward_network_batch(net_, inputs, rows, digital_rounding());
    }
    // Each layer input tensor is quantised once; its rows are gathered as codes.
    BatchCodeKernel analog;
    analog.quantize = [&](int layer, const float* x, std::size_t n, std::int8_t* codes) {
        quantize(layer, x, static_cast<int>(n), codes);
    };
    analog.mvm = [&](int layer, int n, const std::int8_t* codes, float* y, const int* input, const int* pixel) {
        ids.resize(static_cast<std::size_t>(n));
        for (int k = 0; k < n; ++k) ids[static_cast<std::size_t>(k)] = mvm_noise_id(images[input[k]], pixel[k]);
        layer_mvm_batch_codes(layer, codes, n, y, ids.data(), gdc, energy);
    };
    return forward_network_batch(net_, inputs, analog, digital_rounding());
}

}  // namespace aimcsim
