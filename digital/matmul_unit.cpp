#include "digital/matmul_unit.h"

#include <algorithm>
#include <stdexcept>

namespace aimcsim {

MatmulUnitBank::MatmulUnitBank(const MatmulUnitParams& params, std::vector<int> unit_tiles) : params_(params) {
    if (params_.macs_per_cycle < 1) throw std::logic_error("MatmulUnitBank: macs_per_cycle must be >= 1");
    for (int t : unit_tiles) {
        MatmulUnitStats s;
        s.tile = t;
        units_.push_back(s);
    }
    assigned_.assign(units_.size(), 0);
}

int MatmulUnitBank::assign_nearest(int tile, const std::function<int(int, int)>& distance) {
    if (units_.empty()) throw std::logic_error("MatmulUnitBank::assign_nearest: no units");
    int best = 0;
    for (int u = 1; u < size(); ++u) {
        const int d = distance(tile, units_[static_cast<std::size_t>(u)].tile);
        const int db = distance(tile, units_[static_cast<std::size_t>(best)].tile);
        if (d < db || (d == db && assigned_[static_cast<std::size_t>(u)] < assigned_[static_cast<std::size_t>(best)]))
            best = u;
    }
    ++assigned_[static_cast<std::size_t>(best)];
    return best;
}

std::uint64_t MatmulUnitBank::row_cycles(std::uint64_t macs) const {
    const auto per = static_cast<std::uint64_t>(params_.macs_per_cycle);
    return std::max<std::uint64_t>(1, (macs + per - 1) / per);
}

MatmulService MatmulUnitBank::row(int unit, std::uint64_t macs, std::uint64_t ready_cycle) {
    MatmulUnitStats& u = units_.at(static_cast<std::size_t>(unit));
    MatmulService s;
    s.start_cycle = std::max(ready_cycle, u.busy_until);
    s.end_cycle = s.start_cycle + row_cycles(macs);
    s.ready_cycle = s.end_cycle + static_cast<std::uint64_t>(params_.latency_cycles);
    s.energy_pj = static_cast<double>(macs) * params_.energy_pj_per_mac;
    u.queue_cycles += s.start_cycle - ready_cycle;
    u.busy_until = s.end_cycle;
    u.busy_cycles += s.end_cycle - s.start_cycle;
    u.macs += macs;
    ++u.rows;
    return s;
}

}  // namespace aimcsim
