// One training step on the SystemC chip (src/chip/train_step.h): the backward pass,
// the updates and the programming pulses after the forward pass, derived by hand in
// cycles from hermes64's tile and link timing (tests/chip_test_support.h).
#include <catch2/catch.hpp>

#include <algorithm>
#include <utility>
#include <vector>

#include "src/chip/chip_run.h"
#include "tests/chip_test_support.h"

using namespace aimcsim;

namespace {

// fc1 (64 -> 32) on tile 0, the controller's; fc2 (32 -> 16) on tile 1. Forward pass of
// one image: its last output leaves at cycle 294 (test_chip.cpp, "two dense layers").
const char* kTwoDense =
    "input: {c: 64}\nlayers:\n  - {name: fc1, type: dense, out: 32}\n  - {name: fc2, type: dense, out: 16}\n";

TrainStepPlan two_dense_plan(double fc1_programming_ns, double fc2_programming_ns) {
    TrainStepPlan plan;
    plan.digital_macs_per_cycle = 128;
    plan.layers.push_back(TrainStepLayer{1, {TrainStepBlock{0, 0, 64, 32, fc1_programming_ns}}});
    plan.layers.push_back(TrainStepLayer{1, {TrainStepBlock{0, 0, 32, 16, fc2_programming_ns}}});
    return plan;
}

ChipRunResult run_step(const TrainStepPlan& plan) {
    const test::ChipConfig cfg = test::hermes64_chip(1, 2, {"chip.interconnect.model=hermes"});
    const Network net = test::layer_list_net(kTwoDense);
    ChipRunOptions opts;
    opts.seed = 1;
    opts.batch = 1;
    opts.train = &plan;
    return run_chip(cfg.tile(), cfg.chip, net, opts);
}

}  // namespace

TEST_CASE("train step: two dense layers, backward, update and pulses by hand", "[chip][training]") {
    const TrainStepPlan plan = two_dense_plan(10.0, 25.0);
    const ChipRunResult r = run_step(plan);
    REQUIRE(r.clock_ghz == Approx(1.0));
    REQUIRE(r.trained);
    const TrainStepTiming& t = r.train_step;
    // The forward figures are the forward pass's alone.
    CHECK(r.latency_cycles == 294);
    CHECK(t.forward_end_cycle == 294);
    // The controller sends fc2's error (16 values, 128 bits, 4 flits) to tile 1: 294 + 2 + 4 = 300.
    // fc2's transposed MVM: its array (free since 285) takes it at 300, 133 cycles, 1 LDPU
    // cycle: 434. fc1's error (32 values, 8 flits) back to tile 0: 434 + 2 + 8 = 444.
    CHECK(t.transposed_mvms == 1);
    CHECK(t.backward_end_cycle == 444);
    // fc2's update: (1 + 1) x 32 x 16 = 1024 MACs / 128 = 8 cycles once its LDPU is free
    // (434): 442; its pulses 25 cycles: 467. fc1 (no transposed MVM, the first layer):
    // (1 + 1) x 64 x 32 = 4096 MACs, 32 cycles from 444: 476; its pulses 10 cycles: 486.
    CHECK(t.update_cycles == 40);
    CHECK(t.update_end_cycle == 476);
    CHECK(t.programming_cycles == 35);
    CHECK(t.step_end_cycle == 486);
    CHECK(r.train_backward_ns == Approx(150.0));
    CHECK(r.train_update_ns == Approx(32.0));
    CHECK(r.train_programming_ns == Approx(10.0));
    CHECK(r.train_step_ns == Approx(486.0));
    CHECK(r.simulated_ns == Approx(294.0));
}

TEST_CASE("train step: a step without pulses has no programming time", "[chip][training]") {
    const ChipRunResult r = run_step(two_dense_plan(0.0, 0.0));
    CHECK(r.train_step.programming_cycles == 0);
    CHECK(r.train_programming_ns == 0.0);
    CHECK(r.train_step.step_end_cycle == 476);  // ends with fc1's update (above)
    // fc2's pulses alone (25 cycles from 442: 467) end before fc1's update: still none added.
    const ChipRunResult only_fc2 = run_step(two_dense_plan(0.0, 25.0));
    CHECK(only_fc2.train_step.programming_cycles == 25);
    CHECK(only_fc2.train_programming_ns == 0.0);
    CHECK(only_fc2.train_step.step_end_cycle == 476);
}

