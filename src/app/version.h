// The version of this build: the project() version of CMakeLists.txt and the git
// commit it was configured from ("unknown" outside a git checkout). Shown by
// `aimcsim --version`, written to report.json (simulation.version, simulation.git_hash)
// and exposed to Python as aimcsim.__version__.
#pragma once

#include <string>

namespace aimcsim {

[[nodiscard]] std::string version();
[[nodiscard]] std::string git_hash();

}  // namespace aimcsim
