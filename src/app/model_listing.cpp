#include "src/app/model_listing.h"

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

}  // namespace

void list_models(std::ostream& out, const std::string& axis) {
    if (axis.empty()) {
        for (const Axis* a : axis_list()) print_axis(out, *a);
        return;
    }
    const Axis* a = find_axis(axis);
    if (a == nullptr) {
        std::string known;
        for (const Axis* k : axis_list()) known += (known.empty() ? "" : "|") + k->name();
        throw InputError("models: unknown axis '" + axis + "'; expected " + known);
    }
    print_axis(out, *a);
}

}  // namespace aimcsim
