// ONNX -> Network. The importer walks the graph once in node order (ONNX requires
// topological order), keeping for every value name either a constant (initializer
// or Constant node) or an activation tensor of the Network. Biases and
// BatchNormalization after a weight layer are folded into that layer, which is only
// correct when nothing else reads the layer's raw output, so uses are counted first.
#include "src/import/onnx_import.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "aimcsim/core/error.h"

namespace aimcsim {

const char* onnx_supported_ops() {
    return "Conv, Gemm, MatMul, Relu, BatchNormalization, MaxPool, AveragePool, GlobalAveragePool, Add, "
           "Flatten, Reshape, Softmax, Identity, Dropout, Constant";
}

namespace {

// Bounds a corrupt file's dims before anything is allocated from them.
constexpr int64_t kMaxElements = int64_t{1} << 28;

// An error inside one node; load_onnx prefixes the file name.
[[noreturn]] void fail(const std::string& msg) { throw InputError(msg); }

std::string dims_str(const std::vector<int64_t>& d) {
    std::string s = "[";
    for (std::size_t i = 0; i < d.size(); ++i) s += (i ? "," : "") + std::to_string(d[i]);
    return s + "]";
}

// An activation: a Network tensor plus the ONNX rank it has (4 = NCHW, 2 = [N, F]),
// which decides what Gemm, Flatten and broadcasting accept.
struct Value {
    int tensor = -1;
    int rank = 4;
};

// The model's version of the default (ai.onnx) operator set, 0 if it declares none.
int64_t default_opset(const onnx::ModelProto& model) {
    int64_t version = 0;
    for (const auto& o : model.opset_import())
        if (o.domain().empty() || o.domain() == "ai.onnx") version = std::max(version, o.version());
    return version;
}

class Importer {
public:
    Importer(const onnx::GraphProto& g, int64_t opset) : g_(g), opset_(opset) {}

    Network run(const std::string& net_name) {
        net_.name = net_name;
        for (const auto& t : g_.initializer()) consts_[t.name()] = &t;
        count_uses();
        refuse_unsupported_ops();
        add_graph_input();
        for (int i = 0; i < g_.node_size(); ++i) node(g_.node(i), i);
        if (g_.output_size() != 1)
            fail("the graph has " + std::to_string(g_.output_size()) + " outputs; exactly one is supported");
        net_.output = activation(g_.output(0).name(), "graph output").tensor;
        if (net_.layers.empty()) fail("the graph has no layers");
        return std::move(net_);
    }

private:
    const onnx::GraphProto& g_;
    int64_t opset_;  // ai.onnx operator set version (0: not declared)
    Network net_;
    std::map<std::string, const onnx::TensorProto*> consts_;
    std::deque<onnx::TensorProto> constant_nodes_;  // owns Constant node values (stable addresses)
    std::map<std::string, Value> values_;
    std::map<std::string, std::string> alias_;  // Identity/Dropout output -> source name
    std::map<std::string, int> uses_;           // by source name, skipping Identity/Dropout
    std::string where_;                         // "node 'x' (op Y)" of the node being imported

    [[noreturn]] void fail_node(const std::string& msg) const { fail(where_ + ": " + msg); }

    static bool passthrough(const onnx::NodeProto& n) { return n.op_type() == "Identity" || n.op_type() == "Dropout"; }

    std::string source(const std::string& name) const {
        auto it = alias_.find(name);
        return it == alias_.end() ? name : it->second;
    }

    void count_uses() {
        for (const auto& n : g_.node())
            if (passthrough(n) && n.input_size() > 0 && n.output_size() > 0) alias_[n.output(0)] = source(n.input(0));
        for (const auto& n : g_.node())
            if (!passthrough(n))
                for (const auto& in : n.input()) ++uses_[source(in)];
        for (const auto& out : g_.output()) ++uses_[source(out.name())];
    }

