// Statistics, each declared once with a name, a unit and a description:
// - Stat / StatGroup: plain counters a module bumps on the hot path, read out into
//   the report only at the end;
// - StatField / StatTable: the fields of a run's result (a plain struct), declared
//   as a list that the report writer walks, so that a new report field is one
//   declaration and every output (report.json, report.txt) shows it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace aimcsim {

class Stat {
public:
    Stat(std::string name, std::string unit, std::string description)
        : name_(std::move(name)), unit_(std::move(unit)), description_(std::move(description)) {}

    void add(double v) { value_ += v; }
    void inc() { value_ += 1.0; }
    void set(double v) { value_ = v; }
    void max_of(double v) { value_ = v > value_ ? v : value_; }

    [[nodiscard]] double value() const { return value_; }
    [[nodiscard]] const std::string& name() const { return name_; }
    [[nodiscard]] const std::string& unit() const { return unit_; }
    [[nodiscard]] const std::string& description() const { return description_; }

private:
    std::string name_, unit_, description_;
    double value_ = 0.0;
};

// The counters of one component ("tile0", "noc"). Stats are stable in memory
// (deque), so a module keeps plain references to its counters.
class StatGroup {
public:
    explicit StatGroup(std::string name) : name_(std::move(name)) {}

    Stat& declare(const std::string& name, const std::string& unit, const std::string& description) {
        return stats_.emplace_back(name, unit, description);
    }
    [[nodiscard]] const Stat* find(const std::string& name) const {
        for (const auto& s : stats_) {
            if (s.name() == name) return &s;
        }
        return nullptr;
    }
    [[nodiscard]] double value(const std::string& name) const {
        const Stat* s = find(name);
        return s != nullptr ? s->value() : 0.0;
    }
    [[nodiscard]] const std::string& name() const { return name_; }
    [[nodiscard]] const std::deque<Stat>& stats() const { return stats_; }

private:
    std::string name_;
    std::deque<Stat> stats_;
};

// What a report field holds: nothing (null), a flag, a signed or unsigned count, a
// measure, a name, a histogram ([i] = how many fell in bucket i) or counts by name.
using StatValue = std::variant<std::monostate, bool, std::int64_t, std::uint64_t, double, std::string,
                               std::vector<std::uint64_t>, std::map<std::string, std::uint64_t>>;

// A StatValue from a plain value: signed integers become int64, unsigned ones
// uint64, floating point double, C strings std::string (std::variant would
// otherwise take an int or a const char* for a bool, or find int ambiguous).
template <class T> [[nodiscard]] StatValue stat_value(T v) {
    if constexpr (std::is_same_v<T, StatValue> || std::is_same_v<T, bool>) {
        return v;
    } else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
        return static_cast<std::int64_t>(v);
    } else if constexpr (std::is_integral_v<T>) {
        return static_cast<std::uint64_t>(v);
    } else if constexpr (std::is_floating_point_v<T>) {
        return static_cast<double>(v);
    } else if constexpr (std::is_convertible_v<T, std::string>) {
        return std::string(std::move(v));
    } else {
        return StatValue(std::move(v));
    }
}

// A field of a run's result: where it sits in the report (a dotted path, e.g.
// "performance.latency_ns"), its unit ("" for names, flags and counts of what the
// name says), what it means, and how to read it.
template <class Result> struct StatField {
    std::string path;
    std::string unit;
    std::string description;
    std::function<StatValue(const Result&)> read;
};

// A field whose `read` returns any value stat_value() takes.
template <class Result, class Read>
[[nodiscard]] StatField<Result> stat_field(std::string path, std::string unit, std::string description, Read read) {
    return {std::move(path), std::move(unit), std::move(description),
            [read](const Result& r) { return stat_value(read(r)); }};
}

// A column of a table: read from the result and the row index.
template <class Result> struct StatColumn {
    std::string name;
    std::string unit;
    std::string description;
    std::function<StatValue(const Result&, std::size_t)> read;
};

// A column whose `read` returns any value stat_value() takes.
template <class Result, class Read>
[[nodiscard]] StatColumn<Result> stat_column(std::string name, std::string unit, std::string description, Read read) {
    return {std::move(name), std::move(unit), std::move(description),
            [read](const Result& r, std::size_t row) { return stat_value(read(r, row)); }};
}

// A table of a run's result (a list of objects in report.json), e.g. one row per layer.
template <class Result> struct StatTable {
    std::string path;
    std::string description;  // what a row is
    std::function<std::size_t(const Result&)> rows;
    std::vector<StatColumn<Result>> columns;
    [[nodiscard]] const StatColumn<Result>* column(const std::string& name) const {
        for (const auto& c : columns) {
            if (c.name == name) return &c;
        }
        return nullptr;
    }
};

// Everything a kind of run reports, in the order a text report lists it.
template <class Result> struct StatDeclarations {
    std::vector<StatField<Result>> fields;
    std::vector<StatTable<Result>> tables;
    [[nodiscard]] const StatTable<Result>* table(const std::string& path) const {
        for (const auto& t : tables) {
            if (t.path == path) return &t;
        }
        return nullptr;
    }
};

}  // namespace aimcsim
