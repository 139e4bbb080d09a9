#include "src/sweep/sweep_spec.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "aimcsim/core/params.h"
#include "src/app/run.h"
#include "src/app/train_command.h"

namespace fs = std::filesystem;

namespace aimcsim::sweep {

namespace {

const std::vector<std::string> kTopKeys = {"name",    "description", "config", "command",
                                           "set",     "combine",     "parameters", "metrics"};

// Same rule as the config loader: values of these keys name files.
bool names_a_file(const std::string& key_path) {
    const auto dot = key_path.rfind('.');
    const std::string key = dot == std::string::npos ? key_path : key_path.substr(dot + 1);
    auto ends_with = [&](const std::string& s) {
        return key.size() >= s.size() && key.compare(key.size() - s.size(), s.size(), s) == 0;
    };
    return ends_with("file") || ends_with("_path") || key == "path" || key == "plugins" || ends_with("_dir");
}

// A relative file name in the sweep file is relative to the sweep file.
ConfigNode absolutize(const ConfigNode& v, const fs::path& dir) {
    if (v.is_scalar() && !v.scalar().empty() && fs::path(v.scalar()).is_relative()) {
        return ConfigNode::make_scalar((dir / v.scalar()).lexically_normal().string(), v.loc());
    }
    if (v.is_seq()) {
        ConfigNode seq = ConfigNode::make_seq(v.loc());
        for (const auto& item : v.items()) seq.push_back(absolutize(item, dir));
        return seq;
    }
    return v;
}

void check_key_path(const ConfigNode& where, const std::string& key) {
    if (key.empty() || key.front() == '.' || key.back() == '.' || key.find("..") != std::string::npos ||
        key.find('=') != std::string::npos || key.find(' ') != std::string::npos) {
        throw where.error("'" + key + "' is not a key path (expected e.g. tile.adc.ps_per_lsb)");
    }
}

bool plain_number_is_int(const std::string& s) {
    if (s.empty()) return false;
    size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
    if (i >= s.size()) return false;
    for (; i < s.size(); ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
    }
    return true;
}

std::string format_number(double v, bool integral) {
    char buf[64];
    if (integral || (std::fabs(v) < 1e15 && v == std::round(v))) {
        std::snprintf(buf, sizeof buf, "%.0f", v);
    } else {
        std::snprintf(buf, sizeof buf, "%.12g", v);
    }
    return buf;
}

// {from, to, step} (inclusive) or {from, to, num[, scale: linear|log]}.
std::vector<std::string> expand_range(const ConfigNode& r) {
    for (const auto& k : r.keys()) {
        if (k != "from" && k != "to" && k != "step" && k != "num" && k != "scale") {
            std::string msg = "unknown range key '" + k + "'";
            const std::string hint = did_you_mean(k, {"from", "to", "step", "num", "scale"});
            if (!hint.empty()) msg += "; did you mean '" + hint + "'?";
            throw r.at(k).error(msg + " (a range is {from, to, step} or {from, to, num, scale: linear|log})");
        }
    }
    if (!r.has("from") || !r.has("to")) throw r.error("a range needs `from:` and `to:`");
    if (r.has("step") == r.has("num")) throw r.error("a range needs exactly one of `step:` or `num:`");
    const double from = r.at("from").as_real();
    const double to = r.at("to").as_real();
    const std::string scale = r.has("scale") ? r.at("scale").as_string() : "linear";
    if (scale != "linear" && scale != "log") throw r.at("scale").error("expected linear or log");
    std::vector<std::string> out;
    if (r.has("step")) {
        if (scale != "linear") throw r.at("scale").error("`step:` ranges are linear; use `num:` for a log range");
        const double step = r.at("step").as_real();
        if (step == 0 || (to - from) * step < 0)
            throw r.at("step").error("step must be non-zero and go from `from` towards `to`");
        const bool integral = plain_number_is_int(r.at("from").scalar()) && plain_number_is_int(r.at("to").scalar()) &&
                              plain_number_is_int(r.at("step").scalar());
        const double n = std::floor((to - from) / step + 1e-9);
        if (n > 1e6) throw r.error("range gives more than a million values");
        for (long long i = 0; i <= static_cast<long long>(n); ++i)
            out.push_back(format_number(from + i * step, integral));
        return out;
    }
    const long long num = r.at("num").as_int();
    if (num < 1 || num > 1000000) throw r.at("num").error("expected 1 to 1000000 values");
    if (scale == "log" && (from <= 0 || to <= 0)) throw r.error("a log range needs from > 0 and to > 0");
    for (long long i = 0; i < num; ++i) {
        const double f = num == 1 ? 0.0 : static_cast<double>(i) / static_cast<double>(num - 1);
        double v =
            scale == "log" ? std::exp(std::log(from) + f * (std::log(to) - std::log(from))) : from + f * (to - from);
        if (i == num - 1) v = to;  // exact end point
        if (scale == "log") {
            // Round to 12 significant digits so 10^k comes out as 10^k.
            char buf[64];
            std::snprintf(buf, sizeof buf, "%.12g", v);
            v = std::strtod(buf, nullptr);
        }
        out.push_back(format_number(v, false));
    }
    return out;
}

std::string quote_if_needed(const std::string& s) {
    bool plain = !s.empty() && s.front() != ' ' && s.back() != ' ';
    for (char c : s) {
        if (std::string(",[]{}#&*!|>'\"%@`\n\r\t\\").find(c) != std::string::npos) plain = false;
    }
    if (s.find(": ") != std::string::npos ||
        (!s.empty() && (s.front() == '-' || s.front() == '?' || s.front() == ':') && (s.size() == 1 || s[1] == ' '))) {
        plain = false;
    }
    if (plain) return s;
    std::string q = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') q += '\\';
        if (c == '\n') {
            q += "\\n";
            continue;
        }
        q += c;
    }
    return q + "\"";
}

std::string strip_prefix(const std::string& s, const std::string& prefix) {
    return s.compare(0, prefix.size(), prefix) == 0 ? s.substr(prefix.size()) : s;
}

// The points are expanded in memory (ids, values, overrides); a sweep too large for
// that is refused before anything is allocated, with what to do about it.
constexpr std::size_t kMaxPoints = 100000;
constexpr std::size_t kMaxExpandedBytes = std::size_t{256} << 20;

// Bytes one expanded point takes at most: its strings and their objects.
std::size_t point_bytes(const SweepSpec& spec) {
    std::size_t bytes = sizeof(SweepPoint) + 16;
    for (const auto& f : spec.fixed) bytes += sizeof(std::string) + f.first.size() + f.second.size() + 1;
    for (const auto& p : spec.params) {
        std::size_t longest = 0;
        for (const auto& v : p.values) longest = std::max(longest, v.size());
        bytes += 3 * sizeof(std::string) + 2 * (p.key.size() + longest) + 1;  // values pair + "key=value"
    }
    return bytes;
}

void check_expansion_size(const SweepSpec& spec, std::size_t count, const ConfigNode& params) {
    if (count > kMaxPoints) {
        throw params.error("the sweep has more than 100000 points; split it into several sweep files");
    }
    const std::size_t bytes = count * point_bytes(spec);
    if (bytes > kMaxExpandedBytes) {
        throw params.error("expanding its " + std::to_string(count) + " points would take about " +
                           std::to_string(bytes >> 20) +
                           " MiB (limit 256 MiB); shorten the keys or values, or split the sweep");
    }
}

}  // namespace

