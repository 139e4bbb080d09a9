#include "src/import/layer_list.h"

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include "aimcsim/core/error.h"
#include "aimcsim/core/params.h"
#include "aimcsim/random_streams.h"
#include "src/import/layer_list_transformer.h"

namespace aimcsim {

namespace {

ParamSchema file_schema() {
    ParamSchema s;
    s.string("kind", "layer_list", "workload kind").choices({"layer_list"});
    s.string("name", "", "network name (the file name if empty)");
    s.section("input", "input tensor: {c, h, w}");
    s.string("weights", "random", "random: uniform [-1, 1] weights from the seed; none: shapes only")
        .choices({"random", "none"});
    return s;
}

ParamSchema input_schema() {
    ParamSchema s;
    s.integer("c", 1, "", "channels").required().at_least(1);
    s.integer("h", 1, "", "height").at_least(1);
    s.integer("w", 1, "", "width").at_least(1);
    return s;
}

// One schema per layer type; `type` and `inputs` are read by hand.
ParamSchema layer_schema(const std::string& type) {
    ParamSchema s;
    s.string("name", "", "layer name (unique)").required();
    if (type != "add")
        s.string("from", "",
                 "the layer whose output this one reads (default: the previous one; `input`: the network input)");
    if (type == "conv" || type == "dense") s.integer("out", 1, "", "output channels / features").required().at_least(1);
    if (type == "lstm")
        s.integer("hidden", 1, "", "hidden units (gate matrix: features + hidden rows, 4 x hidden columns)")
            .required()
            .at_least(1);
    if (type == "conv" || type == "maxpool" || type == "avgpool") {
        s.integer("kernel", type == "conv" ? 1 : 2, "", "square window size").at_least(1);
        s.integer("stride", 0, "", "stride (0: 1 for conv, the kernel for pooling)").at_least(0);
        s.integer("pad", 0, "", "zero padding on every side").at_least(0);
    }
    if (type == "conv" || type == "dense" || type == "add") s.boolean("relu", false, "append a ReLU");
    transformer_kind_schema(type, s);
    return s;
}

const std::vector<std::string>& layer_types() {
    static const std::vector<std::string> types = {"conv",           "dense", "relu",    "maxpool", "avgpool",
                                                   "global_avgpool", "add",   "flatten", "lstm",    "softmax",
                                                   "linear",         "layernorm", "gelu", "attention", "encoder"};
    return types;
}

std::vector<float> random_weights(std::uint64_t seed, std::size_t layer_index, std::size_t n) {
    Rng rng(seed, Stream::Weights, {static_cast<std::uint64_t>(layer_index)});
    std::vector<float> w(n);
    for (float& v : w) v = static_cast<float>(2.0 * rng.uniform() - 1.0);
    return w;
}

// Name -> tensor id, with did-you-mean errors.
class TensorNames {
public:
    void set(const std::string& name, int tensor) { ids_[name] = tensor; }
    [[nodiscard]] bool has(const std::string& name) const { return ids_.count(name) != 0; }
    [[nodiscard]] int get(const std::string& name, const ConfigNode& where) const {
        auto it = ids_.find(name);
        if (it != ids_.end()) return it->second;
        std::vector<std::string> names;
        for (const auto& kv : ids_) names.push_back(kv.first);
        std::string msg = "no earlier layer named '" + name + "'";
        const std::string hint = did_you_mean(name, names);
        if (!hint.empty()) msg += " (did you mean '" + hint + "'?)";
        throw where.error(msg);
    }

private:
    std::map<std::string, int> ids_;
};

}  // namespace

Network load_layer_list(const ConfigNode& workload, std::uint64_t seed) {
    const Params fp = file_schema().parse(workload, {"layers"});  // a list: read below
    const ConfigNode& input_node = fp.section("input");
    if (input_node.is_null()) throw workload.error("missing `input: {c, h, w}`");
    const Params ip = input_schema().parse(input_node, {});
    const ConfigNode* layers_node = workload.find("layers");
    if (layers_node == nullptr) throw workload.error("missing `layers:` (a list of layers)");
    const ConfigNode& layers = *layers_node;
    if (!layers.is_seq() || layers.items().empty()) throw workload.error("`layers:` must be a non-empty list");
    const bool with_weights = fp.str("weights") == "random";

    Network net;
    net.name = fp.str("name").empty() ? workload.loc().file : fp.str("name");
    TensorNames names;
    int prev = net.add_input("input", Shape{static_cast<int>(ip.integer("c")), static_cast<int>(ip.integer("h")),
                                            static_cast<int>(ip.integer("w"))});
    names.set("input", prev);

    for (const ConfigNode& ln : layers.items()) {
        if (!ln.is_map()) throw ln.error("a layer must be a map {name, type, ...}");
        const ConfigNode* type_node = ln.find("type");
        if (type_node == nullptr)
            throw ln.error("missing `type:` (one of conv, dense, relu, maxpool, avgpool, global_avgpool, add, flatten, "
                           "lstm, softmax, linear, layernorm, gelu, attention, encoder)");
        const std::string type = type_node->as_string();
        bool known = false;
        for (const auto& t : layer_types()) known = known || t == type;
        if (!known) {
            std::string msg = "unknown layer type '" + type + "'";
            const std::string hint = did_you_mean(type, layer_types());
            if (!hint.empty()) msg += " (did you mean '" + hint + "'?)";
            throw type_node->error(msg);
        }
        const Params p = layer_schema(type).parse(ln, {"type", "inputs"});
        const std::string name = p.str("name");
        if (names.has(name)) throw p.error("name", "layer name '" + name + "' is used twice");
        int in = prev;
        if (type != "add" && !p.str("from").empty()) in = names.get(p.str("from"), p.node().at("from"));

        // Network::add_* throw InputError without a file position: add the layer's.
        int out = -1;
        try {
            if (is_transformer_kind(type)) {
                out = add_transformer_kind(net, type, p, in, with_weights, seed);
            } else if (type == "conv" || type == "maxpool" || type == "avgpool") {
                Window win;
                const int k = static_cast<int>(p.integer("kernel"));
                int stride = static_cast<int>(p.integer("stride"));
                if (stride == 0) stride = type == "conv" ? 1 : k;
                const int pad = static_cast<int>(p.integer("pad"));
                win.kernel_h = win.kernel_w = k;
                win.stride_h = win.stride_w = stride;
                win.pad_top = win.pad_left = win.pad_bottom = win.pad_right = pad;
                if (type == "conv") {
                    const int cout = static_cast<int>(p.integer("out"));
                    const std::size_t rows = static_cast<std::size_t>(net.shape(in).c) * k * k;
                    std::vector<float> w, b;
                    if (with_weights) {
                        w = random_weights(seed, net.layers.size(), rows * cout);
                        b.assign(static_cast<std::size_t>(cout), 0.0f);
                    }
                    out = net.add_conv(name, in, cout, win, std::move(w), std::move(b));
                } else {
                    out = net.add_pool(name, type == "maxpool" ? Op::MaxPool : Op::AvgPool, in, win);
                }
            } else if (type == "dense") {
                const int nout = static_cast<int>(p.integer("out"));
                std::vector<float> w, b;
                if (with_weights) {
                    w = random_weights(seed, net.layers.size(), net.shape(in).size() * nout);
                    b.assign(static_cast<std::size_t>(nout), 0.0f);
                }
                // Dense after a spatial tensor reads it flattened (ONNX Gemm after Flatten).
                if (net.shape(in).h != 1 || net.shape(in).w != 1) in = net.add_flatten(name + "_flatten", in);
                out = net.add_dense(name, in, nout, std::move(w), std::move(b));
            } else if (type == "lstm") {
                const int hidden = static_cast<int>(p.integer("hidden"));
                std::vector<float> w, b;
                if (with_weights) {
                    // Scaled by 1/sqrt(rows) so that random gates do not all saturate.
                    const std::size_t rows =
                        static_cast<std::size_t>(net.shape(in).c) + static_cast<std::size_t>(hidden);
                    w = random_weights(seed, net.layers.size(), rows * 4 * static_cast<std::size_t>(hidden));
                    const float scale = 1.0f / std::sqrt(static_cast<float>(rows));
                    for (float& v : w) v *= scale;
                    b.assign(static_cast<std::size_t>(4 * hidden), 0.0f);
                }
                out = net.add_lstm(name, in, hidden, std::move(w), std::move(b));
            } else if (type == "relu") {
                out = net.add_relu(name, in);
            } else if (type == "global_avgpool") {
                out = net.add_global_avg_pool(name, in);
            } else if (type == "flatten") {
                out = net.add_flatten(name, in);
            } else if (type == "softmax") {
                out = net.add_softmax(name, in);
            } else {  // add
                const ConfigNode* inputs = ln.find("inputs");
                if (inputs == nullptr || !inputs->is_seq() || inputs->items().size() != 2) {
                    throw ln.error("an add layer needs `inputs: [a, b]` (two earlier layers)");
                }
                const int a = names.get(inputs->items()[0].as_string(), inputs->items()[0]);
                const int b = names.get(inputs->items()[1].as_string(), inputs->items()[1]);
                // Token tensors (transformers) add as the IR's elementwise Binary.
                const bool tokens = net.producer(a) >= 0 &&
                                    net.layers[static_cast<std::size_t>(net.producer(a))].op >= Op::Linear;
                out = tokens ? net.add_binary(name, BinaryOp::Add, a, b) : net.add_add(name, a, b);
            }
            if ((type == "conv" || type == "dense" || type == "add") && p.flag("relu")) {
                out = net.add_relu(name + "_relu", out);
            }
        } catch (const ConfigError&) { throw; } catch (const InputError& e) {
            throw ln.error(e.what());
        }
        names.set(name, out);
        prev = out;
    }
    net.output = prev;
    return net;
}

Network load_layer_list_file(const std::string& path, std::uint64_t seed) {
    std::ifstream in(path);
    if (!in) throw InputError("workload file '" + path + "' cannot be read");
    std::stringstream text;
    text << in.rdbuf();
    const ConfigNode node = ConfigNode::parse_yaml(text.str(), path);
    if (!node.is_map()) throw node.error("a workload file must be a map with a `kind:` key");
    return load_layer_list(node, seed);
}

}  // namespace aimcsim