TEST_CASE("train step: a run without pulses, its tail extended by the pulses, equals the run with them",
          "[chip][training]") {
    const ChipRunResult zero = run_step(two_dense_plan(0.0, 0.0));
    REQUIRE(zero.train_step.update_done_cycle.size() == 2);
    CHECK(zero.train_step.update_done_cycle[0] == 476);  // fc1 (above)
    CHECK(zero.train_step.update_done_cycle[1] == 442);  // fc2
    for (const auto& [fc1_ns, fc2_ns] : std::vector<std::pair<double, double>>{{10.0, 25.0}, {0.0, 40.0}, {3.0, 0.0}}) {
        const TrainStepPlan plan = two_dense_plan(fc1_ns, fc2_ns);
        const std::uint64_t tail =
            step_end_with_pulses(zero.train_step, block_pulse_cycles(zero.mapping, plan, zero.clock_ghz));
        // By hand: max(476, 476 + fc1, 442 + fc2).
        const auto hand = static_cast<std::uint64_t>(std::max({476.0, 476.0 + fc1_ns, 442.0 + fc2_ns}));
        CHECK(tail == hand);
        CHECK(run_step(plan).train_step.step_end_cycle == hand);
    }
}

TEST_CASE("train step: a column-split layer adds its transposed partial sums at column block 0",
          "[chip][training]") {
    const test::ChipConfig cfg = test::hermes64_chip(1, 3, {"chip.interconnect.model=hermes"});
    const Network net = test::layer_list_net(
        "input: {c: 8}\nlayers:\n  - {name: fc0, type: dense, out: 16}\n  - {name: fc, type: dense, out: 300}\n");
    TrainStepPlan plan;
    plan.digital_macs_per_cycle = 128;
    plan.layers.push_back(TrainStepLayer{1, {TrainStepBlock{0, 0, 8, 16, 0.0}}});
    plan.layers.push_back(TrainStepLayer{1, {TrainStepBlock{0, 0, 16, 256, 0.0}, TrainStepBlock{0, 256, 16, 44, 0.0}}});
    ChipRunOptions opts;
    opts.batch = 1;
    opts.train = &plan;
    const ChipRunResult r = run_chip(cfg.tile(), cfg.chip, net, opts);
    const TrainStepTiming& t = r.train_step;
    REQUIRE(r.mapping.layers[1].col_blocks == 2);
    REQUIRE(r.mapping.blocks[1].tile == 1);  // fc columns 0..255
    REQUIRE(r.mapping.blocks[2].tile == 2);  // fc columns 256..299
    // Forward: its last output leaves at 374. hermes links reach 1 and 2 columns east or west
    // in one hop. The controller's errors: fc's columns 0..255 (2048 bits, 64 flits) to
    // tile 1 at 374 + 2 + 64 = 440; columns 256..299 (352 bits, 11 flits) to tile 2 at 387.
    CHECK(t.forward_end_cycle == 374);
    // Tile 2's transposed MVM: 387 + 133 + 1 (44 columns) = 521; its 16 partial sums of
    // 16 bits (8 flits) to tile 1 at 531. Tile 1's: 440 + 133 + 2 (256 columns) = 575;
    // added at 577. fc0's error (16 values, 4 flits) to tile 0: 577 + 2 + 4 = 583.
    CHECK(t.transposed_mvms == 2);
    CHECK(t.backward_end_cycle == 583);
    // Updates, 2 x rows x cols / 128 cycles from each LDPU's last result: fc columns
    // 256..299: 11 from 521 = 532; fc 0..255: 64 from 575 = 639; fc0: 2 from 583 = 585.
    CHECK(t.update_done_cycle[2] == 532);
    CHECK(t.update_done_cycle[1] == 639);
    CHECK(t.update_done_cycle[0] == 585);
    CHECK(t.update_end_cycle == 639);
    CHECK(t.step_end_cycle == 639);
}
