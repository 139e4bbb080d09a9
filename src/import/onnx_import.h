// ONNX model import into the network IR (network.h).
#pragma once

#include <string>

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

// The op types load_onnx accepts, comma-separated (for messages and `--help`).
[[nodiscard]] const char* onnx_supported_ops();

}  // namespace aimcsim
