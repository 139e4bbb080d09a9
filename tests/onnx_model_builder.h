// Small ONNX models built with the protobuf API, for the importer's tests: a graph
// input, initializers, nodes and attributes; save() adds the graph output "output".
#pragma once

#include <onnx/onnx_pb.h>
#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace test::onnx_model {

// A model whose graph has one float input of `input_dims` and no nodes yet.
inline onnx::ModelProto new_model(const std::vector<int64_t>& input_dims, int64_t opset = 13) {
    onnx::ModelProto m;
    m.set_ir_version(7);
    m.add_opset_import()->set_version(opset);
    auto* g = m.mutable_graph();
    g->set_name("test");
    auto* in = g->add_input();
    in->set_name("input");
    auto* tt = in->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(onnx::TensorProto_DataType_FLOAT);
    for (int64_t d : input_dims) tt->mutable_shape()->add_dim()->set_dim_value(d);
    return m;
}

inline void add_init(onnx::ModelProto& m, const std::string& name, const std::vector<int64_t>& dims,
                     const std::vector<float>& v, bool raw) {
    auto* t = m.mutable_graph()->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto_DataType_FLOAT);
    for (int64_t d : dims) t->add_dims(d);
    if (raw)
        t->set_raw_data(std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float)));
    else
        for (float x : v) t->add_float_data(x);
}

// Declares the graph input's batch (dim 0) symbolic, named "N", as exporters of a
// dynamic batch do.
inline void set_symbolic_batch(onnx::ModelProto& m) {
    m.mutable_graph()
        ->mutable_input(0)
        ->mutable_type()
        ->mutable_tensor_type()
        ->mutable_shape()
        ->mutable_dim(0)
        ->set_dim_param("N");
}

// A 1-D int64 initializer (a Reshape target, say).
inline void add_int64_init(onnx::ModelProto& m, const std::string& name, const std::vector<int64_t>& v) {
    auto* t = m.mutable_graph()->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto_DataType_INT64);
    t->add_dims(static_cast<int64_t>(v.size()));
    for (int64_t x : v) t->add_int64_data(x);
}

inline onnx::NodeProto* add_node(onnx::ModelProto& m, const std::string& op, const std::string& name,
                                 const std::vector<std::string>& inputs, const std::string& output) {
    auto* n = m.mutable_graph()->add_node();
    n->set_op_type(op);
    n->set_name(name);
    for (const auto& i : inputs) n->add_input(i);
    n->add_output(output);
    return n;
}

inline void set_ints(onnx::NodeProto* n, const std::string& name, const std::vector<int64_t>& v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto_AttributeType_INTS);
    for (int64_t x : v) a->add_ints(x);
}

inline void set_float(onnx::NodeProto* n, const std::string& name, float v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto_AttributeType_FLOAT);
    a->set_f(v);
}

inline void set_int(onnx::NodeProto* n, const std::string& name, int64_t v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto_AttributeType_INT);
    a->set_i(v);
}

inline std::string save(const onnx::ModelProto& m, const std::filesystem::path& dir, const std::string& name) {
    onnx::ModelProto copy = m;  // the graph output is added here so callers only add nodes
    auto* out = copy.mutable_graph()->add_output();
    out->set_name("output");
    const std::string path = (dir / name).string();
    std::ofstream f(path, std::ios::binary);
    REQUIRE(copy.SerializeToOstream(&f));
    return path;
}

}  // namespace test::onnx_model
