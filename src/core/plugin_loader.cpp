// Loads plugin shared libraries into the registries (see include/aimcsim/plugin.h).
// Every failure is an InputError that names the file, so the CLI exits 2 with one line.
#include "aimcsim/plugin.h"

#include <dlfcn.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "aimcsim/core/axes.h"
#include "aimcsim/core/error.h"

namespace aimcsim {

namespace fs = std::filesystem;

namespace {

constexpr const char* kAbiSymbol = "aimcsim_plugin_abi_version";
constexpr const char* kRegisterSymbol = "aimcsim_plugin_register";

struct Loaded {
    std::string path;
    void* handle;
};

std::vector<Loaded>& loaded() {
    static std::vector<Loaded> v;
    return v;
}

std::mutex& load_mutex() {
    static std::mutex m;
    return m;
}

// Labels what is registered while this object lives with `origin` (every axis).
class OriginScope {
public:
    explicit OriginScope(const std::string& origin) : saved_(registration_origin()) { registration_origin() = origin; }
    ~OriginScope() { registration_origin() = saved_; }
    OriginScope(const OriginScope&) = delete;
    OriginScope& operator=(const OriginScope&) = delete;

private:
    std::string saved_;
};

bool is_elf(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    char magic[4] = {};
    in.read(magic, sizeof magic);
    return in.gcount() == 4 && std::memcmp(magic,
                                           "\x7f"
                                           "ELF",
                                           4) == 0;
}

std::string stdlib_name(int abi) {
    switch (abi) {
        case 1: return "libstdc++, C++11 ABI";
        case 2: return "libstdc++, pre-C++11 ABI";
        case 3: return "libc++";
        default: return "unknown standard library";
    }
}

}  // namespace

int plugin_abi_version() { return AIMCSIM_PLUGIN_ABI_VERSION; }

int plugin_cxx_stdlib_abi() { return AIMCSIM_CXX_STDLIB_ABI; }

std::vector<std::string> loaded_plugins() {
    std::lock_guard<std::mutex> lock(load_mutex());
    std::vector<std::string> out;
    for (const auto& l : loaded()) out.push_back(l.path);
    return out;
}

void load_plugin(const std::string& path) {
    std::lock_guard<std::mutex> lock(load_mutex());
    const std::string what = "plugin '" + path + "'";
    std::error_code ec;
    if (path.empty()) throw InputError("plugin: empty path");
    if (!fs::exists(path, ec)) throw InputError(what + " does not exist");
    if (!fs::is_regular_file(path, ec)) throw InputError(what + " is not a file");
    const std::string canon = fs::canonical(path, ec).string();
    for (const auto& l : loaded()) {
        if (l.path == canon) return;  // named twice (e.g. --plugin and plugins:): load once
    }
    if (!is_elf(path)) { throw InputError(what + " is not an aimcsim plugin: not a shared library (no ELF header)"); }

    // RTLD_NOW: an unresolved symbol is an error here, not a crash in the middle of a run.
    // RTLD_LOCAL: two plugins' private symbols cannot collide. The plugin binds to the
    // registries of the libaimcsim already loaded by the process (same soname).
    const std::size_t before = registered_model_count();
    void* handle = nullptr;
    {
        // Static initialisers of the plugin run inside dlopen: label what they register.
        OriginScope origin(canon);
        dlerror();
        handle = dlopen(canon.c_str(), RTLD_NOW | RTLD_LOCAL);
    }
    if (handle == nullptr) {
        const char* err = dlerror();
        throw InputError(what + " could not be loaded: " + (err != nullptr ? err : "unknown dlopen error"));
    }
    using AbiFn = int (*)();
    using RegisterFn = void (*)();
    auto abi_fn = reinterpret_cast<AbiFn>(dlsym(handle, kAbiSymbol));
    auto register_fn = reinterpret_cast<RegisterFn>(dlsym(handle, kRegisterSymbol));
    if (abi_fn == nullptr || register_fn == nullptr) {
        dlclose(handle);
        throw InputError(what + " is not an aimcsim plugin: it does not export " +
                         (abi_fn == nullptr ? std::string(kAbiSymbol) : std::string(kRegisterSymbol)) +
                         "() (declare the entry point with AIMCSIM_PLUGIN() from <aimcsim/plugin.h>)");
    }
    const int abi = abi_fn();
    if (abi != plugin_abi_version()) {
        dlclose(handle);
        throw InputError(what + " was built for aimcsim ABI " + std::to_string(abi) + ", this is " +
                         std::to_string(plugin_abi_version()) + "; rebuild it against this aimcsim");
    }

    using StdlibFn = int (*)();
    if (auto stdlib_fn = reinterpret_cast<StdlibFn>(dlsym(handle, "aimcsim_plugin_cxx_stdlib_abi"))) {
        const int plugin_stdlib = stdlib_fn();
        if (plugin_stdlib != plugin_cxx_stdlib_abi()) {
            dlclose(handle);
            throw InputError(what + " was built for another C++ standard library ABI (" + stdlib_name(plugin_stdlib) +
                             ", this aimcsim uses " + stdlib_name(plugin_cxx_stdlib_abi()) +
                             "); build it with the same compiler and standard library as aimcsim");
        }
    }

    // From here on the library stays loaded whatever happens: models registered
    // before a failure point into it.
    loaded().push_back({canon, handle});
    OriginScope origin(canon);
    try {
        register_fn();
    } catch (const InputError& e) { throw InputError(what + ": " + e.what()); } catch (const std::exception& e) {
        throw InputError(what + ": registration failed: " + e.what());
    } catch (...) { throw InputError(what + ": registration failed with an unknown exception"); }
    if (registered_model_count() == before) {
        throw InputError(what + " registered no models (is it built with -fvisibility=hidden, "
                                "giving it its own copy of the registries? use the aimcsim::aimcsim target's flags)");
    }
}

}  // namespace aimcsim
