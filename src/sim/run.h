// One run of the simulator: config in, report out.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace aimcsim {

struct RunOptions {
    std::string config_path;
    std::vector<std::string> overrides;  // a.b=c, applied in order after the file
    std::string out_dir;                 // empty: no files written
    bool quiet = false;                  // do not print the text report
    std::string trace_path;              // chip runs: Chrome/Perfetto trace-event JSON written here
};

struct RunOutput {
    nlohmann::json report;
    std::string text;
};

// Loads, validates, simulates, writes DIR/report.json, report.txt, resolved_config.yaml.
RunOutput run_simulation(const RunOptions& opts);

}  // namespace aimcsim
