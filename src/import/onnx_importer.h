// The ONNX importer's core, shared by the files that hold the op handlers
// (onnx_ops_basic.cpp, onnx_ops_cnn.cpp, and one file per further op family). The
// core walks the graph once in node order (ONNX requires topological order), keeping
// for every value name either a constant (initializer or Constant node) or an
// activation tensor of the Network; each node goes to the handler its op type has in
// the table (onnx_op_table()). A handler reads its inputs and attributes through the
// Importer, adds layers to net() and define()s its output.
//
// Adding an op family: write src/import/onnx_ops_FAMILY.cpp with
//   void add_FAMILY_ops(OnnxOpTable& table) { table["Op"] = handler; ... }
// declare it below and call it in onnx_op_table() (onnx_import.cpp): one line each.
// A family registered later may replace an earlier entry (keep the old handler in
// the lambda to fall back to it for the cases it already covers).
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "aimcsim/network.h"
#include "src/import/onnx_fusions.h"

namespace aimcsim {

// Bounds a corrupt file's dims before anything is allocated from them.
inline constexpr int64_t kOnnxMaxElements = int64_t{1} << 28;

// An activation: a Network tensor plus the ONNX rank it has (4 = NCHW, 2 = [N, F]),
// which decides what Gemm, Flatten and broadcasting accept.
// Transformer values (onnx_ops_transformer.cpp) also carry their full ONNX dims, the
// batch as 1 (any rank; the tensor holds the same row-major values under any 3-D
// shape of that size); empty for the CNN handlers' values.
struct OnnxValue {
    int tensor = -1;
    int rank = 4;
    std::vector<int64_t> dims;

    OnnxValue() = default;
    OnnxValue(int tensor_id, int onnx_rank, std::vector<int64_t> full_dims = {})
        : tensor(tensor_id), rank(onnx_rank), dims(std::move(full_dims)) {}
};

[[nodiscard]] std::string onnx_dims_str(const std::vector<int64_t>& d);

class Importer;
using OnnxOpHandler = std::function<void(Importer&, const onnx::NodeProto&, const std::string& layer_name)>;
using OnnxOpTable = std::map<std::string, OnnxOpHandler>;

// The op families (one file each).
void add_basic_ops(OnnxOpTable& table);  // onnx_ops_basic.cpp
void add_cnn_ops(OnnxOpTable& table);    // onnx_ops_cnn.cpp
void add_transformer_ops(OnnxOpTable& table);  // onnx_ops_transformer.cpp
// The decomposed LayerNorms and GELUs of a graph (onnx_fusions.h), by node index, and
// the layer that replaces one (built at the pattern's last node).
[[nodiscard]] std::map<int, OnnxFusion> transformer_fusions(const onnx::GraphProto& g);
void import_fusion(Importer& im, const OnnxFusion& f, const std::string& layer_name);

// Every supported op type and its handler (built once).
[[nodiscard]] const OnnxOpTable& onnx_op_table();

class Importer {
public:
    Importer(const onnx::GraphProto& g, int64_t opset) : g_(g), opset_(opset) {}

    Network run(const std::string& net_name);

    // ---- for the op handlers -------------------------------------------------------
    Network& net() { return net_; }
    [[nodiscard]] int64_t opset() const { return opset_; }  // ai.onnx operator set (0: not declared)

    [[noreturn]] void fail_node(const std::string& msg) const;

