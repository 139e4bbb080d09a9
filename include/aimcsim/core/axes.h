// The one list of pluggable axes. Every Registry<Interface> joins it when it is first
// created, so the plugin loader, `aimcsim models` and error messages walk this list
// instead of naming axes: a new axis is one interface with a registry, no edit here.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace aimcsim {

class ParamSchema;

// What a listing needs of one registered model.
struct ModelInfo {
    std::string name;
    std::string description;
    std::string origin;  // "built-in" or the plugin's path
    const ParamSchema* schema = nullptr;
};

// One axis as the list sees it (implemented by Registry<Interface>).
class Axis {
public:
    virtual ~Axis() = default;
    [[nodiscard]] virtual const std::string& name() const = 0;
    [[nodiscard]] virtual std::vector<ModelInfo> models() const = 0;  // by model name
};

// Adds `axis` to the list (Registry's constructor; the axis outlives every use of the list).
void join_axis_list(const Axis& axis);

// Every axis joined so far, by name.
[[nodiscard]] std::vector<const Axis*> axis_list();

// The axis called `name`, or nullptr.
[[nodiscard]] const Axis* find_axis(const std::string& name);

// Models registered over all axes (the plugin loader checks that a plugin added some).
[[nodiscard]] std::size_t registered_model_count();

// Where the next registration comes from: "built-in", or the path of the plugin the
// loader is loading. One value for every axis, so the loader need not know them.
[[nodiscard]] std::string& registration_origin();

}  // namespace aimcsim
