// The validated top-level config of one run: which tile and chip, what to simulate,
// and on which workload. Built from a YAML file plus --set overrides; every section
// is checked against a schema, so a typo anywhere is an error with file:line.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "aimcsim/core/config.h"
#include "aimcsim/core/params.h"

namespace aimcsim {

struct SimulationSettings {
    bool functional = true;             // compute values (false: timing and energy only)
    std::vector<double> t_inference_s;  // evaluation times after programming; the first is the main one
    int threads = 0;                    // worker threads of the batched paths (0: all cores)
    int batch = 1;                      // inferences (networks) simulated in SystemC
};

struct RunConfig {
    ConfigNode root;  // the fully resolved tree (written as resolved_config.yaml)
    std::string name;
    std::uint64_t seed = 1;
    ConfigNode tile;  // validated by the tile model itself
    ConfigNode chip;
    ConfigNode workload;  // `workload:` section (file + options)
    ConfigNode accuracy;
    SimulationSettings simulation;
    std::vector<std::string> plugins;  // `plugins:` of the config, loaded by load_run_config
};

// The schema of the top-level keys (sections are validated by their owners).
[[nodiscard]] ParamSchema run_config_schema();
[[nodiscard]] ParamSchema simulation_schema();

// Loads the plugins named by `plugins:` (a path or a list of paths) of a resolved
// config; a failure is a ConfigError at the entry that named the plugin.
std::vector<std::string> load_config_plugins(const ConfigNode& root);

// Loads `path`, applies `overrides` (a.b=c) in order, validates the top level.
[[nodiscard]] RunConfig load_run_config(const std::string& path, const std::vector<std::string>& overrides);

}  // namespace aimcsim
