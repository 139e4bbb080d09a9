// ONNX model import into the network IR (network.h).
#pragma once

#include <string>
#include <vector>

#include "aimcsim/network.h"

namespace aimcsim {

// Reads an ONNX model (protobuf ModelProto) and builds a Network from its graph.
// Supported ops: Conv, Gemm, MatMul (a following Add of a constant becomes its bias),
// Relu, BatchNormalization (folded into the preceding Conv/Gemm/MatMul), MaxPool,
// AveragePool, GlobalAveragePool, Add (residual; or a bias after a weight layer),
// Flatten, Reshape (to a 2-D flatten only), Identity and Dropout (skipped), Constant.
// Weights must be float32 initializers (raw_data or float_data) or Constant nodes.
// The graph has one input, NCHW (or [N, features]) with batch 1 or a symbolic batch,
// and one output; shapes are inferred from the input's declared shape.
// Every problem throws InputError naming the file and, where it applies, the node
// and its op type; no input, however corrupt, crashes the caller.
[[nodiscard]] Network load_onnx(const std::string& path);

// The dims of one sample of the graph's input and output as the model declares them,
// the batch dim left out (a token sequence [N, T, D]: {T, D}); empty where a dim is not
// known or the count differs from the network's shape. `aimcsim infer` reads and writes
// samples with them, as PyTorch's output has them.
struct OnnxSampleDims {
    std::vector<int> input;
    std::vector<int> output;
};
// load_onnx, and (dims non-null) the sample dims of its input and output.
[[nodiscard]] Network load_onnx(const std::string& path, OnnxSampleDims* dims);

// The op types load_onnx accepts, comma-separated (for messages and `--help`).
[[nodiscard]] const char* onnx_supported_ops();

}  // namespace aimcsim
