#include "src/import/layer_list_transformer.h"

#include <cmath>
#include <vector>

#include "aimcsim/core/error.h"
#include "aimcsim/core/rng.h"
#include "aimcsim/random_streams.h"

namespace aimcsim {

namespace {

// What one entry builds with: the network, its weights (random or none) and the
// entry whose matrices it shares (`shares:`), by the prefix of their names.
struct Builder {
    Network& net;
    bool with_weights;
    std::uint64_t seed;
    std::string prefix;         // this entry's name: its layers are prefix/...
    std::string shared_prefix;  // `shares:` entry's name, or empty

    // Uniform [-1, 1) / sqrt(rows) so that activations keep their scale layer after layer.
    [[nodiscard]] std::vector<float> random_matrix(int rows, int cols) const {
        Rng rng(seed, Stream::Weights, {static_cast<std::uint64_t>(net.layers.size())});
        std::vector<float> w(static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols));
        const double scale = 1.0 / std::sqrt(static_cast<double>(rows));
        for (float& v : w) v = static_cast<float>((2.0 * rng.uniform() - 1.0) * scale);
        return w;
    }

    int linear(const std::string& suffix, int in, int out) {
        const std::string name = suffix.empty() ? prefix : prefix + "/" + suffix;
        if (shared_prefix.empty()) {
            std::vector<float> w, b;
            if (with_weights) {
                w = random_matrix(net.shape(in).w, out);
                b.assign(static_cast<std::size_t>(out), 0.0f);
            }
            return net.add_linear(name, in, out, std::move(w), std::move(b));
        }
        const std::string source = suffix.empty() ? shared_prefix : shared_prefix + "/" + suffix;
        int src = -1;
        for (std::size_t i = 0; i < net.layers.size(); ++i) {
            if (net.layers[i].name == source) src = static_cast<int>(i);
        }
        const Layer* s = src >= 0 ? &net.layers[static_cast<std::size_t>(src)] : nullptr;
        if (s == nullptr || s->op != Op::Linear || s->rows != net.shape(in).w || s->cols != out)
            throw InputError("layer '" + name + "' shares the weights of '" + source +
                             "', which is not an earlier linear layer of the same shape (" +
                             std::to_string(net.shape(in).w) + " x " + std::to_string(out) + ")");
        const int root = s->shares_weights >= 0 ? s->shares_weights : src;
        const int t = net.add_linear(name, in, out, s->weights, s->bias);
        net.layers.back().shares_weights = root;
        return t;
    }

    int layer_norm(const std::string& suffix, int in) {
        const auto w = static_cast<std::size_t>(net.shape(in).w);
        return net.add_layer_norm(prefix + "/" + suffix, in, std::vector<float>(w, 1.0f), std::vector<float>(w, 0.0f),
                                  1e-12F);
    }

    // Multi-head self-attention over {1, T, D}: per head h, Q_h K_h^T / sqrt(d), softmax
    // over the keys, times V_h; the heads joined along the features, then the output projection.
    int attention(const std::string& group, int in, int heads) {
        const Shape s = net.shape(in);
        if (s.c != 1 || s.w % heads != 0)
            throw InputError("layer '" + prefix + "': attention needs a {1, tokens, width} input with width a multiple "
                             "of heads (" + s.str() + ", " + std::to_string(heads) + " heads)");
        const int d = s.w / heads;
        const std::string g = group.empty() ? "" : group + "/";
        const int q = linear(g + "q", in, s.w);
        const int k = linear(g + "k", in, s.w);
        const int v = linear(g + "v", in, s.w);
        const std::string p = prefix + "/" + g;
        const int perm[3] = {0, 2, 1};
        std::vector<int> outs;
        for (int h = 0; h < heads; ++h) {
            const std::string hp = p + "h" + std::to_string(h) + "_";
            const int qh = net.add_slice(hp + "q", q, 2, h * d, (h + 1) * d);
            const int kh = net.add_slice(hp + "k", k, 2, h * d, (h + 1) * d);
            const int vh = net.add_slice(hp + "v", v, 2, h * d, (h + 1) * d);
            const int kt = net.add_transpose(hp + "kT", kh, perm);
            const int scores = net.add_matmul(hp + "qk", qh, kt);
            const int scaled = net.add_binary_constant(hp + "scale", BinaryOp::Mul, scores,
                                                       {static_cast<float>(1.0 / std::sqrt(static_cast<double>(d)))},
                                                       Shape{1, 1, 1}, false);
            const int a = net.add_softmax_last(hp + "softmax", scaled);
            outs.push_back(net.add_matmul(hp + "av", a, vh));
        }
        const int joined = net.add_concat_axis(p + "heads", outs, 2);
        return linear(g + "out", joined, s.w);
    }
};

}  // namespace

bool is_transformer_kind(const std::string& type) {
    return type == "linear" || type == "layernorm" || type == "gelu" || type == "attention" || type == "encoder";
}

void transformer_kind_schema(const std::string& type, ParamSchema& s) {
    if (type == "linear") s.integer("out", 1, "", "output features of each token").required().at_least(1);
    if (type == "attention" || type == "encoder")
        s.integer("heads", 1, "", "attention heads (width / heads features each)").required().at_least(1);
    if (type == "encoder") s.integer("ffn", 1, "", "hidden features of the feed-forward network").required().at_least(1);
    if (type == "linear" || type == "attention" || type == "encoder")
        s.string("shares", "", "an earlier layer of this kind whose weight matrices this one reuses (ALBERT)");
}

int add_transformer_kind(Network& net, const std::string& type, const Params& p, int in, bool with_weights,
                         std::uint64_t seed) {
    Builder b{net, with_weights, seed, p.str("name"), ""};
    if (type == "layernorm") {
        const auto w = static_cast<std::size_t>(net.shape(in).w);
        return net.add_layer_norm(b.prefix, in, std::vector<float>(w, 1.0f), std::vector<float>(w, 0.0f), 1e-12F);
    }
    if (type == "gelu") return net.add_gelu(b.prefix, in, false);
    b.shared_prefix = p.str("shares");
    if (type == "linear") return b.linear("", in, static_cast<int>(p.integer("out")));
    const int heads = static_cast<int>(p.integer("heads"));
    if (type == "attention") return b.attention("", in, heads);
    // encoder (post-norm, as BERT): x1 = LN(x + Attn(x)), out = LN(x1 + FFN(x1)).
    const int width = net.shape(in).w;
    const int attn = b.attention("attn", in, heads);
    const int x1 = b.layer_norm("attn/norm", net.add_binary(b.prefix + "/attn/add", BinaryOp::Add, in, attn));
    const int h = net.add_gelu(b.prefix + "/ffn/gelu", b.linear("ffn/fc1", x1, static_cast<int>(p.integer("ffn"))),
                               false);
    const int y = b.linear("ffn/fc2", h, width);
    return b.layer_norm("ffn/norm", net.add_binary(b.prefix + "/ffn/add", BinaryOp::Add, x1, y));
}

}  // namespace aimcsim
