// ONNX -> Network: the importer's core (graph walk, inputs, constants, attributes)
// and the table of op handlers, which live in one file per op family
// (onnx_ops_*.cpp; see onnx_importer.h). Biases and BatchNormalization after a
// weight layer are folded into that layer, which is only correct when nothing else
// reads the layer's raw output, so uses are counted first.
#include "src/import/onnx_import.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

#include "aimcsim/core/error.h"
#include "src/import/onnx_importer.h"

namespace aimcsim {

namespace {

// An error inside one node; load_onnx prefixes the file name.
[[noreturn]] void fail(const std::string& msg) { throw InputError(msg); }

// The dims after the batch a graph value declares, if all are known and hold `size`
// values (the network's own shape of it); else empty.
std::vector<int> declared_dims(const onnx::ValueInfoProto& v, std::size_t size) {
    if (!v.type().has_tensor_type() || !v.type().tensor_type().has_shape()) return {};
    const auto& dims = v.type().tensor_type().shape().dim();
    std::vector<int> d;
    std::size_t n = 1;
    for (int i = 1; i < dims.size(); ++i) {
        if (!dims[i].has_dim_value() || dims[i].dim_value() <= 0 || dims[i].dim_value() > kOnnxMaxElements) return {};
        d.push_back(static_cast<int>(dims[i].dim_value()));
        n *= static_cast<std::size_t>(d.back());
    }
    return dims.size() >= 1 && n == size ? d : std::vector<int>{};
}

// The model's version of the default (ai.onnx) operator set, 0 if it declares none.
int64_t default_opset(const onnx::ModelProto& model) {
    int64_t version = 0;
    for (const auto& o : model.opset_import())
        if (o.domain().empty() || o.domain() == "ai.onnx") version = std::max(version, o.version());
    return version;
}

int64_t numel(const std::vector<int64_t>& d) {
    int64_t n = 1;
    for (int64_t x : d) n *= x;
    return n;
}

}  // namespace

std::string onnx_dims_str(const std::vector<int64_t>& d) {
    std::string s = "[";
    for (std::size_t i = 0; i < d.size(); ++i) s += (i ? "," : "") + std::to_string(d[i]);
    return s + "]";
}

const OnnxOpTable& onnx_op_table() {
    static const OnnxOpTable table = [] {
        OnnxOpTable t;
        add_basic_ops(t);
        add_cnn_ops(t);
        add_transformer_ops(t);  // last: it wraps earlier handlers of Add, MatMul, Reshape, ...
        return t;
    }();
    return table;
}

const char* onnx_supported_ops() {
    static const std::string list = [] {
        std::string s;
        for (const auto& [op, handler] : onnx_op_table()) s += (s.empty() ? "" : ", ") + op;
        return s;
    }();
    return list.c_str();
}

Network Importer::run(const std::string& net_name) {
    net_.name = net_name;
    for (const auto& t : g_.initializer()) consts_[t.name()] = &t;
    count_uses();
    fusions_ = transformer_fusions(g_);
    refuse_unsupported_ops();
    add_graph_input();
    for (int i = 0; i < g_.node_size(); ++i) node(g_.node(i), i);
    if (g_.output_size() != 1)
        fail("the graph has " + std::to_string(g_.output_size()) + " outputs; exactly one is supported");
    net_.output = activation(g_.output(0).name(), "graph output").tensor;
    if (net_.layers.empty()) fail("the graph has no layers");
    return std::move(net_);
}

void Importer::fail_node(const std::string& msg) const { fail(where_ + ": " + msg); }

bool Importer::passthrough(const onnx::NodeProto& n) { return n.op_type() == "Identity" || n.op_type() == "Dropout"; }

std::string Importer::source(const std::string& name) const {
    auto it = alias_.find(name);
    return it == alias_.end() ? name : it->second;
}

std::string Importer::layer_name(const onnx::NodeProto& n, int index) const {
    return n.name().empty() ? n.op_type() + "_" + std::to_string(index) : n.name();
}

void Importer::count_uses() {
    for (const auto& n : g_.node())
        if (passthrough(n) && n.input_size() > 0 && n.output_size() > 0) alias_[n.output(0)] = source(n.input(0));
    for (const auto& n : g_.node())
        if (!passthrough(n))
            for (const auto& in : n.input()) ++uses_[source(in)];
    for (const auto& out : g_.output()) ++uses_[source(out.name())];
}

int Importer::uses(const std::string& name) const {
    auto it = uses_.find(source(name));
    return it == uses_.end() ? 0 : it->second;
}

bool Importer::read_as_signal(const std::string& value) const {
    static const std::set<std::string> signal_ops = {"Conv", "MaxPool", "AveragePool", "GlobalAveragePool",
                                                     "BatchNormalization"};
    for (const auto& n : g_.node()) {
        if (!signal_ops.count(n.op_type())) continue;
        for (const auto& in : n.input())
            if (in == value) return true;
    }
    return false;
}

void Importer::add_graph_input() {
    const onnx::ValueInfoProto* input = nullptr;
    for (const auto& vi : g_.input()) {
        if (consts_.count(vi.name())) continue;  // older exporters list initializers as inputs
        if (input) fail("the graph has more than one input ('" + input->name() + "', '" + vi.name() + "')");
        input = &vi;
    }
    if (!input) fail("the graph has no input");
    const std::string where = "graph input '" + input->name() + "'";
    if (!input->type().has_tensor_type() || !input->type().tensor_type().has_shape())
        fail(where + " has no tensor shape");
    const auto& tt = input->type().tensor_type();
    if (tt.elem_type() != onnx::TensorProto_DataType_FLOAT) fail(where + " must be float32");
    const auto& dims = tt.shape().dim();
    if (dims.size() < 1 || dims.size() > 4)
        fail(where + " has rank " + std::to_string(dims.size()) +
             "; expected NCHW (4), [N, C, L] (3) or a token sequence [N, T, D] (3), [N, features] (2) or [N] (1)");
    if (dims[0].has_dim_value() && (dims[0].dim_value() < 1 || dims[0].dim_value() > kOnnxMaxElements))
        fail(where + " has batch size " + std::to_string(dims[0].dim_value()) + "; expected a positive number");
    net_.declared_batch = dims[0].has_dim_value() ? static_cast<int>(dims[0].dim_value()) : 0;
    std::vector<int> d;
    for (int i = 1; i < dims.size(); ++i) {
        if (!dims[i].has_dim_value() || dims[i].dim_value() <= 0 || dims[i].dim_value() > kOnnxMaxElements)
            fail(where + " dimension " + std::to_string(i) + " must be a positive number");
        d.push_back(static_cast<int>(dims[i].dim_value()));
    }
    // Rank 3 is a 1-D signal [N, C, L] when a convolution, pooling or BatchNormalization
    // reads it ({C, 1, L}, as an LSTM's sequence), else a token sequence [N, T, D]:
    // {1, T, D}, a transformer value (batch as 1).
    if (dims.size() == 3 && !read_as_signal(input->name())) {
        values_[input->name()] = {net_.add_input(input->name(), Shape{1, d[0], d[1]}), 3, {1, d[0], d[1]}};
        return;
    }
    // [N] is one value per sample.
    const Shape s = dims.size() == 4   ? Shape{d[0], d[1], d[2]}
                    : dims.size() == 3 ? Shape{d[0], 1, d[1]}
                    : dims.size() == 2 ? Shape{d[0], 1, 1}
                                       : Shape{1, 1, 1};
    values_[input->name()] = {net_.add_input(input->name(), s), static_cast<int>(dims.size())};
}

// ---- looking up node inputs ------------------------------------------------------

OnnxValue Importer::activation(const std::string& name, const std::string& role) const {
    auto it = values_.find(source(name));
    if (it != values_.end()) return it->second;
    if (consts_.count(source(name)))
        fail((where_.empty() ? "" : where_ + ": ") + role + " '" + name +
             "' is a constant; only weights and biases may be constants");
    fail((where_.empty() ? "" : where_ + ": ") + role + " '" + name +
         "' is neither the graph input nor the output of an earlier node");
}

const onnx::TensorProto& Importer::constant(const onnx::NodeProto& n, int i, const std::string& role) const {
    if (i >= n.input_size() || n.input(i).empty()) fail_node("has no " + role + " input");
    auto it = consts_.find(source(n.input(i)));
    if (it == consts_.end()) {
        if (values_.count(source(n.input(i))))
            fail_node(role + " '" + n.input(i) + "' is computed at run time; it must be an initializer");
        fail_node("missing initializer '" + n.input(i) + "' (" + role + ")");
    }
    return *it->second;
}

void Importer::add_constant(const std::string& name, onnx::TensorProto t) {
    if (values_.count(name) || consts_.count(name)) fail_node("output '" + name + "' is defined twice");
    constant_nodes_.push_back(std::move(t));
    constant_nodes_.back().set_name(name);
    consts_[name] = &constant_nodes_.back();
}

std::vector<int64_t> Importer::dims(const onnx::TensorProto& t) const {
    std::vector<int64_t> d(t.dims().begin(), t.dims().end());
    int64_t n = 1;
    for (int64_t x : d) {
        if (x < 0 || x > kOnnxMaxElements) fail_node("initializer '" + t.name() + "' has bad dims " + onnx_dims_str(d));
        n *= x;
        if (n > kOnnxMaxElements) fail_node("initializer '" + t.name() + "' is too large " + onnx_dims_str(d));
    }
    return d;
}

std::vector<float> Importer::floats(const onnx::TensorProto& t) const {
    const std::string what = "initializer '" + t.name() + "'";
    if (t.data_location() == onnx::TensorProto_DataLocation_EXTERNAL)
        fail_node(what + " uses external data, which is not supported (save the model with the weights inside)");
    if (t.data_type() != onnx::TensorProto_DataType_FLOAT)
        fail_node(what + " has data type " + std::to_string(t.data_type()) + "; only float32 is supported");
    const auto n = static_cast<std::size_t>(numel(dims(t)));
    std::vector<float> v(n);
    if (t.has_raw_data()) {
        if (t.raw_data().size() != n * sizeof(float))
            fail_node(what + " has " + std::to_string(t.raw_data().size()) + " bytes of raw data, expected " +
                      std::to_string(n * sizeof(float)));
        std::memcpy(v.data(), t.raw_data().data(), n * sizeof(float));  // ONNX raw data is little-endian
    } else {
        if (static_cast<std::size_t>(t.float_data_size()) != n)
            fail_node(what + " has " + std::to_string(t.float_data_size()) + " float values, expected " +
                      std::to_string(n));
        std::copy(t.float_data().begin(), t.float_data().end(), v.begin());
    }
    for (float x : v)
        if (!std::isfinite(x)) fail_node(what + " contains NaN or infinity");
    return v;
}

std::vector<int64_t> Importer::int64s(const onnx::TensorProto& t) const {
    const auto n = static_cast<std::size_t>(numel(dims(t)));
    if (t.data_type() != onnx::TensorProto_DataType_INT64) fail_node("'" + t.name() + "' must be an int64 tensor");
    std::vector<int64_t> v(n);
    if (t.has_raw_data()) {
        if (t.raw_data().size() != n * sizeof(int64_t)) fail_node("'" + t.name() + "' has the wrong data size");
        std::memcpy(v.data(), t.raw_data().data(), n * sizeof(int64_t));
    } else {
        if (static_cast<std::size_t>(t.int64_data_size()) != n) fail_node("'" + t.name() + "' has the wrong data size");
        std::copy(t.int64_data().begin(), t.int64_data().end(), v.begin());
    }
    return v;
}

// ---- attributes --------------------------------------------------------------------

const onnx::AttributeProto* Importer::attr(const onnx::NodeProto& n, const std::string& name,
                                           onnx::AttributeProto_AttributeType type) const {
    for (const auto& a : n.attribute())
        if (a.name() == name) {
            if (a.type() != type) fail_node("attribute '" + name + "' has the wrong type");
            return &a;
        }
    return nullptr;
}

int64_t Importer::attr_i(const onnx::NodeProto& n, const std::string& name, int64_t dflt) const {
    const auto* a = attr(n, name, onnx::AttributeProto_AttributeType_INT);
    return a ? a->i() : dflt;
}

float Importer::attr_f(const onnx::NodeProto& n, const std::string& name, float dflt) const {
    const auto* a = attr(n, name, onnx::AttributeProto_AttributeType_FLOAT);
    return a ? a->f() : dflt;
}

std::string Importer::attr_s(const onnx::NodeProto& n, const std::string& name, const std::string& dflt) const {
    const auto* a = attr(n, name, onnx::AttributeProto_AttributeType_STRING);
    return a ? a->s() : dflt;
}

std::vector<int64_t> Importer::attr_ints(const onnx::NodeProto& n, const std::string& name,
                                         std::vector<int64_t> dflt) const {
    const auto* a = attr(n, name, onnx::AttributeProto_AttributeType_INTS);
    return a ? std::vector<int64_t>(a->ints().begin(), a->ints().end()) : dflt;
}

std::vector<float> Importer::attr_floats(const onnx::NodeProto& n, const std::string& name,
                                         std::vector<float> dflt) const {
    const auto* a = attr(n, name, onnx::AttributeProto_AttributeType_FLOATS);
    return a ? std::vector<float>(a->floats().begin(), a->floats().end()) : dflt;
}

int Importer::small_int(int64_t v, const std::string& what) const {
    if (v < 0 || v > 1 << 20) fail_node(what + " " + std::to_string(v) + " is out of range");
    return static_cast<int>(v);
}

Window Importer::window(const onnx::NodeProto& n, const Shape& in, std::vector<int64_t> kernel) const {
    // 1-D windows (over [N, C, L], stored {C, 1, L}) are 2-D windows of height 1.
    const bool one_d = kernel.size() == 1;
    if (one_d) kernel.insert(kernel.begin(), 1);
    if (kernel.size() != 2) fail_node("kernel_shape must have 1 or 2 values, got " + onnx_dims_str(kernel));
    auto strides = attr_ints(n, "strides", std::vector<int64_t>(one_d ? 1 : 2, 1));
    if (one_d && strides.size() == 1) strides.insert(strides.begin(), 1);
    if (strides.size() != 2) fail_node("strides must have " + std::to_string(one_d ? 1 : 2) + " values");
    for (int64_t d : attr_ints(n, "dilations", {1, 1}))
        if (d != 1) fail_node("dilation " + std::to_string(d) + " is not supported (only 1)");
    Window w;
    w.kernel_h = small_int(kernel[0], "kernel");
    w.kernel_w = small_int(kernel[1], "kernel");
    w.stride_h = small_int(strides[0], "stride");
    w.stride_w = small_int(strides[1], "stride");
    const std::string auto_pad = attr_s(n, "auto_pad", "NOTSET");
    if (auto_pad == "NOTSET") {
        auto pads = attr_ints(n, "pads", {0, 0, 0, 0});
        if (one_d && pads.size() == 2) pads = {0, pads[0], 0, pads[1]};
        if (pads.size() != 4) fail_node("pads must have 4 values, got " + onnx_dims_str(pads));
        w.pad_top = small_int(pads[0], "pad");
        w.pad_left = small_int(pads[1], "pad");
        w.pad_bottom = small_int(pads[2], "pad");
        w.pad_right = small_int(pads[3], "pad");
    } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
        // Output = ceil(in / stride); the odd pad goes to the end (UPPER) or start (LOWER).
        auto same = [&](int size, int k, int s, int& begin, int& end) {
            if (s <= 0) fail_node("stride must be positive");
            const int total = std::max(((size + s - 1) / s - 1) * s + k - size, 0);
            begin = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
            end = total - begin;
        };
        same(in.h, w.kernel_h, w.stride_h, w.pad_top, w.pad_bottom);
        same(in.w, w.kernel_w, w.stride_w, w.pad_left, w.pad_right);
    } else if (auto_pad != "VALID") {
        fail_node("auto_pad '" + auto_pad + "' is not supported");
    }
    return w;
}

