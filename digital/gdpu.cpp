#include "digital/gdpu.h"

#include <algorithm>
#include <stdexcept>

namespace aimcsim {

namespace {

std::uint64_t ceil_div(std::uint64_t a, std::uint64_t b) { return (a + b - 1) / b; }

// Levels of a binary reduction tree over `lanes` values.
std::uint64_t tree_levels(int lanes) {
    std::uint64_t levels = 0;
    while ((std::uint64_t{1} << levels) < static_cast<std::uint64_t>(lanes)) ++levels;
    return levels;
}

}  // namespace

GdpuBank::GdpuBank(const GdpuParams& params, std::vector<int> unit_tiles, int work_kinds) : params_(params) {
    if (params_.lanes < 1) throw std::logic_error("GdpuBank: lanes must be >= 1");
    if (params_.macs_per_cycle < 1) throw std::logic_error("GdpuBank: macs_per_cycle must be >= 1");
    for (int t : unit_tiles) {
        GdpuStats s;
        s.tile = t;
        s.busy_cycles_by_op.assign(static_cast<std::size_t>(work_kinds), 0);
        units_.push_back(std::move(s));
    }
    assigned_.assign(units_.size(), 0);
}

int GdpuBank::assign_nearest(int tile, const std::function<int(int, int)>& distance) {
    if (units_.empty()) throw std::logic_error("GdpuBank::assign_nearest: no units");
    int best = 0;
    for (int g = 1; g < size(); ++g) {
        const int d = distance(tile, units_[static_cast<std::size_t>(g)].tile);
        const int db = distance(tile, units_[static_cast<std::size_t>(best)].tile);
        if (d < db || (d == db && assigned_[static_cast<std::size_t>(g)] < assigned_[static_cast<std::size_t>(best)]))
            best = g;
    }
    ++assigned_[static_cast<std::size_t>(best)];
    return best;
}

std::uint64_t GdpuBank::pass_cycles(int values) const {
    return std::max<std::uint64_t>(
        1, ceil_div(static_cast<std::uint64_t>(values), static_cast<std::uint64_t>(params_.lanes)));
}

std::uint64_t GdpuBank::softmax_tail_cycles(int values) const {
    const std::uint64_t pass = ceil_div(static_cast<std::uint64_t>(values), static_cast<std::uint64_t>(params_.lanes));
    const std::uint64_t tree = tree_levels(params_.lanes);
    const auto lookup = static_cast<std::uint64_t>(params_.lookup_cycles);
    return tree + pass + lookup     // max over the lanes; exp pass with lane-wise sums; last exp out
           + tree + lookup + pass;  // sum over the lanes; 1/sum; normalisation
}

std::uint64_t GdpuBank::layernorm_tail_cycles(int values) const {
    const std::uint64_t pass = ceil_div(static_cast<std::uint64_t>(values), static_cast<std::uint64_t>(params_.lanes));
    return tree_levels(params_.lanes) + static_cast<std::uint64_t>(params_.layernorm_cycles) + pass;
}

std::uint64_t GdpuBank::matmul_cycles(std::uint64_t macs) const {
    return std::max<std::uint64_t>(1, ceil_div(macs, static_cast<std::uint64_t>(params_.macs_per_cycle)));
}

GdpuService GdpuBank::matmul(int unit, std::uint64_t macs, int kind, std::uint64_t ready_cycle) {
    GdpuService s = serve(unit, 0, matmul_cycles(macs), static_cast<std::uint64_t>(params_.matmul_cycles), kind,
                          ready_cycle);
    s.energy_pj = static_cast<double>(macs) * params_.energy_pj_per_mac;
    if (unit != kTileUnit) units_.at(static_cast<std::size_t>(unit)).macs += macs;
    return s;
}

GdpuService GdpuBank::pass(int unit, int values, std::uint64_t latency, int kind, std::uint64_t ready_cycle) {
    // A tile's digital unit has no occupancy modelled: the op takes its latency.
    const std::uint64_t occupancy = unit == kTileUnit ? 0 : pass_cycles(values);
    return serve(unit, values, occupancy, latency, kind, ready_cycle);
}

GdpuService GdpuBank::serve(int unit, int values, std::uint64_t occupancy, std::uint64_t latency, int kind,
                            std::uint64_t ready_cycle) {
    GdpuService s;
    s.energy_pj = values * params_.energy_pj_per_value;
    if (unit == kTileUnit) {  // no queue modelled
        s.start_cycle = ready_cycle;
        s.end_cycle = ready_cycle + occupancy;
        s.ready_cycle = s.end_cycle + latency;
        return s;
    }
    GdpuStats& g = units_.at(static_cast<std::size_t>(unit));
    s.start_cycle = std::max(ready_cycle, g.busy_until);
    s.end_cycle = s.start_cycle + occupancy;
    s.ready_cycle = s.end_cycle + latency;
    g.queue_cycles += s.start_cycle - ready_cycle;
    g.busy_until = s.end_cycle;
    g.busy_cycles += occupancy;
    g.busy_cycles_by_op.at(static_cast<std::size_t>(kind)) += occupancy;
    g.values += static_cast<std::uint64_t>(values);
    return s;
}

}  // namespace aimcsim
