#include "src/app/version.h"

// Set by CMakeLists.txt on this file only, so a new commit recompiles one file.
#ifndef AIMCSIM_VERSION
#define AIMCSIM_VERSION "unknown"
#endif
#ifndef AIMCSIM_GIT_HASH
#define AIMCSIM_GIT_HASH "unknown"
#endif

namespace aimcsim {

std::string version() { return AIMCSIM_VERSION; }
std::string git_hash() { return AIMCSIM_GIT_HASH; }

}  // namespace aimcsim
