// In-memory training of a network of Dense and Conv layers on Fashion-MNIST (docs/training.md): forward MVMs
// and transposed MVMs through the tiles' numerics, the outer-product update in the
// digital units, the weights' devices pulsed by the configured rule; each epoch's loss,
// accuracy, pulses, time and energy, and the trained network's accuracy as it drifts.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "aimcsim/network.h"
#include "aimcsim/tile.h"
#include "src/training/training_cost.h"
#include "src/training/train_stages.h"
#include "src/training/training_settings.h"

namespace aimcsim {

struct EpochRecord {
    int epoch = 0;
    double learning_rate = 0.0;  // of this epoch
    double train_loss = 0.0;  // mean cross-entropy of the epoch's forward passes
    double train_accuracy = 0.0;
    double test_accuracy = 0.0;
    TrainingCost cost;
    double chip_latency_ns = 0.0;  // its steps on the SystemC chip (0: not simulated)
    double wall_s = 0.0;
};

struct DriftPoint {
    double t_s = 0.0;  // after the last update
    bool gdc = true;
    double top1 = 0.0;
};

// What one step's update did, per weight layer in order: the error vectors through it
// (batch x output pixels) and each block's programming time.
struct StepRecord {
    struct Layer {
        int vectors = 0;
        std::vector<BlockUpdate> blocks;
    };
    int batch = 0;
    std::vector<Layer> layers;
};

// The SystemC chip's time of one training step, split so that the parts add up to it
// (each phase the time it adds after the one before; src/chip/train_step.h).
struct ChipStepTimes {
    double forward_ns = 0.0, backward_ns = 0.0, update_ns = 0.0, programming_ns = 0.0;
    [[nodiscard]] double step_ns() const { return forward_ns + backward_ns + update_ns + programming_ns; }
};

struct TrainingResult {
    std::string model;
    TrainingRule rule = TrainingRule::MixedPrecision;
    std::size_t train_images = 0;
    std::size_t test_images = 0;
    int batch = 0;
    double learning_rate = 0.0;
    double lr_decay = 1.0;
    double epsilon_us = 0.0;
    double group_max_us = 0.0;
    int devices_per_polarity = 0;
    int tiles = 0;
    std::vector<std::string> layers;  // the stages: "784x256", "relu", "conv 9x16, 784 pixels"
    std::vector<EpochRecord> epochs;
    std::vector<DriftPoint> drift;
    bool interrupted = false;
    // The forward MVMs of one batch: the analytic model's time (image after image, layer
    // after layer) and the SystemC chip's (timing only, the same network and tiles,
    // pipelined across pixels, layers and images); 0 when not computed (rule float).
    double forward_batch_ns = 0.0;
    double chip_forward_batch_ns = 0.0;
    // One step on the SystemC chip and in the analytic model: the one with the most
    // pulses (the first of equals); zero when not simulated.
    std::uint64_t example_step = 0;
    ChipStepTimes chip_step;
    TrainingCost model_step;
};

struct TrainingJob {
    const Network* net = nullptr;
    TileConfig tile;
    std::uint64_t seed = 1;
    TrainingSettings settings;
    // Called after every finished epoch (the report is written there); may be empty.
    std::function<void(const TrainingResult&)> on_epoch;
    // The SystemC chip's forward time of one batch (TrainingResult::chip_forward_batch_ns).
    double chip_forward_batch_ns = 0.0;
    // Times a step on the SystemC chip from what its update did (may be empty: not simulated).
    std::function<ChipStepTimes(const StepRecord&)> chip_step;
    // Set from outside (SIGINT): the loop stops after the current batch, the epoch is dropped.
    const std::atomic<bool>* stop = nullptr;
};

[[nodiscard]] TrainingResult train_network(const TrainingJob& job);

}  // namespace aimcsim
