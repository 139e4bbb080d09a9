// The generic half of the report writer: declared statistics (core/stats.h) into
// report.json objects and report.txt lines. It knows no field by name: a field
// declared once shows in every output.
#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

#include "aimcsim/core/stats.h"

namespace aimcsim {

// `v` to `digits` significant digits (printf %g).
[[nodiscard]] std::string significant(double v, int digits = 4);

// null, true, 12, 0.5, "name", [1, 2], {"a": 1}.
[[nodiscard]] nlohmann::json stat_json(const StatValue& v);

// As a person reads it: "-" for nothing, doubles to 6 significant digits,
// "1, 2" for a histogram, "a 1, b 2" for counts by name.
[[nodiscard]] std::string stat_text(const StatValue& v);

// `value` at the dotted `path` of `report` ("performance.energy_breakdown_pj.adc"),
// creating the objects on the way.
void put_at_path(nlohmann::json& report, const std::string& path, nlohmann::json value);

// One report.txt line per field, in columns: "  <path>  <value> <unit>  <description>".
struct StatLine {
    std::string path, value, unit, description;
};
[[nodiscard]] std::string stat_lines_text(const std::vector<StatLine>& lines);

// Every field and table of `d` read from `r`, at their paths.
template <class Result> [[nodiscard]] nlohmann::json declared_json(const Result& r, const StatDeclarations<Result>& d) {
    nlohmann::json j = nlohmann::json::object();
    for (const StatField<Result>& f : d.fields) put_at_path(j, f.path, stat_json(f.read(r)));
    for (const StatTable<Result>& t : d.tables) {
        nlohmann::json rows = nlohmann::json::array();
        const std::size_t n = t.rows(r);
        for (std::size_t i = 0; i < n; ++i) {
            nlohmann::json row = nlohmann::json::object();
            for (const StatColumn<Result>& c : t.columns) row[c.name] = stat_json(c.read(r, i));
            rows.push_back(std::move(row));
        }
        put_at_path(j, t.path, std::move(rows));
    }
    return j;
}

// Every field of `d` read from `r`, one line each with its unit and meaning.
// (Tables are for the writer of each kind of run to lay out.)
template <class Result> [[nodiscard]] std::string declared_text(const Result& r, const StatDeclarations<Result>& d) {
    std::vector<StatLine> lines;
    for (const StatField<Result>& f : d.fields) lines.push_back({f.path, stat_text(f.read(r)), f.unit, f.description});
    return stat_lines_text(lines);
}

}  // namespace aimcsim