    void add_graph_input() {
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
        if (dims.size() != 4 && dims.size() != 2)
            fail(where + " has rank " + std::to_string(dims.size()) + "; expected NCHW (4) or [N, features] (2)");
        if (dims[0].has_dim_value() && (dims[0].dim_value() < 1 || dims[0].dim_value() > kMaxElements))
            fail(where + " has batch size " + std::to_string(dims[0].dim_value()) + "; expected a positive number");
        net_.declared_batch = dims[0].has_dim_value() ? static_cast<int>(dims[0].dim_value()) : 0;
        std::vector<int> d;
        for (int i = 1; i < dims.size(); ++i) {
            if (!dims[i].has_dim_value() || dims[i].dim_value() <= 0 || dims[i].dim_value() > kMaxElements)
                fail(where + " dimension " + std::to_string(i) + " must be a positive number");
            d.push_back(static_cast<int>(dims[i].dim_value()));
        }
        const Shape s = dims.size() == 4 ? Shape{d[0], d[1], d[2]} : Shape{d[0], 1, 1};
        values_[input->name()] = {net_.add_input(input->name(), s), static_cast<int>(dims.size())};
    }

    // ---- looking up node inputs --------------------------------------------------

    Value activation(const std::string& name, const std::string& role) const {
        auto it = values_.find(source(name));
        if (it != values_.end()) return it->second;
        if (consts_.count(source(name)))
            fail((where_.empty() ? "" : where_ + ": ") + role + " '" + name +
                 "' is a constant; only weights and biases may be constants");
        fail((where_.empty() ? "" : where_ + ": ") + role + " '" + name +
             "' is neither the graph input nor the output of an earlier node");
    }

    const onnx::TensorProto& constant(const onnx::NodeProto& n, int i, const std::string& role) const {
        if (i >= n.input_size() || n.input(i).empty()) fail_node("has no " + role + " input");
        auto it = consts_.find(source(n.input(i)));
        if (it == consts_.end()) {
            if (values_.count(source(n.input(i))))
                fail_node(role + " '" + n.input(i) + "' is computed at run time; it must be an initializer");
            fail_node("missing initializer '" + n.input(i) + "' (" + role + ")");
        }
        return *it->second;
    }

    bool has_input(const onnx::NodeProto& n, int i) const { return i < n.input_size() && !n.input(i).empty(); }

    std::vector<int64_t> dims(const onnx::TensorProto& t) const {
        std::vector<int64_t> d(t.dims().begin(), t.dims().end());
        int64_t n = 1;
        for (int64_t x : d) {
            if (x < 0 || x > kMaxElements) fail_node("initializer '" + t.name() + "' has bad dims " + dims_str(d));
            n *= x;
            if (n > kMaxElements) fail_node("initializer '" + t.name() + "' is too large " + dims_str(d));
        }
        return d;
    }

    static int64_t numel(const std::vector<int64_t>& d) {
        int64_t n = 1;
        for (int64_t x : d) n *= x;
        return n;
    }

