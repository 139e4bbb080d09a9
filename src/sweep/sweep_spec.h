// A design-space sweep: one YAML file names a base config and the parameters to
// vary (key path -> list of values, or a range), combined as a product or zipped.
// Each point is the base config plus `--set` overrides, so any key that `aimcsim
// run --set` accepts can be swept. The whole spec is expanded and every point's
// config validated (without simulating) before the first point runs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "aimcsim/core/config.h"

namespace aimcsim::sweep {

// One swept parameter: a key path and its values as YAML flow text (what `--set`
// takes after the `=`).
struct SweepParam {
    std::string key;
    std::vector<std::string> values;
    SourceLoc loc;                      // where the sweep file names it (for errors)
    std::vector<SourceLoc> value_locs;  // where each value is written (a range: the range)
};

struct SweepPoint {
    int index = 0;
    std::string id;                                           // "p0003": its run directory under points/
    std::vector<std::pair<std::string, std::string>> values;  // swept key -> YAML value, in parameter order
    std::vector<std::string> overrides;                       // fixed `set:` then the point's values, "k=v"
};

enum class Combine { Product, Zip };

struct SweepSpec {
    std::string file;  // the sweep file (absolute)
    std::string name;
    std::string config;                                      // base config (absolute)
    std::string command = "run";                             // what every point runs: `aimcsim run` or `aimcsim train`
    std::vector<std::pair<std::string, std::string>> fixed;  // `set:` key -> YAML value, every point
    std::vector<SourceLoc> fixed_locs;
    Combine combine = Combine::Product;
    std::vector<SweepParam> params;
    std::vector<std::string> metrics;   // report keys extracted into the results
    std::vector<std::string> required;  // metrics the spec named: a column even if no report has it
    std::vector<SweepPoint> points;

    // Stable digest of what defines the points (config, overrides, metrics): a
    // resumed or merged sweep must have the same one.
    [[nodiscard]] std::string fingerprint() const;
    [[nodiscard]] std::vector<std::string> param_keys() const;
};

// Report keys put in results.csv when the spec does not list `metrics:`. Keys a
// report does not have give empty cells; a column no point has is left out.
[[nodiscard]] const std::vector<std::string>& default_metrics();
// The same for `command: train`: the per-epoch arrays of the training report.
[[nodiscard]] const std::vector<std::string>& default_training_metrics();

// Reads and expands a sweep file. Structural errors (unknown keys, empty lists,
// zip of unequal lengths, bad ranges) are ConfigErrors with file:line:col.
[[nodiscard]] SweepSpec load_sweep_spec(const std::string& path);

// Validates every point's config with validate_run (src/app/run.h), as `aimcsim run`
// would before simulating. A problem is an InputError naming the sweep file's line of
// the parameter at fault and the point.
void validate_points(const SweepSpec& spec);

// `key=value` with a relative file name (keys ending in file, _path, _dir) made
// absolute against the working directory, so points run from anywhere find it.
[[nodiscard]] std::string absolutize_file_override(const std::string& assignment);

// YAML flow text of a config value ("8", "[1, 3600]", "\"a, b\"").
[[nodiscard]] std::string to_flow_yaml(const ConfigNode& node);

// 64-bit FNV-1a, hex.
[[nodiscard]] std::string fnv1a_hex(const std::string& text);

}  // namespace aimcsim::sweep
