// Typed, documented parameters. A model declares its parameters once in a
// ParamSchema (name, type, default, unit, range, description); the same schema
// validates a config section (unknown keys, wrong types, out-of-range values are
// ConfigErrors with file:line) and is printed by `aimcsim models`.
#pragma once

#include <any>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "aimcsim/core/config.h"

namespace aimcsim {

enum class ParamType { Int, Real, Bool, String, RealList, Section };

// Validates a section into a typed value when the section holding it is validated
// (e.g. a tile's `device:` into a ModelConfig<DeviceModel>, core/registry.h).
using SectionResolver = std::function<std::any(const ConfigNode&)>;

struct ParamSpec {
    std::string name;
    ParamType type = ParamType::Real;
    std::string unit;  // "ns", "pJ", "uS", "" for dimensionless
    std::string description;
    bool required = false;
    // Default as a value of the declared type (unused for Section/required).
    std::variant<std::monostate, long long, double, bool, std::string, std::vector<double>> default_value;
    double min = -std::numeric_limits<double>::infinity();  // inclusive (Int/Real/RealList)
    double max = std::numeric_limits<double>::infinity();   // inclusive
    bool min_exclusive = false;
    std::vector<std::string> choices;              // String: allowed values (empty = any)
    std::shared_ptr<const class ParamSchema> sub;  // Section: its fixed schema, if it has one
    SectionResolver resolve;                       // Section: validates it into a typed value, if set

    [[nodiscard]] std::string type_name() const;
    [[nodiscard]] std::string default_str() const;
    [[nodiscard]] std::string range_str() const;  // "[0, 1]", "(0, inf)", "one of a|b"
};

class Params;

// Fluent declaration: schema.real("g_max_us", 25.0, "uS", "...").range(0, 100, true);
class ParamSchema {
public:
    // Integers are bounded to the range of an int unless range() widens it.
    ParamSchema& integer(const std::string& name, long long def, const std::string& unit, const std::string& desc);
    ParamSchema& real(const std::string& name, double def, const std::string& unit, const std::string& desc);
    ParamSchema& boolean(const std::string& name, bool def, const std::string& desc);
    ParamSchema& string(const std::string& name, const std::string& def, const std::string& desc);
    ParamSchema& reals(const std::string& name, std::vector<double> def, const std::string& unit,
                       const std::string& desc);
    // A nested map that a sub-component validates itself (e.g. `device:` inside a tile).
    ParamSchema& section(const std::string& name, const std::string& desc);
    // A nested map with a fixed schema of its own (listed by `aimcsim models`), validated
    // with this section; its values are Params::sub(name).
    ParamSchema& section(const std::string& name, const std::string& desc, const ParamSchema& sub);
    // A nested map validated with this section by `resolve`; its value is Params::resolved<T>(name).
    ParamSchema& section(const std::string& name, const std::string& desc, SectionResolver resolve);

    // Modifiers for the last declared parameter.
    ParamSchema& range(double lo, double hi);  // inclusive
    ParamSchema& positive();                   // > 0
    ParamSchema& at_least(double lo);
    ParamSchema& choices(std::vector<std::string> allowed);
    ParamSchema& required();

    // Validates `section` (a map or null). Keys in `ignore` (e.g. "model") are skipped.
    [[nodiscard]] Params parse(const ConfigNode& section, const std::vector<std::string>& ignore = {"model"}) const;
    // All defaults, as parse() of an empty section would give.
    [[nodiscard]] Params defaults() const;

    [[nodiscard]] const std::vector<ParamSpec>& specs() const { return specs_; }
    [[nodiscard]] std::vector<std::string> names() const;

private:
    ParamSpec& last();
    std::vector<ParamSpec> specs_;
};

// Validated values of one section. Lookup of an undeclared name is a programming
// error (std::logic_error), not a user error.
class Params {
public:
    [[nodiscard]] long long integer(const std::string& name) const;
    [[nodiscard]] double real(const std::string& name) const;
    [[nodiscard]] bool flag(const std::string& name) const;
    [[nodiscard]] const std::string& str(const std::string& name) const;
    [[nodiscard]] const std::vector<double>& reals(const std::string& name) const;
    // Sub-section node (null node if absent), to hand to a sub-component.
    [[nodiscard]] const ConfigNode& section(const std::string& name) const;
    // The validated values of a sub-section declared with a fixed schema.
    [[nodiscard]] const Params& sub(const std::string& name) const;
    // The typed value of a sub-section declared with a SectionResolver returning T.
    template <typename T> [[nodiscard]] const T& resolved(const std::string& name) const {
        return std::any_cast<const T&>(get(name).resolved);
    }
    // Where a value came from (for errors raised by cross-field checks).
    [[nodiscard]] ConfigError error(const std::string& name, const std::string& msg) const;

    // The node this was parsed from (null for defaults()).
    [[nodiscard]] const ConfigNode& node() const { return node_; }

private:
    friend class ParamSchema;
    struct Value {
        std::string name;
        std::variant<std::monostate, long long, double, bool, std::string, std::vector<double>> v;
        ConfigNode node;    // the section node for Section; the value's node otherwise
        std::any resolved;  // Section with a fixed schema (Params) or a resolver (its type)
    };
    const Value& get(const std::string& name) const;
    std::vector<Value> values_;
    ConfigNode node_;
};

}  // namespace aimcsim
