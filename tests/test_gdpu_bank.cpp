// The GDPU model on its own (digital/gdpu.h): pass lengths, the softmax tail,
// first-come-first-served queueing, the tile's own unit, and the nearest-unit choice.
#include <catch2/catch.hpp>

#include <cstdlib>

#include "digital/gdpu.h"

using namespace aimcsim;

namespace {

GdpuBank bank(int lanes) {
    GdpuParams p;
    p.lanes = lanes;
    p.energy_pj_per_value = 0.5;
    p.lookup_cycles = 4;
    return GdpuBank(p, {4, 12}, 3);
}

}  // namespace

TEST_CASE("gdpu: a pass takes ceil(values / lanes) cycles, at least one", "[gdpu]") {
    const GdpuBank g = bank(16);
    CHECK(g.pass_cycles(0) == 1);
    CHECK(g.pass_cycles(16) == 1);
    CHECK(g.pass_cycles(17) == 2);
    CHECK(g.pass_cycles(300) == 19);
}

TEST_CASE("gdpu: softmax tail = two trees, two passes, two lookups", "[gdpu]") {
    // 16 lanes, N = 300: 4 + 19 + 4 + 4 + 4 + 19.
    CHECK(bank(16).softmax_tail_cycles(300) == 54);
    // 5 lanes (a tree of 3 levels), N = 10: 3 + 2 + 4 + 3 + 4 + 2.
    CHECK(bank(5).softmax_tail_cycles(10) == 18);
}

TEST_CASE("gdpu: work queues first come, first served, the tile's unit does not queue", "[gdpu]") {
    GdpuBank g = bank(16);
    // 32 values: 2 cycles on unit 0 from 10, result 2 cycles later.
    const GdpuService a = g.pass(0, 32, 2, 1, 10);
    CHECK(a.start_cycle == 10);
    CHECK(a.end_cycle == 12);
    CHECK(a.ready_cycle == 14);
    CHECK(a.energy_pj == Approx(16.0));
    // Ready at 11, the unit is busy until 12: waits 1 cycle, holds it 1.
    const GdpuService b = g.pass(0, 16, 0, 2, 11);
    CHECK(b.start_cycle == 12);
    CHECK(b.ready_cycle == 13);
    const GdpuStats& s = g.stats().at(0);
    CHECK(s.tile == 4);
    CHECK(s.busy_cycles == 3);
    CHECK(s.queue_cycles == 1);
    CHECK(s.values == 48);
    CHECK(s.busy_until == 13);
    CHECK(s.busy_cycles_by_op == std::vector<std::uint64_t>{0, 2, 1});
    CHECK(g.stats().at(1).busy_cycles == 0);

    // The producing tile's unit: no occupancy for a pass, explicit occupancy as latency, no stats.
    CHECK(g.pass(GdpuBank::kTileUnit, 32, 2, 0, 10).ready_cycle == 12);
    const GdpuService t = g.serve(GdpuBank::kTileUnit, 600, 54, 0, 0, 100);
    CHECK(t.ready_cycle == 154);
    CHECK(t.energy_pj == Approx(300.0));
    CHECK(g.stats().at(0).values == 48);
}

TEST_CASE("gdpu: the nearest unit, ties to the one given fewer", "[gdpu]") {
    GdpuBank g = bank(16);  // units at tiles 4 and 12
    const auto distance = [](int a, int b) { return std::abs(a - b); };
    CHECK(g.assign_nearest(7, distance) == 0);  // 3 vs 5
    CHECK(g.assign_nearest(8, distance) == 1);  // 4 vs 4: unit 0 was given one already
    CHECK(g.assign_nearest(8, distance) == 0);  // 4 vs 4, one each: the lower index
}
