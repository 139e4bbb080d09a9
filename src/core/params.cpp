#include "aimcsim/core/params.h"

#include "src/core/unknown_keys.h"

#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace aimcsim {

namespace {

std::string fmt_num(double v) {
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    std::ostringstream os;
    os << v;
    return os.str();
}

// A value of an integer parameter in full ("2000000", not "2e+06").
std::string fmt_bound(const ParamSpec& spec, double v) {
    if (spec.type == ParamType::Int && std::isfinite(v) && std::abs(v) < 9.3e18) {
        return std::to_string(static_cast<long long>(v));
    }
    return fmt_num(v);
}

}  // namespace

std::string ParamSpec::type_name() const {
    switch (type) {
        case ParamType::Int: return "int";
        case ParamType::Real: return "real";
        case ParamType::Bool: return "bool";
        case ParamType::String: return "string";
        case ParamType::RealList: return "list of real";
        case ParamType::Section: return "section";
    }
    return "?";
}

std::string ParamSpec::default_str() const {
    if (required) return "(required)";
    struct Visitor {
        std::string operator()(std::monostate) const { return "-"; }
        std::string operator()(long long v) const { return std::to_string(v); }
        std::string operator()(double v) const { return fmt_num(v); }
        std::string operator()(bool v) const { return v ? "true" : "false"; }
        std::string operator()(const std::string& v) const { return v.empty() ? "\"\"" : v; }
        std::string operator()(const std::vector<double>& v) const {
            std::string s = "[";
            for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + fmt_num(v[i]);
            return s + "]";
        }
    };
    return std::visit(Visitor{}, default_value);
}

std::string ParamSpec::range_str() const {
    if (!choices.empty()) {
        std::string s = "one of ";
        for (size_t i = 0; i < choices.size(); ++i) s += (i ? "|" : "") + choices[i];
        return s;
    }
    if (type != ParamType::Int && type != ParamType::Real && type != ParamType::RealList) return "";
    if (std::isinf(min) && std::isinf(max)) return "";
    return std::string(min_exclusive ? "(" : "[") + fmt_bound(*this, min) + ", " + fmt_bound(*this, max) +
           (std::isinf(max) ? ")" : "]");
}

// ---------------------------------------------------------------- declaration

namespace {

ParamSpec make_spec(const std::string& name, ParamType type, const std::string& unit, const std::string& desc) {
    ParamSpec s;
    s.name = name;
    s.type = type;
    s.unit = unit;
    s.description = desc;
    return s;
}

}  // namespace

ParamSpec& ParamSchema::last() {
    if (specs_.empty()) throw std::logic_error("ParamSchema: modifier before any parameter");
    return specs_.back();
}

ParamSchema& ParamSchema::integer(const std::string& name, long long def, const std::string& unit,
                                  const std::string& desc) {
    ParamSpec s = make_spec(name, ParamType::Int, unit, desc);
    s.default_value = def;
    // Models read integer parameters into C++ ints: a wider value would be truncated
    // silently, so it is refused unless the declaration widens the range (the seed).
    s.min = std::numeric_limits<int>::min();
    s.max = std::numeric_limits<int>::max();
    specs_.push_back(s);
    return *this;
}

ParamSchema& ParamSchema::real(const std::string& name, double def, const std::string& unit, const std::string& desc) {
    ParamSpec s = make_spec(name, ParamType::Real, unit, desc);
    s.default_value = def;
    specs_.push_back(s);
    return *this;
}

ParamSchema& ParamSchema::boolean(const std::string& name, bool def, const std::string& desc) {
    ParamSpec s = make_spec(name, ParamType::Bool, "", desc);
    s.default_value = def;
    specs_.push_back(s);
    return *this;
}

ParamSchema& ParamSchema::string(const std::string& name, const std::string& def, const std::string& desc) {
    ParamSpec s = make_spec(name, ParamType::String, "", desc);
    s.default_value = def;
    specs_.push_back(s);
    return *this;
}

