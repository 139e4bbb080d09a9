// Dedicated digital matrix-multiply units (`chip.matmul_unit:`), the alternative
// place for attention's products of two activations (Q K^T, A V) when
// `chip.attention: matmul_unit`: an output-stationary array of MAC cells on a
// router of the grid, fed one output row at a time. Timing, energy and queueing
// only; what the product computes is the caller's business.
//
// Model: a unit is one server doing `macs_per_cycle` multiply-accumulates per
// cycle. A row of M MACs holds it max(1, ceil(M / macs_per_cycle)) cycles, first
// come first served in call order (start at max(ready, busy until)); its result is
// ready `latency_cycles` after that (the array's drain). Energy: energy_pj_per_mac
// per MAC. The K / V operands it multiplies by stay in its buffer for the whole
// sequence (the caller declares them: add_buffer).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

namespace aimcsim {

struct MatmulUnitParams {
    int count = 0;                    // units on the chip (0: none)
    int macs_per_cycle = 256;         // a 16x16 array of MAC cells
    double energy_pj_per_mac = 0.08;  // 8-bit multiply-accumulate with its operand movement
    int latency_cycles = 16;          // drain of the array after a row's last MAC
};

struct MatmulUnitStats {
    int tile = 0;                      // the router it is attached to
    std::uint64_t macs = 0;            // multiply-accumulates done
    std::uint64_t rows = 0;            // output rows computed
    std::uint64_t busy_cycles = 0;
    std::uint64_t queue_cycles = 0;    // rows waited for the unit, summed
    std::uint64_t busy_until = 0;
    std::uint64_t buffer_values = 0;   // K / V values it buffers for one sequence (operands of its products)
};

// One row on a unit: when it held the unit and when its result is ready.
struct MatmulService {
    std::uint64_t start_cycle = 0;
    std::uint64_t end_cycle = 0;
    std::uint64_t ready_cycle = 0;
    double energy_pj = 0.0;
};

class MatmulUnitBank {
public:
    // One unit per entry of `unit_tiles`.
    MatmulUnitBank(const MatmulUnitParams& params, std::vector<int> unit_tiles);

    [[nodiscard]] bool empty() const { return units_.empty(); }
    [[nodiscard]] int size() const { return static_cast<int>(units_.size()); }
    [[nodiscard]] int tile(int unit) const { return units_.at(static_cast<std::size_t>(unit)).tile; }
    [[nodiscard]] const std::vector<MatmulUnitStats>& stats() const { return units_; }
    [[nodiscard]] const MatmulUnitParams& params() const { return params_; }

    // The unit nearest `tile` by `distance` (ties: the fewest assignments, then the
    // lowest index), counted as given one more.
    int assign_nearest(int tile, const std::function<int(int, int)>& distance);
    // Cycles `macs` MACs hold a unit: max(1, ceil(macs / macs_per_cycle)).
    [[nodiscard]] std::uint64_t row_cycles(std::uint64_t macs) const;
    // One output row of `macs` MACs on unit `unit`, its operands there at `ready_cycle`.
    MatmulService row(int unit, std::uint64_t macs, std::uint64_t ready_cycle);
    // Unit `unit` must buffer `values` more K / V values (an operand it multiplies by).
    void add_buffer(int unit, std::uint64_t values) { units_.at(static_cast<std::size_t>(unit)).buffer_values += values; }

private:
    MatmulUnitParams params_;
    std::vector<MatmulUnitStats> units_;
    std::vector<int> assigned_;
};

}  // namespace aimcsim
