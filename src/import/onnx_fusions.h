// Finds the decomposed LayerNorm and GELU that PyTorch's ONNX exporter writes (before
// opset 17 and 20 had single ops for them) so the importer can build one LayerNorm or
// Gelu layer instead of a dozen elementwise ones:
//   LayerNorm  m = ReduceMean(x, axes [-1]); d = Sub(x, m); v = ReduceMean(Pow(d, 2));
//              y = Div(d, Sqrt(Add(v, eps))) [; Mul(y, gamma)] [; Add(., beta)]
//   GELU       Mul(Mul(x, Add(Erf(Div(x, sqrt 2)), 1)), 0.5)    (Div or Mul by 1/sqrt 2)
//   GELU tanh  0.5 x (1 + Tanh(sqrt(2/pi) (x + 0.044715 x^3)))  (x^3 as x * (x * x) or Pow)
// Operands of Add and Mul may come in either order. A match requires that nothing
// outside it reads an intermediate value (else the fused layer would drop it).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

namespace aimcsim {

struct OnnxFusion {
    enum class Kind { LayerNorm, Gelu, GeluTanh };
    Kind kind = Kind::Gelu;
    std::string input;        // x
    std::string output;       // the value the last node of the pattern writes
    int last_node = -1;       // index of that node: the importer builds the layer there
    std::vector<int> nodes;   // every node of the pattern (the importer skips the others)
    std::string gamma, beta;  // LayerNorm: names of the scale and shift constants (empty: 1 and 0)
    float epsilon = 0.0F;     // LayerNorm
};

// The float values of a constant by value name, or nothing if the name is not a constant.
using OnnxConstantLookup = std::function<std::optional<std::vector<float>>(const std::string&)>;

// Every fusion in the graph, keyed by node index (each node of a pattern maps to it).
[[nodiscard]] std::map<int, OnnxFusion> find_onnx_fusions(const onnx::GraphProto& g, const OnnxConstantLookup& constant);

}  // namespace aimcsim
