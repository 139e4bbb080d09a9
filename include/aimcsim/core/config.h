// The configuration tree: YAML parsed into plain nodes that remember where each
// value came from (file:line:col or --set), so every later error can point at it.
// yaml-cpp stays behind this header; tests build trees in code with ConfigNode::parse_yaml.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "aimcsim/core/error.h"

namespace aimcsim {

class ConfigNode {
public:
    enum class Kind { Null, Scalar, Map, Seq };

    ConfigNode() = default;

    [[nodiscard]] Kind kind() const { return kind_; }
    [[nodiscard]] bool is_null() const { return kind_ == Kind::Null; }
    [[nodiscard]] bool is_scalar() const { return kind_ == Kind::Scalar; }
    [[nodiscard]] bool is_map() const { return kind_ == Kind::Map; }
    [[nodiscard]] bool is_seq() const { return kind_ == Kind::Seq; }

    [[nodiscard]] const SourceLoc& loc() const { return loc_; }
    // Dotted key path from the root, e.g. "tile.adc.bits" or "sweep.params[2]".
    [[nodiscard]] const std::string& path() const { return path_; }

    // Scalars.
    [[nodiscard]] const std::string& scalar() const { return scalar_; }
    [[nodiscard]] double as_real() const;
    [[nodiscard]] long long as_int() const;
    [[nodiscard]] bool as_bool() const;
    [[nodiscard]] const std::string& as_string() const;

    // Maps keep insertion order (the order written in the file).
    [[nodiscard]] bool has(const std::string& key) const;
    [[nodiscard]] const ConfigNode& at(const std::string& key) const;    // error if missing
    [[nodiscard]] const ConfigNode* find(const std::string& key) const;  // nullptr if missing
    [[nodiscard]] const std::vector<std::pair<std::string, ConfigNode>>& entries() const { return map_; }
    [[nodiscard]] std::vector<std::string> keys() const;

    // Sequences.
    [[nodiscard]] const std::vector<ConfigNode>& items() const { return seq_; }

    // Building and editing (loader, --set, tests).
    static ConfigNode make_scalar(std::string value, SourceLoc loc);
    static ConfigNode make_map(SourceLoc loc);
    static ConfigNode make_seq(SourceLoc loc);
    static ConfigNode make_null(SourceLoc loc);
    ConfigNode& set(const std::string& key, ConfigNode value);  // insert or replace
    void erase(const std::string& key);
    void push_back(ConfigNode value);
    // Re-label paths below this node (after moving a subtree).
    void set_path(const std::string& path);

    // Deep merge: maps merge key by key, anything else in `over` replaces `this`.
    void merge_from(const ConfigNode& over);

    // Parse YAML text; `file` is used for error locations.
    static ConfigNode parse_yaml(const std::string& text, const std::string& file);
    // Emit as YAML (the resolved config written next to results).
    [[nodiscard]] std::string to_yaml() const;

    [[nodiscard]] ConfigError error(const std::string& msg) const { return ConfigError(loc_, path_, msg); }

private:
    static ConfigNode make(Kind kind, SourceLoc loc);

    Kind kind_ = Kind::Null;
    SourceLoc loc_;
    std::string path_;
    std::string scalar_;
    std::vector<std::pair<std::string, ConfigNode>> map_;
    std::vector<ConfigNode> seq_;
};

// Loads a config file. A top-level `base:` (a path, or a list of paths, relative to
// the including file) is loaded first and this file is merged over it; cycles and
// missing files are errors. Paths to other files inside the config (keys ending in
// `file` or `path`) are made absolute relative to the file that wrote them.
[[nodiscard]] ConfigNode load_config_file(const std::string& path);

// Applies one `a.b.c=value` override. The value is parsed as YAML (so `[1,2]` is a
// list, `8` a number). Intermediate maps are created; their keys are validated later
// by the consumers' schemas, like any other key.
void apply_override(ConfigNode& root, const std::string& assignment);

// Closest candidate by edit distance, or "" if nothing is reasonably close.
[[nodiscard]] std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace aimcsim
