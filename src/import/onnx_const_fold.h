// Constant folding of the shape arithmetic PyTorch's exporter writes around reshapes
// (Shape -> Gather -> Add/Div/Mul -> Unsqueeze -> Concat -> Reshape, the class token's
// ConstantOfShape/Equal/Where/Expand): a node whose inputs are all constants is
// evaluated at import time into a new constant. Tensors of float, double, int64, int32
// and bool, any rank, numpy broadcasting for the elementwise ops.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <string>
#include <vector>

namespace aimcsim {

// A constant as the folder computes with it: values in double (exact for the int64
// sizes of shape arithmetic), with its ONNX element type.
struct FoldTensor {
    std::vector<int64_t> dims;
    std::vector<double> values;
    int type = onnx::TensorProto_DataType_FLOAT;

    [[nodiscard]] std::size_t size() const { return values.size(); }
};

// Throws InputError on an unsupported element type or a malformed tensor.
[[nodiscard]] FoldTensor fold_tensor(const onnx::TensorProto& t);
[[nodiscard]] onnx::TensorProto to_tensor_proto(const FoldTensor& t, const std::string& name);

// Whether the folder evaluates op type `op`.
[[nodiscard]] bool can_fold(const std::string& op);

// The output of node n (op type can_fold) from its inputs (missing optional inputs as
// empty tensors with no dims and no values, flagged by `present`). Throws InputError
// (without the node's name: the caller adds it) on what it cannot evaluate.
[[nodiscard]] FoldTensor fold_node(const onnx::NodeProto& n, const std::vector<FoldTensor>& inputs,
                                   const std::vector<bool>& present);

}  // namespace aimcsim
