#include "src/core/unknown_keys.h"

#include <algorithm>

namespace aimcsim {

namespace {
thread_local UnknownKeyCollector* t_active = nullptr;
}  // namespace

UnknownKeyCollector::UnknownKeyCollector() : outer_(t_active) { t_active = this; }
UnknownKeyCollector::~UnknownKeyCollector() { t_active = outer_; }

UnknownKeyCollector* UnknownKeyCollector::active() { return t_active; }

void UnknownKeyCollector::throw_if_any() const {
    if (errors_.empty()) return;
    if (errors_.size() == 1) throw errors_.front();
    std::vector<std::string> files;  // in the order first seen
    for (const ConfigError& e : errors_)
        if (std::find(files.begin(), files.end(), e.where().file) == files.end()) files.push_back(e.where().file);
    std::vector<const ConfigError*> sorted;
    for (const ConfigError& e : errors_) sorted.push_back(&e);
    std::stable_sort(sorted.begin(), sorted.end(), [&](const ConfigError* a, const ConfigError* b) {
        const auto fa = std::find(files.begin(), files.end(), a->where().file) - files.begin();
        const auto fb = std::find(files.begin(), files.end(), b->where().file) - files.begin();
        if (fa != fb) return fa < fb;
        if (a->where().line != b->where().line) return a->where().line < b->where().line;
        return a->where().col < b->where().col;
    });
    std::string msg = std::to_string(errors_.size()) + " unknown keys:";
    for (const ConfigError* e : sorted) msg += "\n  " + std::string(e->what());
    throw ConfigError({sorted.front()->where().file, 0, 0}, "", msg);  // each line has its own position
}

}  // namespace aimcsim
