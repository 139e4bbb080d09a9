// One CSV cell: quoted (with inner quotes doubled) only when it holds a comma, a
// quote or a line break. Shared by the sweep results and the validation table.
#pragma once

#include <string>

namespace aimcsim {

[[nodiscard]] inline std::string csv_cell(const std::string& s) {
    if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
    std::string q = "\"";
    for (char c : s) {
        if (c == '"') q += '"';
        q += c;
    }
    return q + "\"";
}

}  // namespace aimcsim
