#include "src/app/validate.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "aimcsim/core/config.h"
#include "aimcsim/core/error.h"
#include "aimcsim/core/params.h"
#include "src/app/csv_cell.h"
#include "src/app/run.h"
#include "src/sweep/sweep_spec.h"

#ifndef AIMCSIM_VALIDATION_DIR
#define AIMCSIM_VALIDATION_DIR "configs/validation"
#endif
#ifndef AIMCSIM_INSTALLED_VALIDATION_DIR
#define AIMCSIM_INSTALLED_VALIDATION_DIR "/usr/share/aimcsim/configs/validation"
#endif

namespace aimcsim {

namespace {

const char* kValidateUsage =
    "usage: aimcsim validate [--out DIR] [--only NAME]... [--cases DIR] [--set KEY.PATH=VALUE]...\n"
    "Reruns every published silicon figure of configs/validation/*.yaml from the component\n"
    "parameters and prints figure, published, simulated, error and tolerance.\n"
    "options:\n"
    "  --out, -o DIR        also write DIR/validation.json and DIR/validation.csv\n"
    "  --only NAME          run only this case (repeatable)\n"
    "  --cases DIR          folder of case files (default: the shipped configs/validation)\n"
    "  --set KEY.PATH=VALUE override a config value in every run (repeatable)\n"
    "exit status: 0 every case within tolerance or a declared known gap, 1 some case is not (listed),\n"
    "2 bad input\n";

const char* verdict_name(Verdict v) {
    switch (v) {
        case Verdict::Within: return "ok";
        case Verdict::Outside: return "FAIL";
        case Verdict::KnownGap: return "gap";
        case Verdict::GapClosed: return "FAIL (gap closed: remove known_gap)";
    }
    return "?";
}

// "13/14 figures within tolerance" plus the known gaps, if any, by name.
std::string summary_line(const std::vector<CaseResult>& results) {
    int within = 0;
    std::string gaps;
    for (const CaseResult& r : results) {
        within += r.within() ? 1 : 0;
        if (r.verdict == Verdict::KnownGap) gaps += (gaps.empty() ? "" : ", ") + r.c->name;
    }
    std::string line = std::to_string(within) + "/" + std::to_string(results.size()) + " figures within tolerance";
    if (!gaps.empty()) line += "; known gaps (docs/validation.md): " + gaps;
    return line;
}

const char* role_name(CaseRole r) {
    switch (r) {
        case CaseRole::Calibrated: return "calibrated";
        case CaseRole::Predicted: return "predicted";
        case CaseRole::Regression: return "regression";
    }
    return "?";
}

ParamSchema case_schema() {
    ParamSchema s;
    s.string("name", "", "short identifier, unique over all case files").required();
    s.string("figure", "", "what the published number is, in words").required();
    s.string("source", "", "paper and table or figure the number comes from (default: the file's `source`)");
    s.string("config_file", "", "run config, relative to the case file").required();
    s.section("set", "overrides applied after the config: KEY.PATH: VALUE");
    s.string("key", "", "dotted path of the figure in report.json (array items by index)").required();
    s.real("published", 0.0, "", "the published value").required();
    s.string("unit", "", "unit of the published value");
    s.real("tolerance_pct", 0.0, "%", "largest |simulated - published| / |published| accepted").positive().required();
    s.string("role", "", "calibrated: a parameter was fitted to this figure; predicted: nothing was")
        .choices({"calibrated", "predicted", "regression"})
        .required();
    s.string("note", "", "how the figure is defined and what, if anything, was fitted to it");
    s.string("known_gap", "",
             "the model is known not to reproduce this figure: why, and what would close the gap (the case then "
             "reports `gap` instead of failing, and fails as `gap closed` once it is within tolerance)");
    return s;
}

// `set:` as KEY.PATH=VALUE strings, in file order, each value written back as YAML
// the way sweeps write theirs.
std::vector<std::string> overrides_of(const ConfigNode& set) {
    std::vector<std::string> out;
    if (set.is_null()) return out;
    if (!set.is_map()) throw set.error("expected a map of KEY.PATH: VALUE overrides");
    for (const auto& [key, value] : set.entries()) {
        if (value.is_map()) throw value.error("expected a value (a scalar or a list) for override '" + key + "'");
        out.push_back(key + "=" + sweep::to_flow_yaml(value));
    }
    return out;
}

std::vector<ValidationCase> load_case_file(const std::string& path) {
    const ConfigNode root = load_config_file(path);
    ParamSchema file_schema;
    file_schema.string("source", "", "default source of the file's cases");
    const Params fp = file_schema.parse(root, {"base", "cases"});  // `cases` is a list, read below
    if (!root.has("cases")) throw root.error("missing key 'cases' (the list of validation cases)");
    const ConfigNode& list = root.at("cases");
    if (!list.is_seq() || list.items().empty()) throw list.error("expected a non-empty list of cases");
    const ParamSchema schema = case_schema();
    std::vector<ValidationCase> cases;
    for (const ConfigNode& item : list.items()) {
        const Params p = schema.parse(item, {});
        ValidationCase c;
        c.name = p.str("name");
        c.figure = p.str("figure");
        c.source = p.str("source").empty() ? fp.str("source") : p.str("source");
        if (c.source.empty()) throw p.error("source", "every case needs a source (here or at the file's top level)");
        c.file = item.loc().file + ":" + std::to_string(item.loc().line);
        const std::filesystem::path config(p.str("config_file"));  // relative to the case file
        c.config = config.is_absolute()
                       ? config.string()
                       : (std::filesystem::path(path).parent_path() / config).lexically_normal().string();
        c.overrides = overrides_of(p.section("set"));
        c.key = p.str("key");
        c.published = p.real("published");
        if (c.published == 0.0) throw p.error("published", "a published value of 0 has no relative error");
        c.unit = p.str("unit");
        c.tolerance_pct = p.real("tolerance_pct");
        const std::string role = p.str("role");
        c.role = role == "calibrated"  ? CaseRole::Calibrated
                 : role == "predicted" ? CaseRole::Predicted
                                       : CaseRole::Regression;
        c.note = p.str("note");
        c.known_gap = p.str("known_gap");
        cases.push_back(std::move(c));
    }
    return cases;
}

// The value at `key` (a.b.0.c) of a report; InputError naming the case if absent.
double report_value(const nlohmann::json& report, const ValidationCase& c) {
    const nlohmann::json* node = &report;
    std::string walked;
    std::istringstream parts(c.key);
    for (std::string part; std::getline(parts, part, '.');) {
        const nlohmann::json* next = nullptr;
        if (node->is_object() && node->contains(part)) {
            next = &node->at(part);
        } else if (node->is_array() && !part.empty() && std::all_of(part.begin(), part.end(), ::isdigit) &&
                   std::stoul(part) < node->size()) {
            next = &node->at(std::stoul(part));
        }
        if (next == nullptr) {
            std::string have;
            if (node->is_object())
                for (const auto& [k, v] : node->items()) have += (have.empty() ? "" : ", ") + k;
            throw InputError(c.file + ": case '" + c.name + "': key '" + c.key + "': the report has no '" + part +
                             "' under '" + (walked.empty() ? "(top)" : walked) + "'" +
                             (have.empty() ? std::string() : " (it has: " + have + ")"));
        }
        walked += (walked.empty() ? "" : ".") + part;
        node = next;
    }
    if (!node->is_number())
        throw InputError(c.file + ": case '" + c.name + "': key '" + c.key + "' is not a number: " + node->dump());
    return node->get<double>();
}

std::string fixed(double v, int digits) {
    std::ostringstream s;
    s.setf(std::ios::fixed);
    s.precision(digits);
    s << v;
    return s.str();
}

// Enough significant digits to compare with the published figure.
std::string figure_text(double v) {
    const double a = std::abs(v);
    return fixed(v, a >= 100 ? 1 : a >= 10 ? 2 : a >= 1 ? 3 : 4);
}

}  // namespace

std::vector<ValidationCase> load_validation_cases(const std::string& dir) {
    namespace fs = std::filesystem;
    if (!fs::is_directory(dir)) throw InputError("validate: '" + dir + "' is not a folder of case files");
    std::vector<std::string> files;
    for (const auto& e : fs::directory_iterator(dir))
        if (e.path().extension() == ".yaml") files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    if (files.empty()) throw InputError("validate: no *.yaml case files in '" + dir + "'");
    std::vector<ValidationCase> cases;
    std::map<std::string, std::string> seen;  // name -> where
    for (const std::string& f : files) {
        for (ValidationCase& c : load_case_file(f)) {
            const auto [it, fresh] = seen.emplace(c.name, c.file);
            if (!fresh) throw InputError(c.file + ": case name '" + c.name + "' is already used at " + it->second);
            cases.push_back(std::move(c));
        }
    }
    return cases;
}

std::vector<CaseResult> run_validation(const std::vector<ValidationCase>& cases,
                                       const std::vector<std::string>& extra_overrides) {
    std::map<std::vector<std::string>, nlohmann::json> reports;  // (config, overrides...) -> report
    std::vector<CaseResult> results;
    for (const ValidationCase& c : cases) {
        std::vector<std::string> run_key{c.config};
        run_key.insert(run_key.end(), c.overrides.begin(), c.overrides.end());
        run_key.insert(run_key.end(), extra_overrides.begin(), extra_overrides.end());
        auto it = reports.find(run_key);
        if (it == reports.end()) {
            RunOptions o;
            o.config_path = c.config;
            o.overrides.assign(run_key.begin() + 1, run_key.end());
            o.quiet = true;
            it = reports.emplace(run_key, run_simulation(o).report).first;
        }
        CaseResult r;
        r.c = &c;
        r.simulated = report_value(it->second, c);
        r.error_pct = (r.simulated - c.published) / std::abs(c.published) * 100.0;
        const bool inside = std::abs(r.error_pct) <= c.tolerance_pct;
        r.verdict = c.known_gap.empty() ? (inside ? Verdict::Within : Verdict::Outside)
                                        : (inside ? Verdict::GapClosed : Verdict::KnownGap);
        results.push_back(r);
    }
    return results;
}

std::string validation_table(const std::vector<CaseResult>& results) {
    std::size_t wname = 4, wfig = 6;
    for (const CaseResult& r : results) {
        wname = std::max(wname, r.c->name.size());
        wfig = std::max(wfig, r.c->figure.size());
    }
    auto pad = [](std::string s, std::size_t w, bool right = false) {
        if (s.size() >= w) return s;
        return right ? std::string(w - s.size(), ' ') + s : s + std::string(w - s.size(), ' ');
    };
    std::ostringstream t;
    t << pad("case", wname) << "  " << pad("figure", wfig) << "  " << pad("published", 10, true) << "  "
      << pad("simulated", 10, true) << "  " << pad("unit", 8) << pad("error", 8, true) << pad("tol", 7, true) << "  "
      << pad("role", 11) << "verdict\n";
    for (const CaseResult& r : results) {
        const ValidationCase& c = *r.c;
        t << pad(c.name, wname) << "  " << pad(c.figure, wfig) << "  " << pad(figure_text(c.published), 10, true)
          << "  " << pad(figure_text(r.simulated), 10, true) << "  " << pad(c.unit, 8)
          << pad((r.error_pct >= 0 ? "+" : "") + fixed(r.error_pct, 1) + "%", 8, true)
          << pad(fixed(c.tolerance_pct, c.tolerance_pct < 1 ? 1 : 0) + "%", 7, true) << "  "
          << pad(role_name(c.role), 11) << verdict_name(r.verdict) << "\n";
    }
    t << "validate: " << summary_line(results) << "\n";
    return t.str();
}

nlohmann::json validation_json(const std::vector<CaseResult>& results) {
    nlohmann::json cases = nlohmann::json::array();
    int passed = 0;
    for (const CaseResult& r : results) {
        const ValidationCase& c = *r.c;
        cases.push_back({{"name", c.name},
                         {"figure", c.figure},
                         {"source", c.source},
                         {"config", c.config},
                         {"overrides", c.overrides},
                         {"key", c.key},
                         {"published", c.published},
                         {"simulated", r.simulated},
                         {"unit", c.unit},
                         {"error_pct", r.error_pct},
                         {"tolerance_pct", c.tolerance_pct},
                         {"role", role_name(c.role)},
                         {"note", c.note},
                         {"known_gap", c.known_gap},
                         {"verdict", verdict_name(r.verdict)},
                         {"ok", r.within()}});
        passed += r.within() ? 1 : 0;
    }
    return {{"schema", "aimcsim.validation/2"},
            {"cases", cases},
            {"passed", passed},
            {"total", static_cast<int>(results.size())},
            {"summary", summary_line(results)}};
}

std::string validation_csv(const std::vector<CaseResult>& results) {
    std::ostringstream s;
    s << "name,figure,published,simulated,unit,error_pct,tolerance_pct,role,ok,verdict,source\n";
    s.precision(10);
    for (const CaseResult& r : results) {
        const ValidationCase& c = *r.c;
        s << csv_cell(c.name) << "," << csv_cell(c.figure) << "," << c.published << "," << r.simulated << ","
          << csv_cell(c.unit) << "," << r.error_pct << "," << c.tolerance_pct << "," << role_name(c.role) << ","
          << (r.within() ? "true" : "false") << "," << csv_cell(verdict_name(r.verdict)) << "," << csv_cell(c.source)
          << "\n";
    }
    return s.str();
}

int run_validate_command(const std::vector<std::string>& args) {
    // The source tree's cases when it is still there, else the installed ones.
    std::string out_dir, cases_dir = std::filesystem::is_directory(AIMCSIM_VALIDATION_DIR)
                                         ? AIMCSIM_VALIDATION_DIR
                                         : AIMCSIM_INSTALLED_VALIDATION_DIR;
    std::vector<std::string> only, overrides;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto value = [&](const std::string& flag) -> std::string {
            if (i + 1 >= args.size()) throw InputError("validate: " + flag + " needs a value");
            return args[++i];
        };
        if (a == "--help" || a == "-h") {
            std::cout << kValidateUsage;
            return 0;
        } else if (a == "--out" || a == "-o") {
            out_dir = value(a);
        } else if (a == "--only") {
            only.push_back(value(a));
        } else if (a == "--cases") {
            cases_dir = value(a);
        } else if (a == "--set") {
            overrides.push_back(value(a));
        } else {
            throw InputError("validate: unexpected argument '" + a + "'\n" + kValidateUsage);
        }
    }
    std::vector<ValidationCase> cases = load_validation_cases(cases_dir);
    if (!only.empty()) {
        std::vector<std::string> names;
        for (const ValidationCase& c : cases) names.push_back(c.name);
        for (const std::string& n : only) {
            if (std::find(names.begin(), names.end(), n) == names.end()) {
                const std::string near = did_you_mean(n, names);
                throw InputError("validate: --only: no case named '" + n + "'" +
                                 (near.empty() ? std::string() : " (did you mean '" + near + "'?)"));
            }
        }
        cases.erase(std::remove_if(cases.begin(), cases.end(),
                                   [&](const ValidationCase& c) {
                                       return std::find(only.begin(), only.end(), c.name) == only.end();
                                   }),
                    cases.end());
    }
    const std::vector<CaseResult> results = run_validation(cases, overrides);
    std::cout << validation_table(results);
    if (!out_dir.empty()) {
        std::filesystem::create_directories(out_dir);
        std::ofstream(out_dir + "/validation.json") << validation_json(results).dump(2) << "\n";
        std::ofstream(out_dir + "/validation.csv") << validation_csv(results);
        std::cout << "wrote " << out_dir << "/validation.json, validation.csv\n";
    }
    std::string failed;
    for (const CaseResult& r : results)
        if (r.fails()) failed += (failed.empty() ? "" : ", ") + r.c->name;
    if (failed.empty()) return 0;
    std::cerr << "validate: failed: " << failed << "\n";
    return 1;
}

}  // namespace aimcsim
