// A plugin compiled for libstdc++'s pre-C++11 ABI (-D_GLIBCXX_USE_CXX11_ABI=0, see
// CMakeLists.txt): its std::string is not the library's, so the loader must refuse it
// before calling the entry point.
#include "aimcsim/plugin.h"

AIMCSIM_PLUGIN() {}