ParamSchema& ParamSchema::reals(const std::string& name, std::vector<double> def, const std::string& unit,
                                const std::string& desc) {
    ParamSpec s = make_spec(name, ParamType::RealList, unit, desc);
    s.default_value = std::move(def);
    specs_.push_back(s);
    return *this;
}

ParamSchema& ParamSchema::section(const std::string& name, const std::string& desc) {
    specs_.push_back(make_spec(name, ParamType::Section, "", desc));
    return *this;
}

ParamSchema& ParamSchema::section(const std::string& name, const std::string& desc, const ParamSchema& sub) {
    section(name, desc);
    last().sub = std::make_shared<const ParamSchema>(sub);
    return *this;
}

ParamSchema& ParamSchema::section(const std::string& name, const std::string& desc, SectionResolver resolve) {
    section(name, desc);
    last().resolve = std::move(resolve);
    return *this;
}

ParamSchema& ParamSchema::range(double lo, double hi) {
    last().min = lo;
    last().max = hi;
    return *this;
}

ParamSchema& ParamSchema::positive() {
    last().min = 0.0;
    last().min_exclusive = true;
    return *this;
}

ParamSchema& ParamSchema::at_least(double lo) {
    last().min = lo;
    return *this;
}

ParamSchema& ParamSchema::choices(std::vector<std::string> allowed) {
    last().choices = std::move(allowed);
    return *this;
}

ParamSchema& ParamSchema::required() {
    last().required = true;
    return *this;
}

std::vector<std::string> ParamSchema::names() const {
    std::vector<std::string> out;
    for (const auto& s : specs_) out.push_back(s.name);
    return out;
}

// ---------------------------------------------------------------- validation

namespace {

// A sub-section is validated with the section that holds it, so a run checks each once.
void resolve_section(const ParamSpec& spec, const ConfigNode& node, std::any& out) {
    if (spec.resolve) {
        out = spec.resolve(node);
    } else if (spec.sub) {
        out = spec.sub->parse(node, {});
    }
}

void check_range(const ParamSpec& spec, const ConfigNode& node, double v) {
    const bool below = spec.min_exclusive ? !(v > spec.min) : !(v >= spec.min);
    if (below || !(v <= spec.max) || std::isnan(v)) {
        throw node.error("value " + fmt_bound(spec, v) + " is out of range; expected " + spec.type_name() + " in " +
                         spec.range_str() + (spec.unit.empty() ? "" : " " + spec.unit) + " (" + spec.description + ")");
    }
}

}  // namespace