const std::vector<std::string>& default_metrics() {
    static const std::vector<std::string> keys = {
        "performance.latency_ns",
        "performance.first_mvm_latency_ns",
        "performance.throughput_inferences_per_s",
        "performance.throughput_mvms_per_s",
        "performance.energy_per_inference_nj",
        "performance.energy_pj",
        "performance.tops",
        "performance.tops_per_w",
        "chip.peak_tops_per_w",
        "tile.peak_tops_per_w",
        "mapping.tiles_used",
        "interconnect.stall_cycles",
        "mvm_error.relative_rms",
        "accuracy.top1_float",
        "accuracy.top1_analog",
        "simulation.simulated_ns",
    };
    return keys;
}

const std::vector<std::string>& default_training_metrics() {
    // A key through an array (training.epochs) gives the array of its elements' values.
    static const std::vector<std::string> keys = {
        "training.epochs.epoch",       "training.epochs.train_loss", "training.epochs.test_accuracy",
        "training.epochs.pulses",      "training.epochs.energy_pj",  "training.epochs.latency_ns",
        "training.epochs.programming_share", "training.epochs.wall_s",
    };
    return keys;
}

std::string to_flow_yaml(const ConfigNode& n) {
    switch (n.kind()) {
        case ConfigNode::Kind::Null: return "null";
        case ConfigNode::Kind::Scalar: return quote_if_needed(n.scalar());
        case ConfigNode::Kind::Seq: {
            std::string s = "[";
            for (size_t i = 0; i < n.items().size(); ++i) s += (i ? ", " : "") + to_flow_yaml(n.items()[i]);
            return s + "]";
        }
        case ConfigNode::Kind::Map: {
            std::string s = "{";
            bool first = true;
            for (const auto& kv : n.entries()) {
                s += (first ? "" : ", ") + quote_if_needed(kv.first) + ": " + to_flow_yaml(kv.second);
                first = false;
            }
            return s + "}";
        }
    }
    return "null";
}

