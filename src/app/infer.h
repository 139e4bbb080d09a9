// `aimcsim infer MODEL.onnx --input X.npy --output Y.npy [--config C] [--seed N] [--set k=v]...`:
// one input tensor through the configured chip's numerics, so users can check their
// own models. Tensors are NumPy .npy files or, when the name ends in .pb, ONNX
// TensorProto files (the ONNX test-data format, input_0.pb); float32 either way.
//
// The numerics are AnalogNetwork's (src/functional/analog_network.h), which the
// SystemC chip's functional mode reproduces bit for bit: the model is mapped on the
// config's grid, its tiles programmed with the config's seed and moved to the first
// simulation.t_inference_s, drift compensation as the tile config says, image id 0.
// Calibration (input scales, ADC ranges): when the model takes a Fashion-MNIST
// image (1x28x28 or 784 values) and the dataset is installed at
// accuracy.dataset_dir, the first accuracy.calibration_samples training images, as
// the accuracy evaluation does; otherwise the input itself (then the ADC ranges fit
// this one input exactly, so the result is optimistic for a deployed chip).
// Without --config: the hermes tile with its defaults on an 8x8 grid.
#pragma once

#include <string>
#include <vector>

#include "src/import/npy.h"

namespace aimcsim {

struct InferOptions {
    std::string model;   // ONNX file
    std::string input;   // .npy or .pb (TensorProto) float32, the model's input shape with or without a leading 1
    std::string output;  // .npy or .pb (TensorProto) float32 written
    std::string config;  // empty: defaults
    std::vector<std::string> overrides;
};

struct InferResult {
    std::vector<float> output;  // CHW
    bool calibrated_on_dataset = false;
    std::size_t calibration_images = 0;
};

// The same inference on tensors in memory (the Python API's aimcsim.infer).
struct InferRequest {
    std::string model;   // ONNX file
    std::string config;  // empty: defaults
    std::vector<std::string> overrides;
    NpyArray input;                    // the model's input shape, with or without a leading batch
    std::string input_name = "input";  // how error messages name the input
    bool batch = false;                // false: the leading batch must be 1 (as files); true: any N >= 1
    // Calibration images (CHW, the model's input size each); empty: as described above.
    std::vector<std::vector<float>> calibration;
};

struct InferTensorResult {
    NpyArray output;  // the model's output shape, with the input's leading batch if it had one
    bool calibrated_on_dataset = false;
    std::size_t calibration_images = 0;
};

// Image i of a batch keys the per-read noise as image id i (a single input is image 0).
// Throws InputError on bad input.
InferTensorResult infer_tensor(const InferRequest& request);

// Runs the inference and writes options.output. Throws InputError on bad input.
InferResult run_infer(const InferOptions& options);

// The command line of `aimcsim infer` (arguments after the command name).
int run_infer_command(const std::vector<std::string>& args);

}  // namespace aimcsim
