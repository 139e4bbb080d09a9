// Runs the points of a sweep in N worker processes: each point is this binary's
// `aimcsim run` in its own folder DIR/points/<id>/ (report.json, report.txt,
// resolved_config.yaml, log.txt); each finished point appends one row to
// DIR/results.jsonl and refreshes DIR/results.csv.
#pragma once

#include <string>
#include <vector>

namespace aimcsim::sweep {

struct SweepOptions {
    std::string spec_path;
    std::string out_dir;
    std::vector<std::string> sets;  // --set k=v for every point (after the spec's `set:`)
    int jobs = 0;                   // 0: the CPUs this process may use
    bool resume = false;
    int shard_index = 0;  // run points with index % shard_count == shard_index
    int shard_count = 1;
    bool dry_run = false;           // validate and list the points, run nothing
    std::string progress = "auto";  // auto | bar | lines | none
    std::string exe;                // the aimcsim binary (default: /proc/self/exe)
};

// Exit status of a sweep whose points did not all succeed (the others still ran).
inline constexpr int kSweepPointsFailedExit = 3;

// Returns 0 when every point of the shard succeeded, kSweepPointsFailedExit if some
// failed; throws InputError (exit 2) for a bad spec before any point runs.
int run_sweep(const SweepOptions& opts);

}  // namespace aimcsim::sweep
