#include "src/functional/analog_network.h"

#include <algorithm>
#include <cmath>

#include "aimcsim/core/registry.h"
#include "aimcsim/core/rounding.h"
#include "digital/ldpu.h"
#include "src/core/parallel.h"
#include "src/core/simd_clones.h"
#include "src/network/op_kernels.h"

namespace aimcsim {

namespace {

// The weights of one block, row-major block.rows x block.cols.
std::vector<float> block_weights(const Layer& l, const TileBlock& b) {
    std::vector<float> w(static_cast<std::size_t>(b.rows) * b.cols);
    for (int r = 0; r < b.rows; ++r) {
        for (int c = 0; c < b.cols; ++c)
            w[static_cast<std::size_t>(r) * b.cols + c] = l.matrix_w(b.row_begin + r, b.col_begin + c);
    }
    return w;
}

double max_abs(const std::vector<float>& v) {
    double m = 0.0;
    for (float x : v) m = std::max(m, static_cast<double>(std::fabs(x)));
    return m;
}

// Multiplies by the reciprocal of the input scale (a division costs ten times more
// in this hot loop); both the calibration and quantize() use it.
std::int8_t to_code(float x, double inv_scale, int max_code) {
    return static_cast<std::int8_t>(round_clamp(x * inv_scale, max_code));
}

// codes[i] = to_code(x[i]) for n values, the vector clones eight or more lanes at a time.
AIMCSIM_SIMD_CLONES void to_codes(const float* x, int n, double inv_scale, int max_code, std::int8_t* codes) {
    for (int i = 0; i < n; ++i) codes[i] = to_code(x[i], inv_scale, max_code);
}

// combine_partials()'s loops over a vector's columns, SIMD-cloned (the same operations).
// One row block: a single float multiply by the block's factor (undo_gdc * scale), 0.0F
// + it as the sum below starts from zeros (the same bits for -0.0).
AIMCSIM_SIMD_CLONES void scale_part(const float* part, int cols, float factor, float* y) {
    for (int c = 0; c < cols; ++c) y[c] = 0.0F + part[c] * factor;
}
// acc = 0.0 + the first part (as adding it to zeros: the same bits, -0.0 included), then += the others.
AIMCSIM_SIMD_CLONES void first_part(const float* part, int cols, double undo_gdc, double* acc) {
    for (int c = 0; c < cols; ++c) acc[c] = 0.0 + part[c] * undo_gdc;
}
AIMCSIM_SIMD_CLONES void add_part(const float* part, int cols, double undo_gdc, double* acc) {
    for (int c = 0; c < cols; ++c) acc[c] += part[c] * undo_gdc;
}
AIMCSIM_SIMD_CLONES void scale_sum(const double* acc, int cols, double scale, float* y) {
    for (int c = 0; c < cols; ++c) y[c] = static_cast<float>(acc[c] * scale);
}

}  // namespace

AnalogCalibration calibrate(const Network& net, const Mapping& map, const std::vector<std::vector<float>>& images,
                            int max_code, double range_scale) {
    AnalogCalibration cal;
    cal.input_scale.assign(net.layers.size(), 0.0);
    cal.output_range.assign(map.blocks.size(), 0.0);

    // Pass 1: the largest |input| of every weight layer sets its input scale.
    std::vector<double> max_in(net.layers.size(), 0.0);
    const WeightKernel float_kernel = [&](int layer, int, const float* x, float* y) {
        const Layer& l = net.layers[layer];
        for (int r = 0; r < l.input_rows(); ++r)
            max_in[layer] = std::max(max_in[layer], static_cast<double>(std::fabs(x[r])));
        matvec_float(l, x, y);
    };
    cal.tensor_max.assign(net.tensors.size(), 0.0);
    for (const auto& img : images) (void)forward_network_digital(net, img, float_kernel, nullptr, &cal.tensor_max);
    for (std::size_t i = 0; i < net.layers.size(); ++i) {
        if (net.layers[i].has_weights_matrix()) cal.input_scale[i] = max_in[i] > 0.0 ? max_in[i] / max_code : 1.0;
    }

    // Pass 2: the largest |column value| of every block, with the inputs quantised as
    // the chip will see them and the weights normalised as the tile stores them.
    std::vector<double> w_max(map.blocks.size(), 1.0);
    for (std::size_t b = 0; b < map.blocks.size(); ++b) {
        const double m = max_abs(block_weights(net.layers[map.blocks[b].layer], map.blocks[b]));
        w_max[b] = m > 0.0 ? m : 1.0;
    }
    std::vector<float> codes;
    std::vector<double> column;
    const WeightKernel range_kernel = [&](int layer, int, const float* x, float* y) {
        const Layer& l = net.layers[layer];
        const LayerPlacement* lp = map.placement(layer);
        codes.resize(l.input_rows());
        const double inv_scale = 1.0 / cal.input_scale[layer];
        for (int r = 0; r < l.input_rows(); ++r) codes[r] = to_code(x[r], inv_scale, max_code);
        for (int bi = lp->first_block; bi < lp->first_block + lp->tiles(); ++bi) {
            const TileBlock& b = map.blocks[bi];
            // Every column's sum over the rows in row order (rows outer, so the weights
            // are read in memory order); rows with code 0 add nothing.
            column.assign(static_cast<std::size_t>(b.cols), 0.0);
            for (int r = 0; r < b.rows; ++r) {
                const float code = codes[b.row_begin + r];
                if (code == 0.0F) continue;
                if (l.groups > 1) {  // the logical block-diagonal matrix, zeros included
                    for (int c = 0; c < b.cols; ++c)
                        column[static_cast<std::size_t>(c)] += l.matrix_w(b.row_begin + r, b.col_begin + c) * code;
                    continue;
                }
                const float* w = &l.weights[static_cast<std::size_t>(b.row_begin + r) * l.cols + b.col_begin];
                for (int c = 0; c < b.cols; ++c) column[static_cast<std::size_t>(c)] += w[c] * code;
            }
            for (int c = 0; c < b.cols; ++c) {
                const double v = column[static_cast<std::size_t>(c)];
                cal.output_range[bi] = std::max(cal.output_range[bi], std::fabs(v) / (w_max[bi] * max_code));
            }
        }
        matvec_float(l, x, y);
    };
    for (const auto& img : images) (void)forward_network(net, img, range_kernel);
    // Copies of a replicated layer (the chip's, not the batched path's) see the same products.
    for (std::size_t b = 0; b < map.blocks.size(); ++b) {
        const TileBlock& blk = map.blocks[b];
        if (blk.replica > 0) {
            cal.output_range[b] = cal.output_range[static_cast<std::size_t>(
                map.placement(blk.layer)->block_index(blk.block_row, blk.block_col))];
        }
    }
    for (double& r : cal.output_range) r = r > 0.0 ? r * range_scale : 1.0;
    return cal;
}

AnalogNetwork::AnalogNetwork(const Network& net, const Mapping& map, const TileConfig& tile, std::uint64_t seed,
                             const std::vector<std::vector<float>>& calibration_images, double adc_range_scale,
                             int threads)
    : net_(net), map_(map), seed_(seed), threads_(threads) {
    tiles_.resize(map.blocks.size());
    for (const TileBlock& b : map.blocks) {
        noise_keys_.push_back(Rng::prefix(seed_, Stream::MvmNoise, {static_cast<std::uint64_t>(b.tile)}));
    }
    // Models are created (and their configs validated) in order; programming, the
    // expensive part, runs in parallel and is keyed by tile id, so it is order-free.
    for (auto& t : tiles_) t = tile.create();
    input_bits_ = tiles_.empty() ? 8 : tiles_.front()->input_bits();
    max_code_ = (1 << (input_bits_ - 1)) - 1;
    passes_ = tiles_.empty() ? 1 : aimcsim::input_passes(*tiles_.front());
    cal_ = calibrate(net, map, calibration_images, max_code_, adc_range_scale);
    parallel_for(tiles_.size(), threads_, [&](std::size_t b) {
        const TileBlock& tb = map.blocks[b];
        WeightBlock wb;
        wb.rows = tb.rows;
        wb.cols = tb.cols;
        wb.weights = block_weights(net.layers[tb.layer], tb);
        wb.output_range = cal_.output_range[b];
        tiles_[b]->program(wb, TileKey{seed_, static_cast<std::uint64_t>(tb.tile)});
    });
}

void AnalogNetwork::set_time(double t_s) {
    parallel_for(tiles_.size(), threads_, [&](std::size_t b) { tiles_[b]->set_time(t_s); });
}

void AnalogNetwork::quantize(int layer, const float* x, int n, std::int8_t* codes) const {
    const double scale = cal_.input_scale[static_cast<std::size_t>(layer)];
    if (passes_ > 1) {
        quantize_passes(x, n, scale, max_code_, input_bits_, passes_, codes);
        return;
    }
    to_codes(x, n, 1.0 / scale, max_code_, codes);
}

void AnalogNetwork::block_mvm(int block, const std::int8_t* block_codes, int plane_stride, float* part,
                              std::uint64_t image, int pixel, MvmEnergy& energy) const {
    const auto b = static_cast<std::size_t>(block);
    mvm_passes(*tiles_[b], passes_, block_codes, plane_stride, map_.blocks[b].cols, part, energy, &noise_keys_[b],
               mvm_noise_id(image, pixel));
}

void AnalogNetwork::combine_partials(int layer, int col_block, const float* const* parts, float* y, bool gdc) const {
    combine_partials(layer, col_block, parts, 1, y, 0, gdc);
}

void AnalogNetwork::combine_partials(int layer, int col_block, const float* const* parts, int n, float* y,
                                     std::size_t ldy, bool gdc) const {
    const LayerPlacement* lp = map_.placement(layer);
    const double scale = cal_.input_scale[static_cast<std::size_t>(layer)];
    const int cols = map_.blocks[static_cast<std::size_t>(lp->block_index(0, col_block))].cols;
    const auto undo_gdc = [&](int rb) {
        const TileModel& tile = *tiles_[static_cast<std::size_t>(lp->block_index(rb, col_block))];
        return gdc ? 1.0 : 1.0 / tile.gdc_factor();
    };
    if (lp->row_blocks == 1) {  // the sum below with one term, without its buffer
        const auto factor = static_cast<float>(undo_gdc(0) * scale);
        if (ldy == static_cast<std::size_t>(cols)) {  // packed rows: one long loop, not n short ones
            scale_part(parts[0], n * cols, factor, y);
            return;
        }
        for (int k = 0; k < n; ++k) {
            const std::size_t at = static_cast<std::size_t>(k) * cols;
            scale_part(parts[0] + at, cols, factor, y + static_cast<std::size_t>(k) * ldy);
        }
        return;
    }
    thread_local std::vector<double> acc;
    acc.resize(static_cast<std::size_t>(cols));
    for (int k = 0; k < n; ++k) {
        const std::size_t at = static_cast<std::size_t>(k) * cols;
        first_part(parts[0] + at, cols, undo_gdc(0), acc.data());
        for (int rb = 1; rb < lp->row_blocks; ++rb) add_part(parts[rb] + at, cols, undo_gdc(rb), acc.data());
        scale_sum(acc.data(), cols, scale, y + static_cast<std::size_t>(k) * ldy);
    }
}

void AnalogNetwork::layer_mvm(int layer, const std::int8_t* codes, float* y, std::uint64_t image, int pixel, bool gdc,
                              MvmEnergy& energy) const {
    const LayerPlacement* lp = map_.placement(layer);
    thread_local std::vector<std::vector<float>> parts;
    thread_local std::vector<const float*> part_ptrs;
    if (parts.size() < static_cast<std::size_t>(lp->row_blocks)) parts.resize(static_cast<std::size_t>(lp->row_blocks));
    part_ptrs.resize(static_cast<std::size_t>(lp->row_blocks));
    for (int cb = 0; cb < lp->col_blocks; ++cb) {
        for (int rb = 0; rb < lp->row_blocks; ++rb) {
            const int bi = lp->block_index(rb, cb);
            const TileBlock& b = map_.blocks[static_cast<std::size_t>(bi)];
            std::vector<float>& part = parts[static_cast<std::size_t>(rb)];
            part.resize(static_cast<std::size_t>(b.cols));
            block_mvm(bi, codes + b.row_begin, net_.layers[static_cast<std::size_t>(layer)].input_rows(), part.data(),
                      image, pixel, energy);
            part_ptrs[static_cast<std::size_t>(rb)] = part.data();
        }
        const TileBlock& first = map_.blocks[static_cast<std::size_t>(lp->block_index(0, cb))];
        combine_partials(layer, cb, part_ptrs.data(), y + first.col_begin, gdc);
    }
}

void AnalogNetwork::set_digital_bits(int bits) {
    rounding_.bits = bits;
    rounding_.step.assign(net_.tensors.size(), 0.0F);
    if (bits <= 0) return;
    for (std::size_t t = 0; t < net_.tensors.size(); ++t)
        rounding_.step[t] = fixed_point_step(cal_.tensor_max.at(t), bits);
}

std::vector<float> AnalogNetwork::forward(const std::vector<float>& input_chw, std::uint64_t image, bool gdc,
                                          MvmEnergy* energy) const {
    MvmEnergy local;
    MvmEnergy& e = energy != nullptr ? *energy : local;
    thread_local std::vector<std::int8_t> codes;
    const WeightKernel analog = [&](int layer, int pixel, const float* x, float* y) {
        const int rows = net_.layers[layer].input_rows();
        codes.resize(static_cast<std::size_t>(rows) * passes_);
        quantize(layer, x, rows, codes.data());
        layer_mvm(layer, codes.data(), y, image, pixel, gdc, e);
    };
    return forward_network_digital(net_, input_chw, analog, digital_rounding());
}

}  // namespace aimcsim