// ---- nodes -------------------------------------------------------------------------

void Importer::define(const onnx::NodeProto& n, OnnxValue v) {
    if (n.output_size() < 1 || n.output(0).empty()) fail_node("has no output");
    if (values_.count(n.output(0)) || consts_.count(n.output(0)))
        fail_node("output '" + n.output(0) + "' is defined twice");
    values_[n.output(0)] = v;
}

void Importer::define_output(const std::string& name, OnnxValue v) {
    if (values_.count(name) || consts_.count(name)) fail_node("output '" + name + "' is defined twice");
    values_[name] = v;
}

void Importer::only_first_output(const onnx::NodeProto& n) const {
    for (int i = 1; i < n.output_size(); ++i)
        if (!n.output(i).empty() && uses_.count(n.output(i)))
            fail_node("output " + std::to_string(i) + " ('" + n.output(i) +
                      "') is used; only the first output is supported");
}

Layer* Importer::foldable_producer(const std::string& name) {
    const OnnxValue v = activation(name, "input");
    const int p = net_.producer(v.tensor);
    if (p < 0 || !net_.layers[p].has_weights_matrix() || uses(name) != 1) return nullptr;
    return &net_.layers[p];
}

// Every node of an op type (or domain) we cannot import, all named in one error,
// so a user sees the whole list before changing the model.
void Importer::refuse_unsupported_ops() const {
    std::string bad;
    int count = 0;
    for (int i = 0; i < g_.node_size(); ++i) {
        const onnx::NodeProto& n = g_.node(i);
        const bool foreign = !n.domain().empty() && n.domain() != "ai.onnx";
        if (!foreign && (onnx_op_table().count(n.op_type()) || fusions_.count(i))) continue;
        ++count;
        bad += std::string(bad.empty() ? "" : ", ") + "node '" + layer_name(n, i) + "' (op " + n.op_type() +
               (foreign ? " in domain '" + n.domain() + "'" : std::string()) + ")";
    }
    if (count == 1) fail(bad + " is not supported; supported: " + onnx_supported_ops());
    if (count > 1)
        fail(std::to_string(count) + " nodes are not supported: " + bad + "; supported: " + onnx_supported_ops());
}

