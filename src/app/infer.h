// `aimcsim infer MODEL.onnx --input X.npy --output Y.npy [--calibration C.npy] [--config C] [--seed N]
// [--set k=v]...`: one sample or a batch of N through the configured chip's numerics, so users
// can check their own models. Tensors are NumPy .npy files or, when the name ends in .pb, ONNX
// TensorProto files (the ONNX test-data format, input_0.pb); float32 either way.
//
// The numerics are AnalogNetwork's (src/functional/analog_network.h), which the
// SystemC chip's functional mode reproduces bit for bit: the model is mapped on the
// config's grid, its tiles programmed with the config's seed and moved to the first
// simulation.t_inference_s, drift compensation as the tile config says, sample i is
// image id i of the per-read noise. Non-finite inputs are refused.
// Calibration (input scales, ADC ranges): --calibration's samples; else, when the model
// takes a Fashion-MNIST image (1x28x28 or 784 values) and the dataset is installed at
// accuracy.dataset_dir, the first accuracy.calibration_samples training images, as
// the accuracy evaluation does; otherwise the input itself (then the ADC ranges fit
// these inputs exactly, so the result is optimistic for a deployed chip). The command
// says which.
// Without --config: the hermes tile with its defaults on an 8x8 grid.
#pragma once

#include <string>
#include <vector>

#include "src/import/npy.h"

namespace aimcsim {

class Network;

struct InferOptions {
    std::string model;        // ONNX file
    std::string input;        // .npy or .pb (TensorProto) float32: the model's input shape, or a leading batch N
    std::string calibration;  // optional samples that set input scales and ADC ranges
    std::string output;       // .npy or .pb (TensorProto) float32 written
    std::string config;       // empty: defaults
    std::vector<std::string> overrides;
    bool reference = false;   // the float reference executor instead of the chip's numerics
};

struct InferResult {
    std::vector<float> output;  // N x CHW
    std::size_t samples = 0;
    std::string calibrated_on;  // what set the input scales and ADC ranges, in words
    std::size_t calibration_images = 0;
};

// The same inference on tensors in memory (the Python API's aimcsim.infer, and run_infer).
struct InferRequest {
    std::string model;   // ONNX file
    std::string config;  // empty: defaults
    std::vector<std::string> overrides;
    NpyArray input;                    // one sample (the model's input shape) or N (a leading batch dim)
    std::string input_name = "input";  // how error messages name the input
    // Calibration samples (the model's input size each); empty: as described above.
    std::vector<std::vector<float>> calibration;
    std::string calibration_name;  // where they came from, for the output's "calibrated on ..."
    // The network's float reference executor (what PyTorch computes), no chip numerics:
    // nothing is calibrated, the config's tile and chip play no part.
    bool reference = false;
};

struct InferTensorResult {
    NpyArray output;  // the model's output shape, with the input's leading batch if it had one
    std::size_t samples = 0;
    std::string calibrated_on;
    std::size_t calibration_images = 0;
};

// The samples of a tensor: one (the model's input dims) or N (a leading batch dim);
// InputError naming `name` on a shape that is neither, no samples, or a non-finite value.
// The input dims are the ONNX graph's (`onnx_dims`, after the batch dim: a token sequence
// (T, D)); the network's own (C, H, W) are read too.
struct InputSamples {
    std::vector<std::vector<float>> items;
    bool batched = false;  // the tensor had a batch dim (the output gets one too)
};
[[nodiscard]] InputSamples split_samples(const NpyArray& x, const std::string& name, const Network& net,
                                         const std::vector<int>& onnx_dims = {});

// Sample i keys the per-read noise as image id i. Throws InputError on bad input.
[[nodiscard]] InferTensorResult infer_tensor(const InferRequest& request);

// Runs the inference and writes options.output. Throws InputError on bad input.
InferResult run_infer(const InferOptions& options);

// The command line of `aimcsim infer` (arguments after the command name).
int run_infer_command(const std::vector<std::string>& args);

}  // namespace aimcsim
