// Plugins: shared libraries that add models to aimcsim's registries without
// touching the framework. A plugin is built against the installed headers
// (find_package(aimcsim) + aimcsim::aimcsim) and loaded with `--plugin PATH` or a
// `plugins:` list in the YAML config.
//
// A plugin declares its models in one entry point:
//
//     #include <aimcsim/plugin.h>
//     AIMCSIM_PLUGIN() {
//         aimcsim::register_model<aimcsim::DeviceModel, MyDevice>("my_device", "one-line description");
//     }
//
// AIMCSIM_PLUGIN() defines the extern "C" symbols the loader looks up:
//   int  aimcsim_plugin_abi_version()     -> AIMCSIM_PLUGIN_ABI_VERSION as compiled into the plugin
//   int  aimcsim_plugin_cxx_stdlib_abi()  -> which C++ standard library ABI it was compiled for
//                                            (optional for the loader; checked when present)
//   void aimcsim_plugin_register()        -> the body above
// The loader checks the ABI version first, then calls the entry point inside a
// try/catch with the registries' origin set to the plugin's path, so a clash with
// a registered name is a clean error naming the file, and `aimcsim models` shows
// where every model came from.
//
// Why not static registrars (AIMCSIM_REGISTER) in a plugin: they run inside
// dlopen(), where an exception (a duplicate name) cannot be reported cleanly.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "aimcsim/core/registry.h"

// Bump whenever a public interface (tile.h, device.h, adc.h, topology.h, core/*)
// changes its layout or virtual functions: plugins built for another value are refused.
// 2: TileModel::phases_for_columns. 3: registries join one list of axes (core/axes.h),
// stream purposes moved out of core (random_streams.h), TileModel::programmed_bytes,
// kDefaultModel per axis and sections validated once into ModelConfig (Registry::create
// lost its default-model argument). 4: TileModel::area, DeviceModel::polarity_level_fit.
// 5: DeviceModel knows where each device sits and what it conducts under each read polarity:
// begin_block(DeviceBlock), program(g, DeviceSite, rng) (no longer const), read(device, DeviceSite,
// t, rng) -> DeviceRead {g under V-, g under V+}, state_bytes_per_device(); Stream::DeviceState.
// Also 5 (same release): TileModel::mvm_batch(X, n, ..., MvmEnergy* or null, ...), TileModel::faulty_devices().
// 6: AdcModel::convert_batch (many reads, one noise stream each, with a default).
// (CMakeLists.txt reads the number from the next line: keep it bare.)
#define AIMCSIM_PLUGIN_ABI_VERSION 6

namespace aimcsim {

// The ABI version this library was built with (AIMCSIM_PLUGIN_ABI_VERSION of the library).
[[nodiscard]] int plugin_abi_version();

// Registers `Impl` under `name` in the registry of `Interface` (any axis: TileModel,
// DeviceModel, AdcModel, Topology). `Impl` needs `static ParamSchema schema()` and
// a constructor from `const Params&`. A name already taken throws InputError.
template <typename Interface, typename Impl>
void register_model(const std::string& name, const std::string& description) {
    Registry<Interface>::instance().add(
        {name, description, Impl::schema(),
         [](const Params& p) -> std::unique_ptr<Interface> { return std::make_unique<Impl>(p); },
         Registry<Interface>::current_origin()});
}

// Loads one plugin (used by the CLI and by `plugins:` in a config; also usable by
// programs embedding aimcsim). Loading the same file twice is a no-op. Every
// problem is an InputError naming the file: missing file, not a shared library,
// no aimcsim entry points, ABI mismatch, a model name already registered.
void load_plugin(const std::string& path);

// Plugins loaded so far (canonical paths, in load order).
[[nodiscard]] std::vector<std::string> loaded_plugins();

}  // namespace aimcsim

#define AIMCSIM_PLUGIN_EXPORT __attribute__((visibility("default")))

// The C++ standard library ABI this translation unit is compiled for: models pass
// std::string and std::vector across the plugin boundary, so plugin and library must
// agree (1: libstdc++ C++11 ABI, 2: libstdc++ pre-C++11 ABI, 3: libc++, 0: other).
#if defined(_LIBCPP_VERSION)
#define AIMCSIM_CXX_STDLIB_ABI 3
#elif defined(_GLIBCXX_USE_CXX11_ABI) && _GLIBCXX_USE_CXX11_ABI
#define AIMCSIM_CXX_STDLIB_ABI 1
#elif defined(__GLIBCXX__)
#define AIMCSIM_CXX_STDLIB_ABI 2
#else
#define AIMCSIM_CXX_STDLIB_ABI 0
#endif

namespace aimcsim {
// AIMCSIM_CXX_STDLIB_ABI of the library.
[[nodiscard]] int plugin_cxx_stdlib_abi();
}  // namespace aimcsim

// Opens the registration function of a plugin; follow it with a { body }.
#define AIMCSIM_PLUGIN()                                                                                               \
    extern "C" AIMCSIM_PLUGIN_EXPORT int aimcsim_plugin_abi_version() { return AIMCSIM_PLUGIN_ABI_VERSION; }           \
    extern "C" AIMCSIM_PLUGIN_EXPORT int aimcsim_plugin_cxx_stdlib_abi() { return AIMCSIM_CXX_STDLIB_ABI; }            \
    extern "C" AIMCSIM_PLUGIN_EXPORT void aimcsim_plugin_register()
