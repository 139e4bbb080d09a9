#include "src/import/onnx_fusions.h"

#include <cmath>
#include <set>

namespace aimcsim {

namespace {

class Matcher {
public:
    Matcher(const onnx::GraphProto& g, const OnnxConstantLookup& constant) : g_(g), constant_(constant) {
        for (int i = 0; i < g.node_size(); ++i) {
            for (const auto& out : g.node(i).output()) producer_[out] = i;
            for (const auto& in : g.node(i).input()) consumers_[in].push_back(i);
        }
        for (const auto& out : g.output()) graph_outputs_.insert(out.name());
    }

    std::map<int, OnnxFusion> run() {
        std::map<int, OnnxFusion> found;
        for (int i = 0; i < g_.node_size(); ++i) {
            const std::string& op = g_.node(i).op_type();
            std::optional<OnnxFusion> f;
            if (op == "ReduceMean") f = layer_norm(i);
            if (op == "Erf") f = gelu_erf(i);
            if (op == "Tanh") f = gelu_tanh(i);
            if (!f || !closed(*f)) continue;
            bool overlaps = false;
            for (int n : f->nodes) overlaps = overlaps || found.count(n) > 0;
            if (overlaps) continue;
            for (int n : f->nodes) found[n] = *f;
        }
        return found;
    }

private:
    const onnx::GraphProto& g_;
    const OnnxConstantLookup& constant_;
    std::map<std::string, int> producer_;
    std::map<std::string, std::vector<int>> consumers_;
    std::set<std::string> graph_outputs_;

    const onnx::NodeProto& node(int i) const { return g_.node(i); }

    // The node that writes `value` if it has op type `op`, else -1.
    int made_by(const std::string& value, const char* op) const {
        auto it = producer_.find(value);
        return it != producer_.end() && node(it->second).op_type() == op ? it->second : -1;
    }

    // The only reader of `value` if it has op type `op`, else -1.
    int sole_consumer(const std::string& value, const char* op) const {
        auto it = consumers_.find(value);
        if (it == consumers_.end() || it->second.size() != 1 || graph_outputs_.count(value)) return -1;
        return node(it->second.front()).op_type() == op ? it->second.front() : -1;
    }

    bool is_scalar(const std::string& name, double value, double tol) const {
        const auto v = constant_(name);
        return v && v->size() == 1 && std::fabs((*v)[0] - value) <= tol;
    }

    // For a binary node with inputs (a, b): the input other than `known`, or "" if neither is.
    std::string other(int n, const std::string& known) const {
        const auto& nd = node(n);
        if (nd.input_size() != 2) return "";
        if (nd.input(0) == known) return nd.input(1);
        if (nd.input(1) == known) return nd.input(0);
        return "";
    }

    // Does the binary node n take `x` and a scalar constant close to `value`?
    bool with_scalar(int n, const std::string& x, double value, double tol = 1e-4) const {
        const std::string c = other(n, x);
        return !c.empty() && is_scalar(c, value, tol);
    }

    // No value a pattern computes inside is read outside it or is a graph output.
    bool closed(const OnnxFusion& f) const {
        const std::set<int> inside(f.nodes.begin(), f.nodes.end());
        for (int n : f.nodes) {
            for (const auto& out : node(n).output()) {
                if (out == f.output) continue;
                if (graph_outputs_.count(out)) return false;
                auto it = consumers_.find(out);
                if (it == consumers_.end()) continue;
                for (int c : it->second)
                    if (!inside.count(c)) return false;
            }
        }
        return true;
    }

    static bool last_axis(const onnx::NodeProto& n) {
        for (const auto& a : n.attribute())
            if (a.name() == "axes") return a.ints_size() == 1 && a.ints(0) == -1;
        return false;  // axes as an input (opset 18) or reducing everything: not this pattern
    }

    std::optional<OnnxFusion> layer_norm(int mean_node) const {
        const auto& rm = node(mean_node);
        if (rm.input_size() != 1 || !last_axis(rm)) return std::nullopt;
        OnnxFusion f;
        f.kind = OnnxFusion::Kind::LayerNorm;
        f.input = rm.input(0);
        const int sub = sole_consumer(rm.output(0), "Sub");
        if (sub < 0 || node(sub).input(0) != f.input) return std::nullopt;
        const std::string d = node(sub).output(0);
        // d feeds the Pow and the Div.
        auto it = consumers_.find(d);
        if (it == consumers_.end() || it->second.size() != 2) return std::nullopt;
        int pow = -1, div = -1;
        for (int c : it->second) {
            if (node(c).op_type() == "Pow") pow = c;
            if (node(c).op_type() == "Div") div = c;
        }
        if (pow < 0 || div < 0 || node(pow).input(0) != d || !is_scalar(node(pow).input(1), 2.0, 0.0) ||
            node(div).input(0) != d)
            return std::nullopt;
        const int var = sole_consumer(node(pow).output(0), "ReduceMean");
        if (var < 0 || !last_axis(node(var))) return std::nullopt;
        const int add = sole_consumer(node(var).output(0), "Add");
        if (add < 0) return std::nullopt;
        const std::string eps = other(add, node(var).output(0));
        const auto eps_v = eps.empty() ? std::nullopt : constant_(eps);
        if (!eps_v || eps_v->size() != 1) return std::nullopt;
        const int sqrt = sole_consumer(node(add).output(0), "Sqrt");
        if (sqrt < 0 || node(div).input(1) != node(sqrt).output(0)) return std::nullopt;
        f.epsilon = (*eps_v)[0];
        f.nodes = {mean_node, sub, pow, var, add, sqrt, div};
        f.output = node(div).output(0);
        f.last_node = div;
        const int mul = sole_consumer(f.output, "Mul");
        if (mul >= 0 && constant_(other(mul, f.output))) {
            f.gamma = other(mul, f.output);
            f.nodes.push_back(mul);
            f.output = node(mul).output(0);
            f.last_node = mul;
            const int shift = sole_consumer(f.output, "Add");
            if (shift >= 0 && constant_(other(shift, f.output))) {
                f.beta = other(shift, f.output);
                f.nodes.push_back(shift);
                f.output = node(shift).output(0);
                f.last_node = shift;
            }
        }
        return f;
    }