    std::vector<float> floats(const onnx::TensorProto& t) const {
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

    std::vector<int64_t> int64s(const onnx::TensorProto& t) const {
        const auto n = static_cast<std::size_t>(numel(dims(t)));
        if (t.data_type() != onnx::TensorProto_DataType_INT64) fail_node("'" + t.name() + "' must be an int64 tensor");
        std::vector<int64_t> v(n);
        if (t.has_raw_data()) {
            if (t.raw_data().size() != n * sizeof(int64_t)) fail_node("'" + t.name() + "' has the wrong data size");
            std::memcpy(v.data(), t.raw_data().data(), n * sizeof(int64_t));
        } else {
            if (static_cast<std::size_t>(t.int64_data_size()) != n)
                fail_node("'" + t.name() + "' has the wrong data size");
            std::copy(t.int64_data().begin(), t.int64_data().end(), v.begin());
        }
        return v;
    }

    // ---- attributes --------------------------------------------------------------

    const onnx::AttributeProto* attr(const onnx::NodeProto& n, const std::string& name,
                                     onnx::AttributeProto_AttributeType type) const {
        for (const auto& a : n.attribute())
            if (a.name() == name) {
                if (a.type() != type) fail_node("attribute '" + name + "' has the wrong type");
                return &a;
            }
        return nullptr;
    }
    int64_t attr_i(const onnx::NodeProto& n, const std::string& name, int64_t dflt) const {
        const auto* a = attr(n, name, onnx::AttributeProto_AttributeType_INT);
        return a ? a->i() : dflt;
    }
    float attr_f(const onnx::NodeProto& n, const std::string& name, float dflt) const {
        const auto* a = attr(n, name, onnx::AttributeProto_AttributeType_FLOAT);
        return a ? a->f() : dflt;
    }
    std::string attr_s(const onnx::NodeProto& n, const std::string& name, const std::string& dflt) const {
        const auto* a = attr(n, name, onnx::AttributeProto_AttributeType_STRING);
        return a ? a->s() : dflt;
    }
    std::vector<int64_t> attr_ints(const onnx::NodeProto& n, const std::string& name, std::vector<int64_t> dflt) const {
        const auto* a = attr(n, name, onnx::AttributeProto_AttributeType_INTS);
        return a ? std::vector<int64_t>(a->ints().begin(), a->ints().end()) : dflt;
    }

    int small_int(int64_t v, const std::string& what) const {
        if (v < 0 || v > 1 << 20) fail_node(what + " " + std::to_string(v) + " is out of range");
        return static_cast<int>(v);
    }

    // Window attributes shared by Conv and the pools (2-D only, dilation 1).
    Window window(const onnx::NodeProto& n, const Shape& in, std::vector<int64_t> kernel) const {
        if (kernel.size() != 2) fail_node("kernel_shape must have 2 values (2-D only), got " + dims_str(kernel));
        const auto strides = attr_ints(n, "strides", {1, 1});
        if (strides.size() != 2) fail_node("strides must have 2 values, got " + dims_str(strides));
        for (int64_t d : attr_ints(n, "dilations", {1, 1}))
            if (d != 1) fail_node("dilation " + std::to_string(d) + " is not supported (only 1)");
        Window w;
        w.kernel_h = small_int(kernel[0], "kernel");
        w.kernel_w = small_int(kernel[1], "kernel");
        w.stride_h = small_int(strides[0], "stride");
        w.stride_w = small_int(strides[1], "stride");
        const std::string auto_pad = attr_s(n, "auto_pad", "NOTSET");
        if (auto_pad == "NOTSET") {
            const auto pads = attr_ints(n, "pads", {0, 0, 0, 0});
            if (pads.size() != 4) fail_node("pads must have 4 values, got " + dims_str(pads));
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

    // Checks that a Softmax normalises over what Network::add_softmax does: the
    // features of [1, N], or the channels of NCHW at each pixel.
    void check_softmax_axis(const onnx::NodeProto& n, const Value& x) const {
        const bool has_axis = attr(n, "axis", onnx::AttributeProto_AttributeType_INT) != nullptr;
        if (!has_axis && opset_ == 0 && x.rank != 2)
            fail_node("the model declares no ai.onnx opset, so the default axis is unknown; give the axis");
        // Opset 13 made the default -1; before it, 1 (with the input coerced to 2-D at the axis).
        const bool coerce_2d = opset_ != 0 && opset_ < 13;
        const int64_t given = attr_i(n, "axis", coerce_2d ? 1 : -1);
        if (given < -x.rank || given >= x.rank)
            fail_node("axis " + std::to_string(given) + " is out of range for a rank-" + std::to_string(x.rank) +
                      " input");
        const int64_t axis = given < 0 ? given + x.rank : given;
        const Shape s = net_.shape(x.tensor);
        const bool over_features = axis == 1 && (x.rank == 2 || !coerce_2d || s.h * s.w == 1);
        if (over_features) return;
        const std::string what = x.rank == 2 ? "the features [1, N] (axis 1 or -1)" : "the channels of NCHW (axis 1)";
        if (axis == 1)  // opset < 13 on a spatial tensor: one softmax over C*H*W together
            fail_node("at opset " + std::to_string(opset_) + ", axis 1 means one softmax over all of C*H*W = " +
                      s.str() + ", which is not supported; add a Flatten before it (a softmax over [1, N])");
        fail_node("axis " + std::to_string(given) + " is not supported; only softmax over " + what);
    }

    // ---- nodes -------------------------------------------------------------------

    void define(const onnx::NodeProto& n, Value v) {
        if (n.output_size() < 1 || n.output(0).empty()) fail_node("has no output");
        if (values_.count(n.output(0)) || consts_.count(n.output(0)))
            fail_node("output '" + n.output(0) + "' is defined twice");
        values_[n.output(0)] = v;
    }

    // Extra outputs (Dropout mask, MaxPool indices, BatchNorm running stats) must be unused.
    void only_first_output(const onnx::NodeProto& n) const {
        for (int i = 1; i < n.output_size(); ++i)
            if (!n.output(i).empty() && uses_.count(n.output(i)))
                fail_node("output " + std::to_string(i) + " ('" + n.output(i) +
                          "') is used; only the first output is supported");
    }

    std::string layer_name(const onnx::NodeProto& n, int index) const {
        return n.name().empty() ? n.op_type() + "_" + std::to_string(index) : n.name();
    }

    // The weight layer that alone consumes `v`, into which a bias or BatchNorm can fold.
    Layer* foldable_producer(const std::string& name) {
        const Value v = activation(name, "input");
        const int p = net_.producer(v.tensor);
        if (p < 0 || !net_.layers[p].has_weights_matrix() || uses_[source(name)] != 1) return nullptr;
        return &net_.layers[p];
    }

    using NodeHandler = void (Importer::*)(const onnx::NodeProto&, const std::string&);

    // One handler per supported op type; onnx_supported_ops() lists the same names.
    static const std::map<std::string, NodeHandler>& handlers() {
        static const std::map<std::string, NodeHandler> table{
            {"Identity", &Importer::pass_through},
            {"Dropout", &Importer::pass_through},
            {"Constant", &Importer::constant_node},
            {"Conv", &Importer::conv},
            {"Gemm", &Importer::dense},
            {"MatMul", &Importer::dense},
            {"Add", &Importer::add},
            {"BatchNormalization", &Importer::batch_norm},
            {"Relu", &Importer::relu},
            {"MaxPool", &Importer::pool},
            {"AveragePool", &Importer::pool},
            {"Softmax", &Importer::softmax},
            {"GlobalAveragePool", &Importer::global_avg_pool},
            {"Flatten", &Importer::flatten},
            {"Reshape", &Importer::reshape},
        };
        return table;
    }

    // Every node of an op type (or domain) we cannot import, all named in one error,
    // so a user sees the whole list before changing the model.
    void refuse_unsupported_ops() const {
        std::string bad;
        int count = 0;
        for (int i = 0; i < g_.node_size(); ++i) {
            const onnx::NodeProto& n = g_.node(i);
            const bool foreign = !n.domain().empty() && n.domain() != "ai.onnx";
            if (!foreign && handlers().count(n.op_type())) continue;
            ++count;
            bad += std::string(bad.empty() ? "" : ", ") + "node '" + layer_name(n, i) + "' (op " + n.op_type() +
                   (foreign ? " in domain '" + n.domain() + "'" : std::string()) + ")";
        }
        if (count == 1) fail(bad + " is not supported; supported: " + onnx_supported_ops());
        if (count > 1)
            fail(std::to_string(count) + " nodes are not supported: " + bad + "; supported: " + onnx_supported_ops());
    }

    void node(const onnx::NodeProto& n, int index) {
        const std::string& op = n.op_type();
        where_ = "node '" + layer_name(n, index) + "' (op " + op + ")";
        if (!n.domain().empty() && n.domain() != "ai.onnx")
            fail(where_ + " in domain '" + n.domain() + "' is not supported; supported: " + onnx_supported_ops());
        if (op != "Constant" && (n.input_size() < 1 || n.input(0).empty())) fail_node("has no input");
        const auto handler = handlers().find(op);
        if (handler == handlers().end()) fail(where_ + " is not supported; supported: " + onnx_supported_ops());
        (this->*handler->second)(n, layer_name(n, index));
    }

    // Identity, Dropout: the output is the input (resolved through alias_).
    void pass_through(const onnx::NodeProto& n, const std::string& /*name*/) {
        only_first_output(n);
        if (n.output_size() < 1) fail_node("has no output");
        if (!consts_.count(source(n.input(0)))) activation(n.input(0), "input");  // must exist
    }

    // Constant: a tensor later nodes read as weights or shapes.
    void constant_node(const onnx::NodeProto& n, const std::string& /*name*/) {
        const auto* a = attr(n, "value", onnx::AttributeProto_AttributeType_TENSOR);
        if (!a) fail_node("only the 'value' (tensor) form of Constant is supported");
        if (n.output_size() < 1 || n.output(0).empty()) fail_node("has no output");
        constant_nodes_.push_back(a->t());
        constant_nodes_.back().set_name(n.output(0));
        consts_[n.output(0)] = &constant_nodes_.back();
    }

    // Conv: a weight layer, [cout][cin][kh][kw] into the crossbar matrix [(cin, kh, kw)][cout].
    void conv(const onnx::NodeProto& n, const std::string& name) {
        const Value x = activation(n.input(0), "input");
        if (x.rank != 4) fail_node("input must be NCHW");
        const Shape in = net_.shape(x.tensor);
        if (attr_i(n, "group", 1) != 1)
            fail_node("group " + std::to_string(attr_i(n, "group", 1)) + " is not supported (only 1)");
        const auto& wt = constant(n, 1, "weights");
        const auto wd = dims(wt);
        if (wd.size() != 4) fail_node("weights must be [cout, cin, kh, kw], got " + dims_str(wd));
        if (wd[1] != in.c)
            fail_node("weights expect " + std::to_string(wd[1]) + " input channels but the input is " + in.str());
        const auto kernel = attr_ints(n, "kernel_shape", {wd[2], wd[3]});
        if (kernel != std::vector<int64_t>{wd[2], wd[3]})
            fail_node("kernel_shape " + dims_str(kernel) + " does not match the weights " + dims_str(wd));
        const Window win = window(n, in, kernel);
        const int cout = static_cast<int>(wd[0]), cin = static_cast<int>(wd[1]);
        const int kh = static_cast<int>(wd[2]), kw = static_cast<int>(wd[3]);
        const std::vector<float> w = floats(wt);
        // ONNX stores [cout][cin][kh][kw]; the crossbar matrix is [(cin, kh, kw)][cout].
        std::vector<float> m(w.size());
        for (int co = 0; co < cout; ++co)
            for (int r = 0; r < cin * kh * kw; ++r)
                m[static_cast<std::size_t>(r) * cout + co] = w[static_cast<std::size_t>(co) * cin * kh * kw + r];
        std::vector<float> b = has_input(n, 2) ? floats(constant(n, 2, "bias")) : std::vector<float>{};
        define(n, {net_.add_conv(name, x.tensor, cout, win, std::move(m), std::move(b)), 4});
    }

    // Gemm, MatMul with a constant weight: a dense weight layer.
    void dense(const onnx::NodeProto& n, const std::string& name) {
        const std::string& op = n.op_type();
        const Value x = activation(n.input(0), "input");
        if (x.rank != 2) fail_node("input must be 2-D [N, features]; add a Flatten before it");
        if (op == "Gemm" && attr_i(n, "transA", 0) != 0) fail_node("transA=1 is not supported");
        const bool trans_b = op == "Gemm" && attr_i(n, "transB", 0) != 0;
        const auto& wt = constant(n, 1, "weights");
        const auto wd = dims(wt);
        if (wd.size() != 2) fail_node("weights must be 2-D, got " + dims_str(wd));
        const int64_t k = trans_b ? wd[1] : wd[0], cols = trans_b ? wd[0] : wd[1];
        const int64_t features = static_cast<int64_t>(net_.shape(x.tensor).size());
        if (k != features)
            fail_node("weights " + dims_str(wd) + (trans_b ? " (transB)" : "") + " expect " + std::to_string(k) +
                      " input features but the input has " + std::to_string(features));
        std::vector<float> w = floats(wt);
        if (trans_b) {
            std::vector<float> t(w.size());
            for (int64_t r = 0; r < k; ++r)
                for (int64_t c = 0; c < cols; ++c) t[r * cols + c] = w[c * k + r];
            w.swap(t);
        }
        std::vector<float> b(static_cast<std::size_t>(cols), 0.0f);
        if (op == "Gemm") {
            const float alpha = attr_f(n, "alpha", 1.0f), beta = attr_f(n, "beta", 1.0f);
            for (float& v : w) v *= alpha;
            if (has_input(n, 2)) {
                const std::vector<float> c = floats(constant(n, 2, "bias"));
                if (c.size() != b.size() && c.size() != 1)
                    fail_node("bias has " + std::to_string(c.size()) + " values, expected " + std::to_string(cols));
                for (std::size_t i = 0; i < b.size(); ++i) b[i] = beta * c[c.size() == 1 ? 0 : i];
            }
        }
        define(n, {net_.add_dense(name, x.tensor, static_cast<int>(cols), std::move(w), std::move(b)), 2});
    }

    // Add: a residual add of two activations, or a bias folded into its weight layer.
    void add(const onnx::NodeProto& n, const std::string& name) {
        if (n.input_size() != 2) fail_node("needs 2 inputs");
        const bool c0 = consts_.count(source(n.input(0))) > 0, c1 = consts_.count(source(n.input(1))) > 0;
        if (c0 && c1) fail_node("adds two constants; fold them before export");
        if (!c0 && !c1) {
            const Value a = activation(n.input(0), "input"), b = activation(n.input(1), "input");
            define(n, {net_.add_add(name, a.tensor, b.tensor), a.rank});
            return;
        }
        // Activation + constant: only as the bias of the weight layer that produced it.
        const std::string& act = n.input(c0 ? 1 : 0);
        const Value x = activation(act, "input");
        Layer* l = foldable_producer(act);
        if (!l)
            fail_node("adds a constant to '" + act +
                      "'; this is only supported as the bias of a directly preceding Conv/Gemm/MatMul");
        const auto& ct = constant(n, c0 ? 0 : 1, "bias");
        const auto cd = dims(ct);
        const std::vector<float> c = floats(ct);
        // Broadcasting must add one value per output channel, e.g. [C] on [N,C], [C,1,1] on NCHW.
        const auto n_ = static_cast<int64_t>(l->cols);
        const bool per_channel =
            c.size() == 1 || (x.rank == 2 && (cd == std::vector<int64_t>{n_} || cd == std::vector<int64_t>{1, n_})) ||
            (x.rank == 4 && (cd == std::vector<int64_t>{n_, 1, 1} || cd == std::vector<int64_t>{1, n_, 1, 1}));
        if (!per_channel)
            fail_node("bias shape " + dims_str(cd) + " does not add one value per output channel of '" + l->name + "'");
        for (int i = 0; i < l->cols; ++i) l->bias[i] += c[c.size() == 1 ? 0 : i];
        define(n, x);
    }

    // BatchNormalization: folded into the preceding weight layer.
    void batch_norm(const onnx::NodeProto& n, const std::string& /*name*/) {
        only_first_output(n);
        if (attr_i(n, "training_mode", 0) != 0) fail_node("training_mode=1 is not supported");
        Layer* l = foldable_producer(n.input(0));
        if (!l)
            fail_node("BatchNormalization is only supported directly after a Conv/Gemm/MatMul whose output it alone "
                      "reads");
        fold_batch_norm(*l, floats(constant(n, 1, "scale")), floats(constant(n, 2, "B")),
                        floats(constant(n, 3, "mean")), floats(constant(n, 4, "var")), attr_f(n, "epsilon", 1e-5f));
        define(n, activation(n.input(0), "input"));
    }

    // Relu.
    void relu(const onnx::NodeProto& n, const std::string& name) {
        const Value x = activation(n.input(0), "input");
        define(n, {net_.add_relu(name, x.tensor), x.rank});
    }

    // MaxPool, AveragePool.
    void pool(const onnx::NodeProto& n, const std::string& name) {
        const std::string& op = n.op_type();
        only_first_output(n);
        const Value x = activation(n.input(0), "input");
        if (x.rank != 4) fail_node("input must be NCHW");
        if (attr_i(n, "ceil_mode", 0) != 0) fail_node("ceil_mode=1 is not supported");
        if (attr_i(n, "storage_order", 0) != 0) fail_node("storage_order=1 is not supported");
        const auto kernel = attr_ints(n, "kernel_shape", {});
        Window win = window(n, net_.shape(x.tensor), kernel);
        win.count_include_pad = op == "AveragePool" && attr_i(n, "count_include_pad", 0) != 0;
        define(n, {net_.add_pool(name, op == "MaxPool" ? Op::MaxPool : Op::AvgPool, x.tensor, win), 4});
    }

    // Softmax over the features.
    void softmax(const onnx::NodeProto& n, const std::string& name) {
        const Value x = activation(n.input(0), "input");
        check_softmax_axis(n, x);
        define(n, {net_.add_softmax(name, x.tensor), x.rank});
    }

    // GlobalAveragePool.
    void global_avg_pool(const onnx::NodeProto& n, const std::string& name) {
        const Value x = activation(n.input(0), "input");
        if (x.rank != 4) fail_node("input must be NCHW");
        define(n, {net_.add_global_avg_pool(name, x.tensor), 4});
    }

    // Flatten (axis 1: keep the batch).
    void flatten(const onnx::NodeProto& n, const std::string& name) {
        const Value x = activation(n.input(0), "input");
        const int64_t axis = attr_i(n, "axis", 1);
        if (axis != 1) fail_node("axis " + std::to_string(axis) + " is not supported (only 1: keep the batch)");
        define(n, x.rank == 2 ? x : Value{net_.add_flatten(name, x.tensor), 2});
    }

    // Reshape: only a flatten to [batch, features] (the batch the input declares; -1
    // or 0 for it also do).
    void reshape(const onnx::NodeProto& n, const std::string& name) {
        const Value x = activation(n.input(0), "input");
        const Shape s = net_.shape(x.tensor);
        // Resolve the target against the full input dims, batch included (1 if symbolic:
        // a target that names a batch of 1 only fits a batch of 1).
        const int64_t batch = std::max(1, net_.declared_batch);
        const std::vector<int64_t> in_dims =
            x.rank == 4 ? std::vector<int64_t>{batch, s.c, s.h, s.w} : std::vector<int64_t>{batch, s.c};
        std::vector<int64_t> to = int64s(constant(n, 1, "shape"));
        const int64_t features = static_cast<int64_t>(s.size());
        const int64_t total = batch * features;
        int64_t known = 1;
        int infer = -1;
        for (std::size_t i = 0; i < to.size(); ++i) {
            if (to[i] == 0 && i < in_dims.size()) to[i] = in_dims[i];
            if (to[i] == -1 && infer < 0)
                infer = static_cast<int>(i);
            else if (to[i] <= 0)
                fail_node("bad target shape " + dims_str(to));
            else if (to[i] > total / known)  // checked before multiplying: fuzzed dims overflow int64
                fail_node("target shape " + dims_str(to) + " has more elements than " + dims_str(in_dims));
            else
                known *= to[i];
        }
        if (infer >= 0) to[infer] = total % known == 0 ? total / known : -1;
        if (to.size() != 2 || to[0] != batch || to[1] != features)
            fail_node("Reshape of " + dims_str(in_dims) + " to " + dims_str(to) +
                      " is not supported; only a flatten to [" + std::to_string(batch) + ", " +
                      std::to_string(features) + "]");
        define(n, x.rank == 2 ? x : Value{net_.add_flatten(name, x.tensor), 2});
    }
};

}  // namespace

Network load_onnx(const std::string& path) {
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
        return Importer(model.graph(), default_opset(model)).run(std::filesystem::path(path).stem().string());
    } catch (const std::exception& e) {
        // InputErrors from the builders, and bad_alloc or out_of_range from anything we missed.
        throw InputError(path + ": " + e.what());
    }
}

}  // namespace aimcsim
