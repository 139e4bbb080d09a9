#include "src/app/model_listing.h"

#include <cmath>
#include <type_traits>
#include <variant>

#include "aimcsim/core/axes.h"
#include "aimcsim/core/error.h"
#include "aimcsim/core/params.h"

namespace aimcsim {

namespace {

void print_schema(std::ostream& o, const ParamSchema& schema, const std::string& indent) {
    for (const auto& s : schema.specs()) {
        o << indent << s.name << " (" << s.type_name();
        if (!s.unit.empty()) o << ", " << s.unit;
        o << ")";
        if (s.type != ParamType::Section) o << " default " << s.default_str();
        const std::string range = s.range_str();
        if (!range.empty()) o << ", " << range;
        o << ": " << s.description << "\n";
        if (s.sub) print_schema(o, *s.sub, indent + "    ");
    }
}

void print_axis(std::ostream& o, const Axis& axis) {
    for (const ModelInfo& m : axis.models()) {
        o << axis.name() << " model '" << m.name << "': " << m.description;
        if (m.origin != "built-in") o << "  [" << m.origin << "]";
        o << "\n";
        print_schema(o, *m.schema, "    ");
    }
}

using ojson = nlohmann::ordered_json;

ojson schema_json(const ParamSchema& schema) {
    ojson params = ojson::object();
    for (const auto& s : schema.specs()) {
        ojson p;
        p["type"] = s.type_name();
        p["unit"] = s.unit;
        p["description"] = s.description;
        p["required"] = s.required;
        std::visit(
            [&](const auto& v) {
                if constexpr (std::is_same_v<std::decay_t<decltype(v)>, std::monostate>) {
                    p["default"] = nullptr;
                } else {
                    p["default"] = v;
                }
            },
            s.default_value);
        if (std::isfinite(s.min)) p["min"] = s.min;
        if (std::isfinite(s.max)) p["max"] = s.max;
        if (s.min_exclusive) p["min_exclusive"] = true;
        if (!s.choices.empty()) p["choices"] = s.choices;
        if (s.sub) p["params"] = schema_json(*s.sub);
        params[s.name] = std::move(p);
    }
    return params;
}

ojson axis_json(const Axis& axis) {
    ojson models = ojson::object();
    for (const ModelInfo& m : axis.models()) {
        models[m.name] = {{"description", m.description}, {"origin", m.origin}, {"params", schema_json(*m.schema)}};
    }
    return models;
}

const Axis& known_axis(const std::string& axis) {
    const Axis* a = find_axis(axis);
    if (a == nullptr) {
        std::string known;
        for (const Axis* k : axis_list()) known += (known.empty() ? "" : "|") + k->name();
        throw InputError("models: unknown axis '" + axis + "'; expected " + known);
    }
    return *a;
}

}  // namespace

ojson models_json(const std::string& axis) {
    ojson out = ojson::object();
    if (axis.empty()) {
        for (const Axis* a : axis_list()) out[a->name()] = axis_json(*a);
    } else {
        out[axis] = axis_json(known_axis(axis));
    }
    return out;
}

void list_models(std::ostream& out, const std::string& axis) {
    if (axis.empty()) {
        for (const Axis* a : axis_list()) print_axis(out, *a);
        return;
    }
    print_axis(out, known_axis(axis));
}

}  // namespace aimcsim
