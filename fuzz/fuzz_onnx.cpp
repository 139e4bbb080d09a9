// libFuzzer target: bytes -> a temporary file -> load_onnx. Bad input must end in
// an InputError; anything else (another exception, a crash, a sanitizer report) is a bug.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "aimcsim/core/error.h"
#include "src/import/onnx_import.h"

namespace {

char g_path[64];  // plain storage: still valid when the atexit cleanup runs

const std::string& model_path() {
    static const std::string path = [] {
        char tmpl[] = "/tmp/aimcsim_fuzz_onnx_XXXXXX";
        const int fd = mkstemp(tmpl);
        if (fd < 0) std::abort();
        close(fd);
        std::snprintf(g_path, sizeof g_path, "%s", tmpl);
        std::atexit([] { std::remove(g_path); });
        return std::string(tmpl);
    }();
    return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string& path = model_path();
    FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr) std::abort();
    if (size > 0 && std::fwrite(data, 1, size, f) != size) std::abort();
    std::fclose(f);
    try {
        (void)aimcsim::load_onnx(path);
    } catch (const aimcsim::InputError&) {}
    return 0;
}

// libsystemc.so wants an sc_main; libFuzzer provides main().
extern "C" int sc_main(int, char*[]) { return 0; }
