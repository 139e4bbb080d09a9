// `aimcsim validate`: reruns the published silicon figures from component
// parameters and compares. The cases are data (configs/validation/*.yaml): a config,
// overrides, a report key, the published value with its unit, tolerance and source,
// and whether the figure calibrated a parameter or is predicted by the model.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace aimcsim {

// What a case checks: the arithmetic of a parameter fitted to this very figure
// (calibrated), the model itself (predicted), or our own earlier result (regression).
enum class CaseRole { Calibrated, Predicted, Regression };

struct ValidationCase {
    std::string name;
    std::string figure;                  // what the published number is, in words
    std::string source;                  // paper, table or figure
    std::string file;                    // the case file and line it was read from, for messages
    std::string config;                  // absolute path of the run config
    std::vector<std::string> overrides;  // KEY.PATH=VALUE, applied after the config
    std::string key;                     // dotted path into report.json (array items by index)
    double published = 0.0;
    std::string unit;
    double tolerance_pct = 0.0;  // |simulated - published| / |published| allowed, in %
    CaseRole role = CaseRole::Predicted;
    std::string note;  // how the figure is defined, what was fitted to it
    // Non-empty: the model is known not to reproduce this figure, and why (what would
    // close the gap). Such a case outside its tolerance is a known gap, not a failure;
    // inside it, it fails as "gap closed" so the mark is removed (a strict expected failure).
    std::string known_gap;
};

// within: inside the tolerance; outside: a failure; gap: outside, as declared by
// known_gap; gap_closed: declared a gap but now inside the tolerance (a failure too).
enum class Verdict { Within, Outside, KnownGap, GapClosed };

struct CaseResult {
    const ValidationCase* c = nullptr;
    double simulated = 0.0;
    double error_pct = 0.0;  // (simulated - published) / |published| * 100
    Verdict verdict = Verdict::Outside;
    [[nodiscard]] bool within() const { return verdict == Verdict::Within; }
    // What the exit status counts: a known gap that stays a gap does not fail the run.
    [[nodiscard]] bool fails() const { return verdict == Verdict::Outside || verdict == Verdict::GapClosed; }
};

// Reads every *.yaml of `dir` (sorted by name); bad files throw InputError naming
// file, line and key.
[[nodiscard]] std::vector<ValidationCase> load_validation_cases(const std::string& dir);

// Runs the cases, one simulation per distinct (config, overrides) pair, with
// `extra_overrides` applied after each case's own.
[[nodiscard]] std::vector<CaseResult> run_validation(const std::vector<ValidationCase>& cases,
                                                     const std::vector<std::string>& extra_overrides);

[[nodiscard]] std::string validation_table(const std::vector<CaseResult>& results);
[[nodiscard]] nlohmann::json validation_json(const std::vector<CaseResult>& results);
[[nodiscard]] std::string validation_csv(const std::vector<CaseResult>& results);

// The `validate` command: exit 0 when every case is within tolerance or a declared
// known gap, 1 when any is not (listing them), InputError (exit 2) on bad input.
int run_validate_command(const std::vector<std::string>& args);

}  // namespace aimcsim
