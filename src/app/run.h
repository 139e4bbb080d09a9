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
    // Per override, what the user typed ("--batch 0"), for its errors; empty or
    // missing: "--set a.b=c".
    std::vector<std::string> override_labels;
    std::string out_dir;     // empty: no files written
    bool quiet = false;      // do not print the text report
    std::string trace_path;  // chip runs: Chrome/Perfetto trace-event JSON written here
};

struct RunOutput {
    nlohmann::json report;
    std::string text;
    std::string layers_csv;  // chip runs: the per-layer table
    std::string html;        // chip runs: report.html
};

// Loads, validates, simulates, writes DIR/report.json, report.txt, resolved_config.yaml.
RunOutput run_simulation(const RunOptions& opts);

// What `run` checks before it simulates, without simulating: the config and every
// model section it selects (tile with device and ADC, chip and interconnect, accuracy),
// and the workload file (readable, with a `kind:`; mvm_random checked against the tile;
// other kinds are checked when the point runs).
// Throws InputError. Sweeps call it for every point before the first one runs.
void validate_run(const std::string& config_path, const std::vector<std::string>& overrides);

}  // namespace aimcsim
