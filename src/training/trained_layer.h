// One Dense layer under training: its float weights (rule float) or its blocks of
// devices on tiles (the analog rules), with the layer's forward MVM, transposed MVM and
// update. Inputs of an MVM are scaled to their largest magnitude in the digital unit
// (one scale per vector) and quantised to the tile's signed codes.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "aimcsim/device.h"
#include "aimcsim/tile.h"
#include "src/training/device_pairs.h"
#include "src/training/training_cost.h"
#include "src/training/training_settings.h"

namespace aimcsim {

// Which MVMs a noise key belongs to (their per-read noise streams never overlap).
enum class MvmPass : std::uint64_t { TrainForward = 1, TrainBackward = 2, Evaluate = 3 };

// What the last update did to one block (the chip's training step times it, train_command.cpp).
struct BlockUpdate {
    int row_begin = 0, col_begin = 0, rows = 0, cols = 0;
    double programming_ns = 0.0;  // its pulses row by row and its refreshes
};

class TrainedLayer {
public:
    // rule float: no tiles. Otherwise one tile (from `tile`) per block of at most the tile's
    // rows x cols, its devices programmed to `w` (rows x cols). Tile ids start at `first_tile_id`.
    TrainedLayer(int rows, int cols, bool relu, std::vector<float> w, const TileConfig& tile,
                 const TrainingSettings& settings, std::uint64_t seed, std::uint64_t first_tile_id);

    // y (n x cols) = x (n x rows) W + b; vector k's per-read noise id is ids[k].
    void forward(const float* x, int n, float* y, MvmPass pass, const std::uint64_t* ids, MvmEnergy* energy) const;
    // g (n x rows) = d (n x cols) W^T, through the transposed reads.
    void backward(const float* d, int n, float* g, const std::uint64_t* ids, MvmEnergy* energy) const;
    // dw = -lr/batch x^T d over n vectors (a Dense layer: n = batch images; a Conv layer:
    // every output pixel of every image, x its im2col rows), applied by the rule; the bias in
    // float. Adds pulses, refreshes, programming time and energy to `cost`. `step` keys the
    // pulses' random stream.
    void update(const float* x, const float* d, int n, int batch, double lr, std::uint64_t step, double t_s,
                TrainingCost& cost);

    // The devices read t_after_s after the last update (t_end_s) through the device model,
    // loaded into the tiles; with gdc, each tile's outputs rescaled by the ratio of its mean
    // |G+ - G-| at the end of training to the one read now (global drift compensation).
    void load_drifted(double t_end_s, double t_after_s, bool gdc);
    // Back to the conductances of the end of training.
    void load_trained();

    [[nodiscard]] int rows() const { return rows_; }
    [[nodiscard]] int cols() const { return cols_; }
    [[nodiscard]] bool relu() const { return relu_; }
    [[nodiscard]] int tiles() const { return static_cast<int>(blocks_.size()); }
    // One forward MVM of the layer (its blocks run in parallel), in ns.
    [[nodiscard]] double mvm_ns() const;
    [[nodiscard]] double static_power_mw() const;
    [[nodiscard]] double epsilon_us() const { return epsilon_us_; }
    [[nodiscard]] double group_max_us() const { return group_max_us_; }
    [[nodiscard]] int devices_per_polarity() const { return n_; }
    // Current real weight (rows x cols): the float one or the devices' G+ - G-.
    [[nodiscard]] double weight(int r, int c) const;
    // The last update: its vectors (n) and per block its programming time.
    [[nodiscard]] int last_update_vectors() const { return last_vectors_; }
    [[nodiscard]] const std::vector<BlockUpdate>& last_update() const { return last_update_; }

private:
    struct Block {
        int r0 = 0, c0 = 0, rows = 0, cols = 0;
        std::uint64_t tile_id = 0;
        std::unique_ptr<TileModel> tile;
        TrainableTile* trainable = nullptr;
        std::unique_ptr<DeviceModel> device;
        std::unique_ptr<DevicePairs> pairs;
        std::vector<float> chi;  // mixed_precision: the accumulated updates
    };
    void load(Block& b, double weight_scale_factor);

    int rows_, cols_;
    bool relu_;
    TrainingRule rule_;
    std::uint64_t seed_;
    std::vector<float> w_;  // rule float
    std::vector<float> bias_;
    double weight_scale_ = 1.0;
    double forward_range_, backward_range_;
    double refresh_threshold_;
    double epsilon_us_ = 0.0;
    double group_max_us_ = 0.0;
    int n_ = 1;
    std::unique_ptr<UpdateModel> update_;
    std::vector<Block> blocks_;
    double digital_mac_pj_;
    int digital_macs_per_cycle_;
    int last_vectors_ = 0;
    std::vector<BlockUpdate> last_update_;
};

}  // namespace aimcsim
