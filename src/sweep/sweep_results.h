// The results of a sweep: one row per point in DIR/results.jsonl (the record,
// appended one whole line per write) and DIR/results.csv (rebuilt from the rows and
// replaced by rename, so it is never half-written), plus DIR/sweep.json, the
// expanded spec that a resumed or merged sweep must match.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "src/sweep/sweep_spec.h"

namespace aimcsim::sweep {

using ojson = nlohmann::ordered_json;

struct PointResult {
    int index = 0;
    std::string id;
    std::string status;                                  // "ok" or "failed"
    int exit_code = 0;                                   // of the point's `aimcsim run`; -N: killed by signal N
    std::string error;                                   // one line; empty when ok
    std::vector<std::pair<std::string, ojson>> metrics;  // report key -> value (null: not in the report)
    double wall_s = 0.0;                                 // wall time of the point's process
    std::string run_dir;                                 // relative to the folder of the results files

    [[nodiscard]] bool ok() const { return status == "ok"; }
};

// Metrics of a report: each key's value, null when missing; a key naming an object
// gives its scalar leaves as key.sub.leaf, so new report keys need no code.
[[nodiscard]] std::vector<std::pair<std::string, ojson>> extract_metrics(const nlohmann::json& report,
                                                                         const std::vector<std::string>& keys);

// One JSON line (with the newline) of a point; `values` are the swept key -> YAML text.
[[nodiscard]] std::string row_json_line(const PointResult& r,
                                        const std::vector<std::pair<std::string, std::string>>& values);
[[nodiscard]] PointResult row_from_json(const ojson& j);

// The whole CSV text: a header, then the rows sorted by point.
[[nodiscard]] std::string render_csv(const SweepSpec& spec, std::vector<PointResult> rows);

// Complete rows of a results.jsonl. A trailing line without its newline (a write cut
// by a kill) and lines that do not parse are dropped; `dropped` counts them.
[[nodiscard]] std::vector<PointResult> read_rows(const std::string& jsonl_path, int* dropped = nullptr);

// Writes `text` to `path` via a temporary file and rename(2).
void write_file_atomic(const std::string& path, const std::string& text);

// Appends one whole line with a single write(2) on an O_APPEND descriptor.
class RowAppender {
public:
    explicit RowAppender(const std::string& path);
    ~RowAppender();
    RowAppender(const RowAppender&) = delete;
    RowAppender& operator=(const RowAppender&) = delete;
    void append(const std::string& line);

private:
    int fd_ = -1;
    std::string path_;
};

// sweep.json of a spec (what the points are), and the spec read back from it
// (points, parameters, metrics; enough to render and merge results).
[[nodiscard]] ojson spec_json(const SweepSpec& spec, const std::string& shard);
[[nodiscard]] SweepSpec spec_from_json(const ojson& j);

// `aimcsim sweep merge DIR... --out OUT`: the rows of several shard (or partial)
// folders of one sweep, one per point (an ok row wins over a failed one), into OUT.
// Returns the number of points missing or failed.
int merge_results(const std::vector<std::string>& dirs, const std::string& out, bool quiet);

}  // namespace aimcsim::sweep