void Importer::node(const onnx::NodeProto& n, int index) {
    const std::string& op = n.op_type();
    where_ = "node '" + layer_name(n, index) + "' (op " + op + ")";
    if (!n.domain().empty() && n.domain() != "ai.onnx")
        fail(where_ + " in domain '" + n.domain() + "' is not supported; supported: " + onnx_supported_ops());
    if (op != "Constant" && (n.input_size() < 1 || n.input(0).empty())) fail_node("has no input");
    const auto fused = fusions_.find(index);
    if (fused != fusions_.end()) {  // a decomposed LayerNorm or GELU: one layer at its last node
        if (fused->second.last_node == index) import_fusion(*this, fused->second, layer_name(n, index));
        return;
    }
    const auto handler = onnx_op_table().find(op);
    if (handler == onnx_op_table().end()) fail(where_ + " is not supported; supported: " + onnx_supported_ops());
    handler->second(*this, n, layer_name(n, index));
    keep_dims(n);
}

// An op that keeps its input's shape (Relu, Unary, ...) in a CNN handler keeps the
// input's ONNX dims too, so a transformer value stays one after it.
void Importer::keep_dims(const onnx::NodeProto& n) {
    if (n.output_size() < 1 || n.input_size() < 1) return;
    auto out = values_.find(n.output(0));
    auto in = values_.find(source(n.input(0)));
    if (out == values_.end() || in == values_.end() || !out->second.dims.empty() || in->second.dims.empty()) return;
    if (net_.shape(out->second.tensor) != net_.shape(in->second.tensor)) return;
    out->second.dims = in->second.dims;
    out->second.rank = in->second.rank;
}