std::string absolutize_file_override(const std::string& assignment) {
    const auto eq = assignment.find('=');
    if (eq == std::string::npos || !names_a_file(assignment.substr(0, eq))) return assignment;
    const ConfigNode v = ConfigNode::parse_yaml(assignment.substr(eq + 1), "--set " + assignment);
    if (!v.is_scalar() && !v.is_seq()) return assignment;
    return assignment.substr(0, eq + 1) + to_flow_yaml(absolutize(v, fs::current_path()));
}

std::string fnv1a_hex(const std::string& text) {
    std::uint64_t h = 1469598103934665603ULL;
    for (unsigned char c : text) {
        h ^= c;
        h *= 1099511628211ULL;
    }
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

std::string SweepSpec::fingerprint() const {
    std::string s = config + "\n";
    if (command != "run") s += "command " + command + "\n";  // run sweeps keep their fingerprints
    for (const auto& p : points) {
        for (const auto& o : p.overrides) s += o + "\x1f";
        s += "\n";
    }
    for (const auto& m : metrics) s += m + "\x1f";
    return fnv1a_hex(s);
}

std::vector<std::string> SweepSpec::param_keys() const {
    std::vector<std::string> keys;
    for (const auto& p : params) keys.push_back(p.key);
    return keys;
}

SweepSpec load_sweep_spec(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw InputError("sweep file '" + path + "' cannot be read");
    std::stringstream text;
    text << in.rdbuf();
    const ConfigNode root = ConfigNode::parse_yaml(text.str(), path);
    if (!root.is_map()) throw root.error("a sweep file is a map with `config:` and `parameters:`");
    for (const auto& k : root.keys()) {
        if (std::find(kTopKeys.begin(), kTopKeys.end(), k) == kTopKeys.end()) {
            std::string msg = "unknown key '" + k + "'";
            const std::string hint = did_you_mean(k, kTopKeys);
            if (!hint.empty()) msg += "; did you mean '" + hint + "'?";
            throw root.at(k).error(msg + " (a sweep file has " + [] {
                std::string s;
                for (const auto& t : kTopKeys) s += (s.empty() ? "" : ", ") + t;
                return s;
            }() + ")");
        }
    }
    SweepSpec spec;
    spec.file = fs::absolute(path).lexically_normal().string();
    const fs::path dir = fs::path(spec.file).parent_path();
    spec.name = root.has("name") ? root.at("name").as_string() : fs::path(path).stem().string();

    if (!root.has("config")) throw root.error("missing `config:` (the base config every point starts from)");
    const ConfigNode& cfg = root.at("config");
    if (!cfg.is_scalar()) throw cfg.error("expected the path of a config file");
    spec.config = (dir / cfg.as_string()).lexically_normal().string();
    std::error_code config_ec;  // a name too long for the file system is "does not exist", not an exception
    if (!fs::is_regular_file(spec.config, config_ec))
        throw cfg.error("config file '" + spec.config + "' does not exist");

    if (const ConfigNode* c = root.find("command")) {
        if (!c->is_scalar() || (c->as_string() != "run" && c->as_string() != "train"))
            throw c->error("expected run or train (the command every point runs)");
        spec.command = c->as_string();
    }

    if (const ConfigNode* set = root.find("set")) {
        if (!set->is_map()) throw set->error("expected a map of key path -> value");
        for (const auto& [key, value] : set->entries()) {
            check_key_path(value, key);
            const ConfigNode v = names_a_file(key) ? absolutize(value, dir) : value;
            spec.fixed.emplace_back(key, to_flow_yaml(v));
            spec.fixed_locs.push_back(value.loc());
        }
    }

    if (const ConfigNode* c = root.find("combine")) {
        if (c->as_string() == "product") {
            spec.combine = Combine::Product;
        } else if (c->as_string() == "zip") {
            spec.combine = Combine::Zip;
        } else {
            throw c->error("expected product or zip");
        }
    }

    const ConfigNode* params = root.find("parameters");
    if (params == nullptr || !params->is_map() || params->entries().empty()) {
        throw(params ? *params : root).error("`parameters:` must map at least one key path to its values");
    }
    for (const auto& [key, value] : params->entries()) {
        check_key_path(value, key);
        SweepParam p;
        p.key = key;
        p.loc = value.loc();
        if (value.is_seq()) {
            if (value.items().empty()) throw value.error("empty list of values");
            for (const auto& item : value.items()) {
                p.values.push_back(to_flow_yaml(names_a_file(key) ? absolutize(item, dir) : item));
                p.value_locs.push_back(item.loc());
            }
        } else if (value.is_map()) {
            p.values = expand_range(value);
            p.value_locs.assign(p.values.size(), value.loc());
        } else if (value.is_scalar()) {
            p.values.push_back(to_flow_yaml(names_a_file(key) ? absolutize(value, dir) : value));
            p.value_locs.push_back(value.loc());
        } else {
            throw value.error("expected a list of values or a range {from, to, step|num}");
        }
        for (const auto& f : spec.fixed) {
            if (f.first == key) throw value.error("'" + key + "' is both in `set:` and swept");
        }
        spec.params.push_back(std::move(p));
    }

    if (const ConfigNode* m = root.find("metrics")) {
        if (!m->is_seq() || m->items().empty())
            throw m->error("expected a list of report keys, e.g. [performance.tops_per_w]");
        for (const auto& item : m->items()) {
            if (item.as_string() == "defaults") {
                for (const auto& d : default_metrics()) spec.metrics.push_back(d);
            } else {
                check_key_path(item, item.as_string());
                spec.metrics.push_back(item.as_string());
                spec.required.push_back(item.as_string());
            }
        }
    } else {
        spec.metrics = spec.command == "train" ? default_training_metrics() : default_metrics();
    }

    // Expand the points: product varies the last parameter fastest (nested loops in
    // the order written); zip takes the i-th value of every parameter.
    size_t count = 1;
    if (spec.combine == Combine::Zip) {
        count = spec.params.front().values.size();
        for (const auto& p : spec.params) {
            if (p.values.size() != count) {
                throw ConfigError(p.loc, "parameters." + p.key,
                                  "combine: zip needs lists of one length; '" + p.key + "' has " +
                                      std::to_string(p.values.size()) + " values, '" + spec.params.front().key +
                                      "' has " + std::to_string(count));
            }
        }
    } else {
        for (const auto& p : spec.params) {
            count *= p.values.size();
            if (count > kMaxPoints) break;  // count stays below 1e5 x 1e6: no overflow
        }
    }
    check_expansion_size(spec, count, *params);
    const int width = std::max<int>(4, static_cast<int>(std::to_string(count - 1).size()));
    for (size_t i = 0; i < count; ++i) {
        SweepPoint pt;
        pt.index = static_cast<int>(i);
        std::string id = std::to_string(i);
        pt.id =
            "p" + std::string(static_cast<size_t>(width) - std::min(id.size(), static_cast<size_t>(width)), '0') + id;
        for (const auto& f : spec.fixed) pt.overrides.push_back(f.first + "=" + f.second);
        size_t rest = i;
        std::vector<size_t> pick(spec.params.size(), i);
        if (spec.combine == Combine::Product) {
            for (size_t k = spec.params.size(); k-- > 0;) {
                pick[k] = rest % spec.params[k].values.size();
                rest /= spec.params[k].values.size();
            }
        }
        for (size_t k = 0; k < spec.params.size(); ++k) {
            const std::string& v = spec.params[k].values[pick[k]];
            pt.values.emplace_back(spec.params[k].key, v);
            pt.overrides.push_back(spec.params[k].key + "=" + v);
        }
        spec.points.push_back(std::move(pt));
    }
    return spec;
}

void validate_points(const SweepSpec& spec) {
    for (const auto& pt : spec.points) {
        try {
            if (spec.command == "train") {
                validate_train(spec.config, pt.overrides);
            } else {
                validate_run(spec.config, pt.overrides);
            }
        } catch (const ConfigError& e) {
            // An error in an override: point at the sweep file's line of that key.
            const std::string& src = e.where().file;
            std::string what = e.what();
            std::string point = "point " + std::to_string(pt.index) + " (" + pt.id;
            for (const auto& [k, v] : pt.values) point += ", " + k + "=" + v;
            point += ")";
            if (src.rfind("--set ", 0) == 0) {
                const std::string assignment = src.substr(6);
                const std::string key = assignment.substr(0, assignment.find('='));
                const std::string msg = strip_prefix(what, e.where().str() + ": ");
                for (const auto& p : spec.params) {
                    if (p.key != key) continue;
                    // Point at the value this point took.
                    SourceLoc at = p.loc;
                    for (const auto& [k, v] : pt.values) {
                        if (k != key) continue;
                        for (size_t i = 0; i < p.values.size() && i < p.value_locs.size(); ++i) {
                            if (p.values[i] == v) {
                                at = p.value_locs[i];
                                break;
                            }
                        }
                    }
                    throw InputError(at.str() + ": parameters: " + msg + " [" + point + "]");
                }
                for (size_t i = 0; i < spec.fixed.size(); ++i) {
                    if (spec.fixed[i].first == key) throw InputError(spec.fixed_locs[i].str() + ": set: " + msg);
                }
            }
            throw InputError(spec.file + ": " + point + ": " + what);
        } catch (const InputError& e) {
            std::string point = "point " + std::to_string(pt.index) + " (" + pt.id + ")";
            throw InputError(spec.file + ": " + point + ": " + e.what());
        }
    }
}

}  // namespace aimcsim::sweep
