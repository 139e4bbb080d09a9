// A plugin built for another ABI: its version function returns 999 (what a plugin
// compiled against a future aimcsim would report). The loader must refuse it
// before calling its entry point.
#include "aimcsim/plugin.h"

extern "C" AIMCSIM_PLUGIN_EXPORT int aimcsim_plugin_abi_version() { return 999; }
extern "C" AIMCSIM_PLUGIN_EXPORT void aimcsim_plugin_register() {}
