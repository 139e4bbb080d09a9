// `run` on a config with a `system:` section: the network partitioned over several
// chips (src/system/), reported like a chip run plus the system's own section;
// `mapping` receives the blocks on all chips' tiles (for the accuracy evaluation).
#pragma once

#include <string>

#include "aimcsim/network.h"
#include "src/app/run.h"
#include "src/app/run_config.h"
#include "src/mapping/mapper.h"

namespace aimcsim {

[[nodiscard]] RunOutput run_system_network(const RunConfig& rc, const Network& net, const std::string& trace_path,
                                           bool html, Mapping& mapping);

}  // namespace aimcsim
