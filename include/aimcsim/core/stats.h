// Statistics: plain counters on the hot path, each declared once with a name,
// a unit and a description; read out into the report only at the end.
#pragma once

#include <cstdint>
#include <deque>
#include <string>

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

}  // namespace aimcsim