Network load_onnx(const std::string& path) { return load_onnx(path, nullptr); }

Network load_onnx(const std::string& path, OnnxSampleDims* dims) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) throw InputError(path + ": ONNX model file not found");
    if (std::filesystem::is_directory(path, ec))
        throw InputError(path + ": is a directory, expected an ONNX model file");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError(path + ": cannot open the ONNX model file for reading");
    onnx::ModelProto model;
    if (!model.ParseFromIstream(&in))
        throw InputError(path + ": not a valid ONNX model (the protobuf ModelProto cannot be parsed; "
                                "the file is truncated or corrupt)");
    // Protobuf accepts many byte strings (even empty ones) as a ModelProto: require the parts we use.
    if (!model.has_graph() || model.graph().node_size() == 0)
        throw InputError(path + ": not a valid ONNX model (no graph with nodes; the file is truncated or corrupt)");
    try {
        Network net = Importer(model.graph(), default_opset(model)).run(std::filesystem::path(path).stem().string());
        if (dims) {
            const auto& g = model.graph();
            std::set<std::string> initializers;
            for (const auto& t : g.initializer()) initializers.insert(t.name());
            for (const auto& vi : g.input()) {
                if (initializers.count(vi.name())) continue;
                dims->input = declared_dims(vi, net.input_shape().size());
                break;
            }
            dims->output = declared_dims(g.output(0), net.output_shape().size());
        }
        return net;
    } catch (const std::exception& e) {
        // InputErrors from the builders, and bad_alloc or out_of_range from anything we missed.
        throw InputError(path + ": " + e.what());
    }
}

}  // namespace aimcsim
