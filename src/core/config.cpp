// The config tree and its loader. This is the only file that sees yaml-cpp.
#include "aimcsim/core/config.h"

#include "src/core/config_input.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cerrno>
#include <cmath>
#include <filesystem>
#include <functional>
#include <fstream>
#include <set>
#include <sstream>

namespace aimcsim {
namespace fs = std::filesystem;

namespace {

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string child_path(const std::string& parent, const std::string& key) {
    return parent.empty() ? key : parent + "." + key;
}

// YAML aliases can make a tree cyclic (`a: &x [*x]`) or exponentially large (an
// alias "bomb"): bound the depth and the number of values before converting.
constexpr int kMaxDepth = 200;
constexpr size_t kMaxNodes = 1000000;

ConfigNode from_yaml(const YAML::Node& y, const std::string& file, const std::string& path, int depth, size_t& nodes) {
    const SourceLoc loc{file, y.Mark().line + 1, y.Mark().column + 1};
    if (depth > kMaxDepth) {
        throw ConfigError(loc, path,
                          "nested more than " + std::to_string(kMaxDepth) + " levels deep (a recursive alias?)");
    }
    if (++nodes > kMaxNodes) {
        throw ConfigError(loc, path, "more than " + std::to_string(kMaxNodes) + " values (aliases expanding too far?)");
    }
    if (y.IsScalar()) {
        ConfigNode n = ConfigNode::make_scalar(y.Scalar(), loc);
        n.set_path(path);
        return n;
    }
    if (y.IsMap()) {
        ConfigNode n = ConfigNode::make_map(loc);
        n.set_path(path);
        for (const auto& kv : y) {
            if (!kv.first.IsScalar()) {
                throw ConfigError({file, kv.first.Mark().line + 1, kv.first.Mark().column + 1}, path,
                                  "map keys must be plain names");
            }
            const std::string key = kv.first.Scalar();
            if (n.has(key)) {
                throw ConfigError({file, kv.first.Mark().line + 1, kv.first.Mark().column + 1}, child_path(path, key),
                                  "key appears twice in the same map");
            }
            // A key without a value (`key:`) has no position of its own: use the key's.
            const SourceLoc key_loc{file, kv.first.Mark().line + 1, kv.first.Mark().column + 1};
            n.set(key, kv.second.IsNull() ? ConfigNode::make_null(key_loc)
                                          : from_yaml(kv.second, file, child_path(path, key), depth + 1, nodes));
        }
        return n;
    }
    if (y.IsSequence()) {
        ConfigNode out = ConfigNode::make_seq(loc);
        out.set_path(path);
        int i = 0;
        for (const auto& item : y) {
            out.push_back(from_yaml(item, file, path + "[" + std::to_string(i++) + "]", depth + 1, nodes));
        }
        return out;
    }
    ConfigNode n = ConfigNode::make_null(loc);
    n.set_path(path);
    return n;
}

void emit(YAML::Emitter& out, const ConfigNode& n) {
    switch (n.kind()) {
        case ConfigNode::Kind::Null: out << YAML::Null; break;
        case ConfigNode::Kind::Scalar: out << n.scalar(); break;
        case ConfigNode::Kind::Map:
            out << YAML::BeginMap;
            for (const auto& kv : n.entries()) {
                out << YAML::Key << kv.first << YAML::Value;
                emit(out, kv.second);
            }
            out << YAML::EndMap;
            break;
        case ConfigNode::Kind::Seq:
            out << YAML::BeginSeq;
            for (const auto& item : n.items()) emit(out, item);
            out << YAML::EndSeq;
            break;
    }
}

// Keys whose values name files are resolved against the file that wrote them, so
// that a config can be used from any working directory and after `base:` merges.
bool names_a_file(const std::string& key) {
    auto ends_with = [&](const std::string& suffix) {
        return key.size() >= suffix.size() && key.compare(key.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    return ends_with("file") || ends_with("_path") || key == "path" || key == "plugins" || ends_with("_dir");
}

void absolutize_paths(ConfigNode& n, const fs::path& dir);

void absolutize_value(ConfigNode& v, const fs::path& dir) {
    if (v.is_scalar() && !v.scalar().empty()) {
        fs::path p(v.scalar());
        if (p.is_relative()) {
            ConfigNode abs = ConfigNode::make_scalar((dir / p).lexically_normal().string(), v.loc());
            abs.set_path(v.path());
            v = abs;
        }
    } else if (v.is_seq()) {
        ConfigNode seq = ConfigNode::make_seq(v.loc());
        seq.set_path(v.path());
        for (ConfigNode item : v.items()) {
            absolutize_value(item, dir);
            seq.push_back(item);
        }
        v = seq;
    }
}

void absolutize_paths(ConfigNode& n, const fs::path& dir) {
    if (!n.is_map()) return;
    for (const auto& key : n.keys()) {
        ConfigNode child = n.at(key);
        if (names_a_file(key)) {
            absolutize_value(child, dir);
        } else {
            absolutize_paths(child, dir);
        }
        n.set(key, child);
    }
}

ConfigNode load_recursive(const fs::path& file, std::vector<std::string>& stack, const SourceLoc& included_from) {
    std::error_code ec;
    const fs::path canon = fs::weakly_canonical(file, ec);
    const std::string name = file.string();
    if (!fs::exists(file)) { throw ConfigError(included_from, "", "config file '" + name + "' does not exist"); }
    if (fs::is_directory(file, ec)) {
        throw ConfigError(included_from, "", "config file '" + name + "' is a directory, expected a YAML file");
    }
    if (std::find(stack.begin(), stack.end(), canon.string()) != stack.end()) {
        std::string chain;
        for (const auto& s : stack) chain += s + " -> ";
        throw ConfigError(included_from, "base", "include cycle: " + chain + canon.string());
    }
    std::ifstream in(file);
    if (!in) throw ConfigError(included_from, "", "cannot read config file '" + name + "'");
    std::stringstream text;
    text << in.rdbuf();
    if (const std::string what = binary_file_kind(name, text.str()); !what.empty())
        throw ConfigError(included_from, "", "'" + name + "' is " + what + ", not a YAML config file");
    ConfigNode node = ConfigNode::parse_yaml(text.str(), name);
    if (node.is_null()) node = ConfigNode::make_map({name, 1, 1});
    if (!node.is_map()) throw node.error("a config file must be a map of sections (key: value)");
    absolutize_paths(node, file.parent_path());

    const ConfigNode* base = node.find("base");
    if (base == nullptr) return node;

    stack.push_back(canon.string());
    std::vector<ConfigNode> bases;
    if (base->is_seq()) {
        bases = base->items();
    } else {
        bases.push_back(*base);
    }
    ConfigNode merged = ConfigNode::make_map(node.loc());
    for (const auto& b : bases) {
        if (!b.is_scalar() || b.scalar().empty()) throw b.error("expected a config file path");
        fs::path bp(b.scalar());
        if (bp.is_relative()) bp = file.parent_path() / bp;
        merged.merge_from(load_recursive(bp, stack, b.loc()));
    }
    stack.pop_back();
    node.erase("base");
    merged.merge_from(node);
    return merged;
}

// A section that picks another model (`model:` differs) replaces the base section
// instead of merging into it: the old model's parameters mean nothing to the new one.
bool selects_other_model(const ConfigNode& base, const ConfigNode& over) {
    const ConfigNode* a = base.find("model");
    const ConfigNode* b = over.find("model");
    return a != nullptr && b != nullptr && a->is_scalar() && b->is_scalar() && a->scalar() != b->scalar();
}

size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
        }
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

}  // namespace

ConfigNode ConfigNode::make(Kind kind, SourceLoc loc) {
    ConfigNode n;
    n.kind_ = kind;
    n.loc_ = std::move(loc);
    return n;
}

ConfigNode ConfigNode::make_scalar(std::string value, SourceLoc loc) {
    ConfigNode n = make(Kind::Scalar, std::move(loc));
    n.scalar_ = std::move(value);
    return n;
}

ConfigNode ConfigNode::make_map(SourceLoc loc) { return make(Kind::Map, std::move(loc)); }
ConfigNode ConfigNode::make_null(SourceLoc loc) { return make(Kind::Null, std::move(loc)); }
ConfigNode ConfigNode::make_seq(SourceLoc loc) { return make(Kind::Seq, std::move(loc)); }

double ConfigNode::as_real() const {
    if (!is_scalar()) throw error("expected a number");
    const std::string& s = scalar_;
    const std::string l = lower(s);
    if (l == ".inf" || l == "inf") return HUGE_VAL;
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (s.empty() || end == s.c_str() || *end != '\0') throw error("expected a number, got '" + s + "'");
    return v;
}

long long ConfigNode::as_int() const {
    if (!is_scalar()) throw error("expected an integer");
    const std::string& s = scalar_;
    char* end = nullptr;
    errno = 0;
    const long long v = std::strtoll(s.c_str(), &end, 0);
    if (s.empty() || end == s.c_str() || *end != '\0') {
        // Accept integral reals written like 1e3 or 256.0.
        char* rend = nullptr;
        const double d = std::strtod(s.c_str(), &rend);
        if (!s.empty() && *rend == '\0' && d == static_cast<double>(static_cast<long long>(d))) {
            return static_cast<long long>(d);
        }
        throw error("expected an integer, got '" + s + "'");
    }
    if (errno == ERANGE) throw error("integer out of range: '" + s + "'");
    return v;
}

bool ConfigNode::as_bool() const {
    if (!is_scalar()) throw error("expected true or false");
    const std::string l = lower(scalar_);
    if (l == "true" || l == "yes" || l == "on") return true;
    if (l == "false" || l == "no" || l == "off") return false;
    throw error("expected true or false, got '" + scalar_ + "'");
}

const std::string& ConfigNode::as_string() const {
    if (!is_scalar()) throw error("expected a string");
    return scalar_;
}

bool ConfigNode::has(const std::string& key) const { return find(key) != nullptr; }

const ConfigNode* ConfigNode::find(const std::string& key) const {
    for (const auto& kv : map_) {
        if (kv.first == key) return &kv.second;
    }
    return nullptr;
}

const ConfigNode& ConfigNode::at(const std::string& key) const {
    const ConfigNode* n = find(key);
    if (n == nullptr) {
        if (!is_map()) throw error("expected a map with key '" + key + "'");
        throw ConfigError(loc_, child_path(path_, key), "required key is missing");
    }
    return *n;
}

std::vector<std::string> ConfigNode::keys() const {
    std::vector<std::string> out;
    for (const auto& kv : map_) out.push_back(kv.first);
    return out;
}

ConfigNode& ConfigNode::set(const std::string& key, ConfigNode value) {
    if (kind_ == Kind::Null) kind_ = Kind::Map;
    value.set_path(child_path(path_, key));
    for (auto& kv : map_) {
        if (kv.first == key) {
            kv.second = std::move(value);
            return kv.second;
        }
    }
    map_.emplace_back(key, std::move(value));
    return map_.back().second;
}

void ConfigNode::erase(const std::string& key) {
    map_.erase(std::remove_if(map_.begin(), map_.end(), [&](const auto& kv) { return kv.first == key; }), map_.end());
}

void ConfigNode::push_back(ConfigNode value) {
    if (kind_ == Kind::Null) kind_ = Kind::Seq;
    value.set_path(path_ + "[" + std::to_string(seq_.size()) + "]");
    seq_.push_back(std::move(value));
}

void ConfigNode::set_path(const std::string& path) {
    path_ = path;
    for (auto& kv : map_) kv.second.set_path(child_path(path_, kv.first));
    for (size_t i = 0; i < seq_.size(); ++i) seq_[i].set_path(path_ + "[" + std::to_string(i) + "]");
}

void ConfigNode::merge_from(const ConfigNode& over) {
    if (is_map() && over.is_map()) {
        for (const auto& kv : over.map_) {
            const ConfigNode* mine = find(kv.first);
            if (mine != nullptr && mine->is_map() && kv.second.is_map() && !selects_other_model(*mine, kv.second)) {
                ConfigNode merged = *mine;
                merged.merge_from(kv.second);
                set(kv.first, merged);
            } else {
                set(kv.first, kv.second);
            }
        }
        return;
    }
    const std::string keep_path = path_;
    *this = over;
    set_path(keep_path);
}

ConfigNode ConfigNode::parse_yaml(const std::string& text, const std::string& file) {
    YAML::Node y;
    try {
        y = YAML::Load(text);
    } catch (const YAML::Exception& e) {
        throw ConfigError({file, e.mark.line + 1, e.mark.column + 1}, "", "YAML syntax error: " + e.msg);
    }
    size_t nodes = 0;
    return from_yaml(y, file, "", 0, nodes);
}

std::string ConfigNode::to_yaml() const {
    YAML::Emitter out;
    emit(out, *this);
    return std::string(out.c_str()) + "\n";
}

ConfigNode load_config_file(const std::string& path) {
    std::vector<std::string> stack;
    return load_recursive(fs::path(path), stack, {path, 0, 0});
}

void apply_override(ConfigNode& root, const std::string& assignment) { apply_labelled_override(root, assignment, ""); }

void apply_labelled_override(ConfigNode& root, const std::string& assignment, const std::string& label) {
    const SourceLoc where{label.empty() ? "--set " + assignment : label, 0, 0};
    const auto eq = assignment.find('=');
    if (eq == std::string::npos || eq == 0) { throw ConfigError(where, "", "expected KEY.PATH=VALUE"); }
    const std::string key_path = assignment.substr(0, eq);
    std::vector<std::string> parts;
    std::stringstream ss(key_path);
    for (std::string part; std::getline(ss, part, '.');) {
        if (part.empty()) throw ConfigError(where, key_path, "empty component in key path");
        parts.push_back(part);
    }
    ConfigNode value = ConfigNode::parse_yaml(assignment.substr(eq + 1), where.file);
    // Overrides have no line; relabel every node so errors point at the override.
    std::function<void(ConfigNode&)> relabel = [&](ConfigNode& n) {
        ConfigNode copy;
        if (n.is_scalar()) {
            copy = ConfigNode::make_scalar(n.scalar(), where);
        } else if (n.is_map()) {
            copy = ConfigNode::make_map(where);
            for (const auto& kv : n.entries()) {
                ConfigNode c = kv.second;
                relabel(c);
                copy.set(kv.first, c);
            }
        } else if (n.is_seq()) {
            copy = ConfigNode::make_seq(where);
            for (ConfigNode c : n.items()) {
                relabel(c);
                copy.push_back(c);
            }
        }
        n = copy;
    };
    relabel(value);

    // Walk down, creating maps as needed; a scalar in the way is an error.
    std::function<void(ConfigNode&, size_t)> assign = [&](ConfigNode& node, size_t i) {
        if (!node.is_map() && !node.is_null()) {
            throw ConfigError(where, key_path, "'" + node.path() + "' is not a map, cannot set a key below it");
        }
        if (i + 1 == parts.size()) {
            if (parts[i] == "model" && node.is_map()) {
                // Same rule as for base files: another model starts from an empty section.
                ConfigNode fresh = ConfigNode::make_map(where);
                fresh.set("model", value);
                if (selects_other_model(node, fresh)) {
                    node = fresh;
                    return;
                }
            }
            node.set(parts[i], value);
            return;
        }
        ConfigNode child = node.has(parts[i]) ? node.at(parts[i]) : ConfigNode::make_map(where);
        assign(child, i + 1);
        node.set(parts[i], child);
    };
    assign(root, 0);
}

std::string binary_file_kind(const std::string& path, const std::string& content) {
    const auto ends_with = [&](const std::string& ext) {
        return path.size() >= ext.size() && lower(path.substr(path.size() - ext.size())) == ext;
    };
    if (content.rfind("\x93NUMPY", 0) == 0 || ends_with(".npy")) return "a NumPy array (.npy)";
    if (ends_with(".onnx")) return "an ONNX model (.onnx)";
    if (ends_with(".pb")) return "an ONNX tensor (.pb)";
    for (const char c : content.substr(0, 4096)) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 && c != '\t' && c != '\n' && c != '\r') return "a binary file";
    }
    return "";
}

std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
    std::string best;
    size_t best_d = std::string::npos;
    for (const auto& c : candidates) {
        const size_t d = edit_distance(lower(word), lower(c));
        if (d < best_d) {
            best_d = d;
            best = c;
        }
    }
    // Accept up to a third of the word's length in edits (at least 2), so
    // "integraton_cycles" finds "integration_cycles" but "foo" finds nothing.
    const size_t limit = std::max<size_t>(2, word.size() / 3);
    return best_d <= limit ? best : "";
}

}  // namespace aimcsim