    // The activation a value name refers to; fails if it is a constant or unknown.
    [[nodiscard]] OnnxValue activation(const std::string& name, const std::string& role) const;
    // Whether input i of n is given, and whether it is a constant.
    [[nodiscard]] bool has_input(const onnx::NodeProto& n, int i) const {
        return i < n.input_size() && !n.input(i).empty();
    }
    [[nodiscard]] bool is_constant(const std::string& name) const { return consts_.count(source(name)) > 0; }
    // Input i of n as a constant (initializer or Constant node); fails otherwise.
    [[nodiscard]] const onnx::TensorProto& constant(const onnx::NodeProto& n, int i, const std::string& role) const;
    [[nodiscard]] std::vector<int64_t> dims(const onnx::TensorProto& t) const;
    [[nodiscard]] std::vector<float> floats(const onnx::TensorProto& t) const;
    [[nodiscard]] std::vector<int64_t> int64s(const onnx::TensorProto& t) const;
    // The constant of a value name, or nullptr if it is not a constant.
    [[nodiscard]] const onnx::TensorProto* find_constant(const std::string& name) const {
        auto it = consts_.find(source(name));
        return it == consts_.end() ? nullptr : it->second;
    }
    // Registers a constant produced by a node (Constant); later nodes read it as weights or shapes.
    void add_constant(const std::string& name, onnx::TensorProto t);

    [[nodiscard]] const onnx::AttributeProto* attr(const onnx::NodeProto& n, const std::string& name,
                                                   onnx::AttributeProto_AttributeType type) const;
    [[nodiscard]] int64_t attr_i(const onnx::NodeProto& n, const std::string& name, int64_t dflt) const;
    [[nodiscard]] float attr_f(const onnx::NodeProto& n, const std::string& name, float dflt) const;
    [[nodiscard]] std::string attr_s(const onnx::NodeProto& n, const std::string& name, const std::string& dflt) const;
    [[nodiscard]] std::vector<int64_t> attr_ints(const onnx::NodeProto& n, const std::string& name,
                                                 std::vector<int64_t> dflt) const;
    [[nodiscard]] std::vector<float> attr_floats(const onnx::NodeProto& n, const std::string& name,
                                                 std::vector<float> dflt) const;
    [[nodiscard]] int small_int(int64_t v, const std::string& what) const;
    // Window attributes shared by Conv and the pools (2-D only, dilation 1).
    [[nodiscard]] Window window(const onnx::NodeProto& n, const Shape& in, std::vector<int64_t> kernel) const;

    // Binds n's first output to v.
    void define(const onnx::NodeProto& n, OnnxValue v);
    // Binds the value `name` to v (an output of a fused pattern, or of a multi-output node).
    void define_output(const std::string& name, OnnxValue v);
    // Extra outputs (Dropout mask, MaxPool indices, BatchNorm running stats) must be unused.
    void only_first_output(const onnx::NodeProto& n) const;
    // The weight layer that alone consumes `name`, into which a bias or BatchNorm can fold.
    [[nodiscard]] Layer* foldable_producer(const std::string& name);
    // Whether `name`'s value is read by exactly one node (or graph output).
    [[nodiscard]] int uses(const std::string& name) const;

private:
    const onnx::GraphProto& g_;
    int64_t opset_;
    Network net_;
    std::map<std::string, const onnx::TensorProto*> consts_;
    std::deque<onnx::TensorProto> constant_nodes_;  // owns Constant node values (stable addresses)
    std::map<std::string, OnnxValue> values_;
    std::map<std::string, std::string> alias_;  // Identity/Dropout output -> source name
    std::map<std::string, int> uses_;           // by source name, skipping Identity/Dropout
    std::string where_;                         // "node 'x' (op Y)" of the node being imported
    std::map<int, OnnxFusion> fusions_;         // node index -> the fused pattern it belongs to

    static bool passthrough(const onnx::NodeProto& n);
    [[nodiscard]] std::string source(const std::string& name) const;
    [[nodiscard]] std::string layer_name(const onnx::NodeProto& n, int index) const;
    void count_uses();
    void add_graph_input();
    // Whether a convolution, pooling or BatchNormalization reads `value` (then a rank-3
    // input is a 1-D signal [N, C, L], else a token sequence).
    [[nodiscard]] bool read_as_signal(const std::string& value) const;
    void refuse_unsupported_ops() const;
    void node(const onnx::NodeProto& n, int index);
    void keep_dims(const onnx::NodeProto& n);
};

}  // namespace aimcsim