    // Erf's input is x / sqrt 2; then (1 + erf) * x * 0.5.
    std::optional<OnnxFusion> gelu_erf(int erf) const {
        OnnxFusion f;
        f.kind = OnnxFusion::Kind::Gelu;
        const std::string& scaled = node(erf).input(0);
        int scale = made_by(scaled, "Div");
        if (scale >= 0 && is_scalar(node(scale).input(1), std::sqrt(2.0), 1e-4)) {
            f.input = node(scale).input(0);
        } else {
            scale = made_by(scaled, "Mul");
            if (scale < 0) return std::nullopt;
            for (int k = 0; k < 2 && f.input.empty(); ++k)
                if (is_scalar(node(scale).input(1 - k), std::sqrt(0.5), 1e-4)) f.input = node(scale).input(k);
            if (f.input.empty()) return std::nullopt;
        }
        return gelu_tail(f, scale, erf);
    }

    // Tanh's input is sqrt(2/pi) * (x + 0.044715 x^3).
    std::optional<OnnxFusion> gelu_tanh(int tanh) const {
        OnnxFusion f;
        f.kind = OnnxFusion::Kind::GeluTanh;
        const int outer = made_by(node(tanh).input(0), "Mul");
        if (outer < 0) return std::nullopt;
        int inner = -1;
        for (int k = 0; k < 2 && inner < 0; ++k)
            if (is_scalar(node(outer).input(1 - k), std::sqrt(2.0 / M_PI), 1e-4)) inner = made_by(node(outer).input(k), "Add");
        if (inner < 0) return std::nullopt;
        // inner = x + cubic, cubic = 0.044715 * x^3.
        for (int k = 0; k < 2 && f.input.empty(); ++k) {
            const int cubic = made_by(node(inner).input(1 - k), "Mul");
            if (cubic < 0) continue;
            const std::string x = node(inner).input(k);
            for (int j = 0; j < 2; ++j) {
                if (!is_scalar(node(cubic).input(1 - j), 0.044715, 1e-6)) continue;
                const std::vector<int> cube = x_cubed(node(cubic).input(j), x);
                if (cube.empty()) continue;
                f.input = x;
                f.nodes = cube;
                f.nodes.insert(f.nodes.end(), {cubic, inner, outer});
                break;
            }
        }
        if (f.input.empty()) return std::nullopt;
        std::vector<int> head = f.nodes;
        auto g = gelu_tail(f, -1, tanh);
        if (g) g->nodes.insert(g->nodes.end(), head.begin(), head.end());
        return g;
    }

    // The nodes computing `value` = x^3 as Pow(x, 3) or x * (x * x) in any order; empty if not.
    std::vector<int> x_cubed(const std::string& value, const std::string& x) const {
        const int pow = made_by(value, "Pow");
        if (pow >= 0) return node(pow).input(0) == x && is_scalar(node(pow).input(1), 3.0, 0.0) ? std::vector<int>{pow} : std::vector<int>{};
        const int mul = made_by(value, "Mul");
        if (mul < 0) return {};
        const std::string sq = other(mul, x);
        const int square = made_by(sq, "Mul");
        if (square < 0 || node(square).input(0) != x || node(square).input(1) != x) return {};
        return {square, mul};
    }

    // The shared end of both GELU forms: 0.5 * x * (1 + core), in any association of the products.
    std::optional<OnnxFusion> gelu_tail(OnnxFusion f, int scale, int core) const {
        const int plus = sole_consumer(node(core).output(0), "Add");
        if (plus < 0 || !with_scalar(plus, node(core).output(0), 1.0)) return std::nullopt;
        const std::string& x = f.input;
        const std::string one_plus = node(plus).output(0);
        const int times_x = sole_consumer(one_plus, "Mul");
        if (times_x < 0) return std::nullopt;
        int half = -1, last = -1;
        if (other(times_x, one_plus) == x) {  // (x * (1 + core)) * 0.5
            half = sole_consumer(node(times_x).output(0), "Mul");
            if (half < 0 || !with_scalar(half, node(times_x).output(0), 0.5)) return std::nullopt;
            last = half;
        } else {  // (x * 0.5) * (1 + core)
            half = made_by(other(times_x, one_plus), "Mul");
            if (half < 0 || !with_scalar(half, x, 0.5)) return std::nullopt;
            last = times_x;
        }
        f.nodes.insert(f.nodes.end(), {core, plus, times_x, half});
        if (scale >= 0) f.nodes.push_back(scale);
        f.output = node(last).output(0);
        f.last_node = last;
        return f;
    }
};

}  // namespace

std::map<int, OnnxFusion> find_onnx_fusions(const onnx::GraphProto& g, const OnnxConstantLookup& constant) {
    return Matcher(g, constant).run();
}

}  // namespace aimcsim
