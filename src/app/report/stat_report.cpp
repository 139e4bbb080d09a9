#include "src/app/report/stat_report.h"

#include <algorithm>
#include <cstdio>
#include <type_traits>

namespace aimcsim {

using nlohmann::json;

std::string significant(double v, int digits) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*g", digits, v);
    return buf;
}

json stat_json(const StatValue& v) {
    return std::visit(
        [](const auto& x) -> json {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, std::monostate>) {
                return json(nullptr);
            } else if constexpr (std::is_same_v<T, std::map<std::string, std::uint64_t>>) {
                json j = json::object();
                for (const auto& [name, count] : x) j[name] = count;
                return j;
            } else {
                return json(x);
            }
        },
        v);
}

std::string stat_text(const StatValue& v) {
    return std::visit(
        [](const auto& x) -> std::string {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, std::monostate>) {
                return "-";
            } else if constexpr (std::is_same_v<T, bool>) {
                return x ? "true" : "false";
            } else if constexpr (std::is_same_v<T, double>) {
                return significant(x, 6);
            } else if constexpr (std::is_same_v<T, std::string>) {
                return x;
            } else if constexpr (std::is_same_v<T, std::vector<std::uint64_t>>) {
                std::string s;
                for (std::size_t i = 0; i < x.size(); ++i) s += (i > 0 ? ", " : "") + std::to_string(x[i]);
                return "[" + s + "]";
            } else if constexpr (std::is_same_v<T, std::map<std::string, std::uint64_t>>) {
                std::string s;
                for (const auto& [name, count] : x) s += (s.empty() ? "" : ", ") + name + " " + std::to_string(count);
                return "{" + s + "}";
            } else {
                return std::to_string(x);
            }
        },
        v);
}

void put_at_path(json& report, const std::string& path, json value) {
    json* node = &report;
    std::size_t begin = 0;
    for (std::size_t dot = path.find('.'); dot != std::string::npos; dot = path.find('.', begin)) {
        node = &(*node)[path.substr(begin, dot - begin)];
        begin = dot + 1;
    }
    (*node)[path.substr(begin)] = std::move(value);
}

std::string stat_lines_text(const std::vector<StatLine>& lines) {
    std::size_t path_width = 0, value_width = 0, unit_width = 0;
    for (const StatLine& l : lines) {
        path_width = std::max(path_width, l.path.size());
        value_width = std::max(value_width, l.value.size());
        unit_width = std::max(unit_width, l.unit.size());
    }
    value_width = std::min<std::size_t>(value_width, 14);  // a long histogram does not push every value right
    const auto pad = [](std::size_t width, const std::string& s) {
        return std::string(width > s.size() ? width - s.size() : 0, ' ');
    };
    std::string out;
    for (const StatLine& l : lines) {
        std::string line = "  " + l.path + pad(path_width, l.path) + "  " + pad(value_width, l.value) + l.value;
        if (!l.description.empty())
            line += " " + l.unit + pad(unit_width, l.unit) + "  " + l.description;
        else if (!l.unit.empty())
            line += " " + l.unit;
        out += line + "\n";
    }
    return out;
}

}  // namespace aimcsim
