// libFuzzer target: YAML text -> ConfigNode::parse_yaml -> the run-config schema
// (top level and simulation section) -> YAML round trip. Bad input must end in an
// InputError; anything else (another exception, a crash, a sanitizer report) is a bug.
#include <cstddef>
#include <cstdint>
#include <string>

#include "aimcsim/core/config.h"
#include "aimcsim/core/error.h"
#include "aimcsim/core/params.h"
#include "src/app/run_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        aimcsim::ConfigNode root = aimcsim::ConfigNode::parse_yaml(text, "fuzz.yaml");
        const std::string again = root.to_yaml();
        (void)aimcsim::ConfigNode::parse_yaml(again, "fuzz-roundtrip.yaml");
        if (!root.is_map()) return 0;
        root.erase("plugins");  // never dlopen fuzzed paths
        const aimcsim::Params top = aimcsim::run_config_schema().parse(root, {});
        (void)aimcsim::simulation_schema().parse(top.section("simulation"), {});
    } catch (const aimcsim::InputError&) {}
    return 0;
}

// libsystemc.so wants an sc_main; libFuzzer provides main().
extern "C" int sc_main(int, char*[]) { return 0; }
