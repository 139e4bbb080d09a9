#include "src/app/report/layers_csv.h"

#include <array>
#include <sstream>
#include <type_traits>

#include "src/chip/chip_counters.h"

namespace aimcsim {

namespace {

// The columns of layers.csv, in the order they have always had (spreadsheets and
// scripts read it by position): the header says what each counts. Every count and
// energy is per inference (the batch runs the same MVMs for each), every time is
// inference 0's. The values come from the declared layer columns.
struct Column {
    const char* header;
    const char* declared;  // the layer column of chip_counters()
    bool per_inference;    // declared for the whole run: divided by the inferences
};
constexpr std::array<Column, 11> kColumns = {{
    {"name", "name", false},
    {"op", "op", false},
    {"tiles", "tiles", false},
    {"row_blocks", "row_blocks", false},
    {"col_blocks", "col_blocks", false},
    {"mvms_per_inference", "mvms", true},
    {"inference0_start_ns", "start_ns", false},
    {"inference0_end_ns", "end_ns", false},
    {"inference0_latency_ns", "latency_ns", false},
    {"energy_per_inference_pj", "energy_pj", false},
    {"gdpu", "gdpu", false},
}};

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
    for (std::size_t c = 0; c < kColumns.size(); ++c) os << (c > 0 ? "," : "") << kColumns[c].header;
    os << '\n';
    const auto inferences = static_cast<std::uint64_t>(r.inferences > 0 ? r.inferences : 1);
    for (std::size_t row = 0; row < layers.rows(r); ++row) {
        for (std::size_t c = 0; c < kColumns.size(); ++c) {
            if (c > 0) os << ',';
            StatValue v = layers.column(kColumns[c].declared)->read(r, row);
            if (kColumns[c].per_inference) {
                const std::uint64_t whole_run = std::get<std::uint64_t>(v);
                if (whole_run % inferences == 0)
                    v = whole_run / inferences;
                else
                    v = static_cast<double>(whole_run) / static_cast<double>(inferences);
            }
            put_cell(os, v);
        }
        os << '\n';
    }
    return os.str();
}

}  // namespace aimcsim
