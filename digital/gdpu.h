// The chip's global digital processing units (GDPUs): shared vector units on some
// routers of the grid that run the digital work a tile's LDPU does not (pooling,
// global average pooling, residual Add, LSTM cells, softmax). Timing, energy and
// queueing only; what the work computes is the caller's business.
//
// Model: a GDPU is one server taking `lanes` values per cycle. Work is served first
// come, first served in call order: it starts at max(ready, busy until), occupies
// the unit for its occupancy (a pass over N values: max(1, ceil(N / lanes)) cycles)
// and its result is ready a fixed latency after that. Each value served costs
// energy_pj_per_value. With no GDPU at a site (kTileUnit) the work runs on the
// producing tile's own digital unit: same energy, no queue, and its occupancy is not
// modelled (a pass takes no cycles of its own; work given an explicit occupancy takes
// it as latency).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

namespace aimcsim {

struct GdpuParams {
    int lanes = 16;                    // values a unit takes per cycle
    double energy_pj_per_value = 0.5;  // per value served
    int lookup_cycles = 4;             // latency of the exp / reciprocal lookup pipeline (softmax)
    // Transformer work (`chip.gdpu:`): products of two activations (Q K^T, A V) run
    // on the lanes' multipliers, macs_per_cycle multiply-accumulates per cycle.
    int macs_per_cycle = 16;
    double energy_pj_per_mac = 0.25;  // per multiply-accumulate of two activations
    int matmul_cycles = 2;            // accumulator drain after a row's products (its result's latency)
    int gelu_cycles = 4;              // latency of the GELU lookup pipeline after a pass
    int layernorm_cycles = 4;         // latency of the 1/sqrt(var + eps) lookup
};

// Transformer work (issue 15): a product of two activations (a row of Q K^T or
// A V) holds the unit ceil(MACs / macs_per_cycle) cycles; GELU and LayerNorm are
// passes with a lookup pipeline behind them (layernorm_tail_cycles).
//
// One GDPU: where it sits and how busy it was.
struct GdpuStats {
    int tile = 0;              // the router it is attached to
    std::uint64_t values = 0;  // values processed
    std::uint64_t busy_cycles = 0;
    std::uint64_t queue_cycles = 0;  // work waited for the unit, summed
    std::uint64_t busy_until = 0;
    std::vector<std::uint64_t> busy_cycles_by_op;  // busy_cycles split by the kind of work (the caller's op index)
    std::uint64_t macs = 0;                        // multiply-accumulates of two activations
    std::uint64_t buffer_values = 0;               // K / V values it buffers for one sequence (operands of its products)
};

// One piece of work on a unit: when it held the unit and when its result is ready.
struct GdpuService {
    std::uint64_t start_cycle = 0;  // the unit took it
    std::uint64_t end_cycle = 0;    // the unit is free again
    std::uint64_t ready_cycle = 0;  // its result is ready
    double energy_pj = 0.0;
};

class GdpuBank {
public:
    static constexpr int kTileUnit = -1;  // the producing tile's digital unit (no GDPU)

    // One unit per entry of `unit_tiles` (the router each sits at); work kinds are
    // counted separately in [0, work_kinds).
    GdpuBank(const GdpuParams& params, std::vector<int> unit_tiles, int work_kinds);

    [[nodiscard]] bool empty() const { return units_.empty(); }
    [[nodiscard]] int size() const { return static_cast<int>(units_.size()); }
    [[nodiscard]] int tile(int unit) const { return units_.at(static_cast<std::size_t>(unit)).tile; }
    [[nodiscard]] const std::vector<GdpuStats>& stats() const { return units_; }

    // The unit nearest `tile` by `distance(tile, unit tile)` (ties: the one given the
    // fewest assignments so far, then the lowest index), counted as given one more.
    int assign_nearest(int tile, const std::function<int(int, int)>& distance);

    // Cycles a pass over `values` occupies a unit: max(1, ceil(values / lanes)).
    [[nodiscard]] std::uint64_t pass_cycles(int values) const;
    // Cycles of a softmax over N = `values` after its running max: a max tree over
    // the lanes (ceil(log2 lanes)), the exp pass (ceil(N / lanes)), the lookup
    // pipeline's drain (lookup_cycles), a sum tree (ceil(log2 lanes)), 1/sum through
    // the lookup (lookup_cycles) and the normalisation pass (ceil(N / lanes)).
    [[nodiscard]] std::uint64_t softmax_tail_cycles(int values) const;

    // Cycles of a LayerNorm over N = `values` after its running sums (sum and sum of
    // squares, folded in as the slices arrive): the two sum trees in parallel
    // (ceil(log2 lanes)), 1/sqrt(var + eps) through the lookup (layernorm_cycles) and
    // the normalisation pass (scale and shift, ceil(N / lanes)).
    [[nodiscard]] std::uint64_t layernorm_tail_cycles(int values) const;
    // Cycles of `macs` multiply-accumulates of two activations: max(1, ceil(macs / macs_per_cycle)).
    [[nodiscard]] std::uint64_t matmul_cycles(std::uint64_t macs) const;
    [[nodiscard]] const GdpuParams& params() const { return params_; }

    // A pass over `values` of kind `kind`, ready at `ready_cycle`, its result
    // `latency` cycles after the pass.
    GdpuService pass(int unit, int values, std::uint64_t latency, int kind, std::uint64_t ready_cycle);
    // Work on `values` holding the unit for `occupancy` cycles, its result `latency` after.
    GdpuService serve(int unit, int values, std::uint64_t occupancy, std::uint64_t latency, int kind,
                      std::uint64_t ready_cycle);
    // `macs` products of two activations (one output row of Q K^T or A V): holds the
    // unit matmul_cycles(macs), its result matmul_cycles (params) later; energy per MAC.
    GdpuService matmul(int unit, std::uint64_t macs, int kind, std::uint64_t ready_cycle);
    // Unit `unit` must buffer `values` more K / V values (an operand of its products).
    void add_buffer(int unit, std::uint64_t values) { units_.at(static_cast<std::size_t>(unit)).buffer_values += values; }

private:
    GdpuParams params_;
    std::vector<GdpuStats> units_;
    std::vector<int> assigned_;  // assignments per unit, for ties
};

}  // namespace aimcsim
