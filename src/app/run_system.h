// `run` on a config with a `system:` section: the network partitioned over several
// chips (src/system/), reported like a chip run plus the system's own section;
// `mapping` receives the blocks on all chips' tiles (for the accuracy evaluation).
#pragma once

#include <string>

#include "aimcsim/network.h"
#include "src/app/run.h"
#include "src/app/run_config.h"
#include "src/chip/chip_run.h"
#include "src/mapping/mapper.h"

namespace aimcsim {

// The chip run options of a run config (seed, batch, mode, time, threads), with the
// trace kept when asked for or when report.html's timeline needs it. One chip or a system.
[[nodiscard]] ChipRunOptions chip_run_options(const RunConfig& rc, const std::string& trace_path, bool html);

[[nodiscard]] RunOutput run_system_network(const RunConfig& rc, const Network& net, const std::string& trace_path,
                                           bool html, Mapping& mapping);

}  // namespace aimcsim
