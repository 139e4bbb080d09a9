#include "src/app/report/layers_csv.h"

#include <array>
#include <sstream>
#include <type_traits>

#include "src/chip/chip_counters.h"

namespace aimcsim {

namespace {

// The columns layers.csv has always had, in that order (spreadsheets and scripts
// read it by position); the values come from the declared layer columns.
constexpr std::array<const char*, 11> kColumns = {
    "name", "op", "tiles", "row_blocks", "col_blocks", "mvms", "start_ns", "end_ns", "latency_ns", "energy_pj", "gdpu"};

// A CSV cell: nothing for null, numbers as a stream prints them (6 significant digits).
void put_cell(std::ostream& os, const StatValue& v) {
    std::visit(
        [&os](const auto& x) {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, std::int64_t> || std::is_same_v<T, std::uint64_t> ||
                          std::is_same_v<T, double> || std::is_same_v<T, std::string>) {
                os << x;
            } else if constexpr (std::is_same_v<T, bool>) {
                os << (x ? "true" : "false");
            }  // null, histograms and counts by name: an empty cell
        },
        v);
}

}  // namespace

std::string layers_csv(const ChipRunResult& r) {
    const StatTable<ChipRunResult>& layers = *chip_counters().table("layers");
    std::ostringstream os;
    for (std::size_t c = 0; c < kColumns.size(); ++c) os << (c > 0 ? "," : "") << kColumns[c];
    os << '\n';
    for (std::size_t row = 0; row < layers.rows(r); ++row) {
        for (std::size_t c = 0; c < kColumns.size(); ++c) {
            if (c > 0) os << ',';
            put_cell(os, layers.column(kColumns[c])->read(r, row));
        }
        os << '\n';
    }
    return os.str();
}

}  // namespace aimcsim
