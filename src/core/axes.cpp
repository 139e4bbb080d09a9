#include "aimcsim/core/axes.h"

#include <algorithm>
#include <mutex>

namespace aimcsim {

namespace {

std::vector<const Axis*>& axes() {
    static std::vector<const Axis*> list;
    return list;
}

// Registries are created during static initialisation and inside dlopen(); a plugin
// may be loaded from any thread.
std::mutex& axes_mutex() {
    static std::mutex m;
    return m;
}

}  // namespace

void join_axis_list(const Axis& axis) {
    std::lock_guard<std::mutex> lock(axes_mutex());
    // A second registry of a known axis is a plugin's private copy (built with hidden
    // visibility): models added there are invisible to the runs, so they are not listed
    // nor counted, and the loader reports that the plugin registered nothing.
    for (const Axis* a : axes()) {
        if (a->name() == axis.name()) return;
    }
    axes().push_back(&axis);
}

std::vector<const Axis*> axis_list() {
    std::vector<const Axis*> out;
    {
        std::lock_guard<std::mutex> lock(axes_mutex());
        out = axes();
    }
    std::sort(out.begin(), out.end(), [](const Axis* a, const Axis* b) { return a->name() < b->name(); });
    return out;
}

const Axis* find_axis(const std::string& name) {
    for (const Axis* a : axis_list()) {
        if (a->name() == name) return a;
    }
    return nullptr;
}

std::size_t registered_model_count() {
    std::size_t n = 0;
    for (const Axis* a : axis_list()) n += a->models().size();
    return n;
}

std::string& registration_origin() {
    static std::string origin = "built-in";
    return origin;
}

}  // namespace aimcsim
