// libFuzzer target: YAML text -> a sweep file in a temporary folder that also holds
// base.yaml (so `config: base.yaml` resolves) -> load_sweep_spec (parse, ranges,
// expansion, fingerprint). Bad input must end in an InputError; anything else is a bug.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "aimcsim/core/error.h"
#include "src/sweep/sweep_spec.h"

namespace {

char g_dir[64];  // plain storage: still valid when the atexit cleanup runs

const std::string& sweep_path() {
    static const std::string path = [] {
        char tmpl[] = "/tmp/aimcsim_fuzz_sweep_XXXXXX";
        if (mkdtemp(tmpl) == nullptr) std::abort();
        std::snprintf(g_dir, sizeof g_dir, "%s", tmpl);
        const std::string dir = tmpl;
        std::ofstream(dir + "/base.yaml") << "name: base\nworkload:\n  file: mvm_random.yaml\n";
        std::atexit([] { std::filesystem::remove_all(g_dir); });
        return dir + "/sweep.yaml";
    }();
    return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string& path = sweep_path();
    {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    }
    try {
        const aimcsim::sweep::SweepSpec spec = aimcsim::sweep::load_sweep_spec(path);
        (void)spec.fingerprint();
    } catch (const aimcsim::InputError&) {}
    return 0;
}

// libsystemc.so wants an sc_main; libFuzzer provides main().
extern "C" int sc_main(int, char*[]) { return 0; }