Params ParamSchema::parse(const ConfigNode& section, const std::vector<std::string>& ignore) const {
    if (!section.is_map() && !section.is_null()) { throw section.error("expected a map of parameters"); }
    Params out;
    out.node_ = section;

    // Unknown keys first: a typo must not fall back to a silent default.
    for (const auto& kv : section.entries()) {
        bool known = false;
        for (const auto& s : specs_) known = known || s.name == kv.first;
        for (const auto& i : ignore) known = known || i == kv.first;
        if (!known) {
            // The keys the owner reads itself (`model`) are keys too: `modelx` means `model`.
            std::vector<std::string> candidates = ignore;
            for (const auto& n : names()) candidates.push_back(n);
            std::string msg = "unknown key '" + kv.first + "'";
            const std::string hint = did_you_mean(kv.first, candidates);
            if (!hint.empty()) {
                msg += "; did you mean '" + hint + "'?";
            } else {
                std::string all;
                for (const auto& n : candidates) all += (all.empty() ? "" : ", ") + n;
                msg += "; expected one of: " + all;
            }
            const ConfigError unknown(kv.second.loc(), kv.second.path(), msg);
            if (UnknownKeyCollector::active() == nullptr) throw unknown;
            UnknownKeyCollector::active()->record(unknown);  // reported with the others when the config is loaded
        }
    }

    for (const auto& spec : specs_) {
        Params::Value val{spec.name, spec.default_value, ConfigNode{}, std::any{}};
        const ConfigNode* node = section.find(spec.name);
        if (node == nullptr || (node->is_null() && spec.type != ParamType::Section)) {
            if (spec.required) {
                throw ConfigError(section.loc(), section.path().empty() ? spec.name : section.path() + "." + spec.name,
                                  "required " + spec.type_name() + " parameter is missing (" + spec.description + ")");
            }
            if (spec.type == ParamType::Section) {
                ConfigNode empty = ConfigNode::make_null(section.loc());
                empty.set_path(section.path().empty() ? spec.name : section.path() + "." + spec.name);
                val.node = empty;
                resolve_section(spec, val.node, val.resolved);
            }
            out.values_.push_back(val);
            continue;
        }
        val.node = *node;
        switch (spec.type) {
            case ParamType::Int: {
                const long long v = node->as_int();
                check_range(spec, *node, static_cast<double>(v));
                val.v = v;
                break;
            }
            case ParamType::Real: {
                const double v = node->as_real();
                check_range(spec, *node, v);
                val.v = v;
                break;
            }
            case ParamType::Bool: val.v = node->as_bool(); break;
            case ParamType::String: {
                const std::string& v = node->as_string();
                if (!spec.choices.empty()) {
                    bool ok = false;
                    for (const auto& c : spec.choices) ok = ok || c == v;
                    if (!ok) {
                        std::string msg = "'" + v + "' is not allowed; expected " + spec.range_str();
                        const std::string hint = did_you_mean(v, spec.choices);
                        if (!hint.empty()) msg += " (did you mean '" + hint + "'?)";
                        throw node->error(msg);
                    }
                }
                val.v = v;
                break;
            }
            case ParamType::RealList: {
                std::vector<double> v;
                if (node->is_seq()) {
                    for (const auto& item : node->items()) {
                        v.push_back(item.as_real());
                        check_range(spec, item, v.back());
                    }
                } else {
                    v.push_back(node->as_real());  // a single value is a one-element list
                    check_range(spec, *node, v.back());
                }
                val.v = v;
                break;
            }
            case ParamType::Section:
                if (!node->is_map() && !node->is_null())
                    throw node->error("expected a map (section '" + spec.name + "')");
                resolve_section(spec, *node, val.resolved);
                break;
        }
        out.values_.push_back(val);
    }
    return out;
}

Params ParamSchema::defaults() const { return parse(ConfigNode::make_map({"<defaults>", 0, 0})); }

// ---------------------------------------------------------------- lookup

const Params::Value& Params::get(const std::string& name) const {
    for (const auto& v : values_) {
        if (v.name == name) return v;
    }
    throw std::logic_error("Params: parameter '" + name + "' was not declared in the schema");
}

long long Params::integer(const std::string& name) const { return std::get<long long>(get(name).v); }
double Params::real(const std::string& name) const { return std::get<double>(get(name).v); }
bool Params::flag(const std::string& name) const { return std::get<bool>(get(name).v); }
const std::string& Params::str(const std::string& name) const { return std::get<std::string>(get(name).v); }
const std::vector<double>& Params::reals(const std::string& name) const {
    return std::get<std::vector<double>>(get(name).v);
}
const ConfigNode& Params::section(const std::string& name) const { return get(name).node; }
const Params& Params::sub(const std::string& name) const { return std::any_cast<const Params&>(get(name).resolved); }

ConfigError Params::error(const std::string& name, const std::string& msg) const {
    const Value& v = get(name);
    if (!v.node.is_null() || !v.node.path().empty()) return v.node.error(msg);
    return ConfigError(node_.loc(), node_.path().empty() ? name : node_.path() + "." + name, msg);
}

}  // namespace aimcsim
