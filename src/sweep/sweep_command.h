// `aimcsim sweep ...`: the command line of design-space sweeps.
#pragma once

#include <string>
#include <vector>

namespace aimcsim {

// args: what follows `sweep` on the command line. Throws InputError on bad input.
int run_sweep_command(const std::vector<std::string>& args);

}  // namespace aimcsim
