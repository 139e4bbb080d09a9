// The validated config of one run: which tile and chip, what to simulate, and on which
// workload. Built from a YAML file plus --set overrides into typed values before
// anything is built: every section is checked once, against its schema, so a typo
// anywhere is an error with file:line, and nothing below validates again.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "aimcsim/core/config.h"
#include "aimcsim/core/params.h"
#include "aimcsim/tile.h"
#include "src/chip/chip_params.h"
#include "src/functional/evaluator.h"
#include "src/system/system_params.h"

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
    TileConfig tile;      // the tile model and its parameters (device, ADC... included)
    ChipParams chip;      // the grid, interconnect and digital units around the tiles
    ConfigNode workload;  // `workload:` section (file + options), read by the run
    AccuracySettings accuracy;
    SimulationSettings simulation;
    std::vector<std::string> plugins;  // `plugins:` of the config, loaded by load_run_config
    SystemParams system;               // `system:` (several chips); system.enabled() false without it
};

// The schema of the top-level keys (sections are validated by their owners).
[[nodiscard]] ParamSchema run_config_schema();
[[nodiscard]] ParamSchema simulation_schema();

// Loads the plugins named by `plugins:` (a path or a list of paths) of a resolved
// config; a failure is a ConfigError at the entry that named the plugin.
std::vector<std::string> load_config_plugins(const ConfigNode& root);

// Loads `path`, applies `overrides` (a.b=c) in order, loads the plugins it names and
// validates every section (resolve_run_config).
// `labels[i]` (when given) is what the user typed for overrides[i] ("--batch 0"),
// which errors about it name.
[[nodiscard]] RunConfig load_run_config(const std::string& path, const std::vector<std::string>& overrides,
                                        const std::vector<std::string>& labels = {});

// The typed config of a resolved tree (plugins of `plugins:` loaded first).
[[nodiscard]] RunConfig resolve_run_config(ConfigNode root);

}  // namespace aimcsim
