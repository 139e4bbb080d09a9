// Unknown config keys, all at once: while a collector is alive on this thread,
// ParamSchema::parse records each unknown key (with its did-you-mean) and goes on
// instead of throwing at the first, so a config with three typos in three sections
// is reported in one run, in file order.
#pragma once

#include <string>
#include <vector>

#include "aimcsim/core/error.h"

namespace aimcsim {

class UnknownKeyCollector {
public:
    UnknownKeyCollector();
    ~UnknownKeyCollector();
    UnknownKeyCollector(const UnknownKeyCollector&) = delete;
    UnknownKeyCollector& operator=(const UnknownKeyCollector&) = delete;

    // The collector of this thread, or nullptr (parse then throws at the first key).
    [[nodiscard]] static UnknownKeyCollector* active();

    void record(const ConfigError& e) { errors_.push_back(e); }

    // One ConfigError naming every recorded key, in file order (by file as first
    // seen, then line and column); nothing when none was recorded.
    void throw_if_any() const;

private:
    std::vector<ConfigError> errors_;
    UnknownKeyCollector* outer_;
};

}  // namespace aimcsim
