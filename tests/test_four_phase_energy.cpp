// Four-phase energy per component, from what each window does, against a 2x2 tile
// worked out by hand (docs/physics.md, "Energy").
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>

#include "aimcsim/core/registry.h"
#include "aimcsim/tile.h"

using namespace aimcsim;

namespace {

// Ideal devices (conductance exactly |w| g_max, 2 per polarity) and a CCO ADC without
// mismatch or noise, so every count below follows from the weights and inputs alone.
std::unique_ptr<TileModel> small_tile(const std::string& mode) {
    const std::string yaml = "model: hermes\nrows: 2\ncols: 2\ndevices_per_polarity: 2\noutput_range: 2\n"
                             "array_energy_pj_per_device_cycle: 0.01\ncolumn_energy_pj_per_window_cycle: 0.003\n"
                             "four_phase_range_ratio: 2\n"
                             "input: {mode: " +
                             mode +
                             ", bits: 8, cycles_per_lsb: 1, energy_per_active_row_pj: 1.0, "
                             "energy_per_pulse_cycle_pj: 0.02, load_energy_pj_per_bit: 0.02}\n"
                             "device: {model: ideal}\n"
                             "adc: {model: cco, ps_per_lsb: 300, window_ns: 128, gain_sigma: 0, offset_sigma_lsb: 0, "
                             "noise_lsb: 0, energy_fixed_pj: 1.5, energy_per_count_pj: 0.02}\n"
                             "ldpu: {energy_per_column_pj: 4.0, energy_per_add_pj: 0.5}\n"
                             "gdc: {enabled: false}\n";
    return Registry<TileModel>::instance().create(ConfigNode::parse_yaml(yaml, "tile.yaml"));
}

MvmEnergy one_mvm(const std::string& mode) {
    auto tile = small_tile(mode);
    WeightBlock b;
    b.rows = 2;
    b.cols = 2;
    b.weights = {1.0F, -0.5F, 0.5F, 0.25F};  // row 0: (1, -0.5), row 1: (0.5, 0.25)
    tile->program(b, TileKey{1, 0});
    tile->set_time(1.0);
    const std::int8_t x[2] = {64, -32};
    float y[2];
    MvmEnergy e;
    tile->mvm(x, y, e, nullptr);
    return e;
}

}  // namespace

TEST_CASE("four-phase energy per component follows each window's activity (hand-derived 2x2 tile)",
          "[tile][energy][four_phase]") {
    const MvmEnergy one = one_mvm("one_phase");
    const MvmEnergy four = one_mvm("four_phase");

    // Input latch: 8 bits x 2 rows x 0.02 pJ, once per MVM in both modes.
    CHECK(one.input_pj == Approx(0.32));
    CHECK(four.input_pj == Approx(0.32));

    // Drivers: one-phase switches both source lines of each of the 2 active rows in one
    // window; four-phase switches one line of row 0 in windows (x+,w+) and (x+,w-) and one
    // of row 1 in (x-,w+) and (x-,w-): the same 4 switchings, held 64 and 32 cycles each.
    // 2 rows x 1.0 pJ + (64 + 32) cycles x 0.02 pJ = 3.92 pJ in both modes: ratio 1.
    CHECK(one.pwm_pj == Approx(3.92));
    CHECK(four.pwm_pj == Approx(3.92));

    // Array, in device-cycles at g_max (2 devices per polarity, each at |w| g_max):
    // one-phase: 64 x 2 x (1 + 0.5) + 32 x 2 x (0.5 + 0.25) = 192 + 48 = 240.
    // four-phase, window by window: (x+,w+) 64 x 2 x 1 = 128, (x+,w-) 64 x 2 x 0.5 = 64,
    // (x-,w+) 32 x 2 x (0.5 + 0.25) = 48, (x-,w-) 0: again 240. x 0.01 pJ: ratio 1.
    CHECK(one.array_pj == Approx(2.4));
    CHECK(four.array_pj == Approx(2.4));

    // ADC: max_count = floor(128 ns / 300 ps / 2) = 213, column periphery 0.003 pJ x 2
    // columns x 128 cycles = 0.768 pJ per window.
    // One-phase: column values 48 / (127 x 2) and -40 / 254 of full scale -> counts
    // round(40.25) = 40 and round(-33.54) = -34: 2 x 1.5 + 0.02 x 74 = 4.48 pJ, + 0.768.
    CHECK(one.adc_pj == Approx(4.48 + 0.768));
    // Four-phase: partial sums p (in fully-on rows) over full scale 2 x 2 = 4 map to
    // count = round((2p/4 - 1) x 213): column 0: p = 64/127, 0, 16/127, 0 -> -159, -213,
    // -200, -213; column 1: p = 0, 32/127, 8/127, 0 -> -213, -186, -206, -213.
    // 8 conversions: 8 x 1.5 + 0.02 x 1603 = 44.06 pJ, + 4 windows x 0.768.
    CHECK(four.adc_pj == Approx(44.06 + 4 * 0.768));

    // LDPU: 2 columns x 4 pJ; four-phase first combines the 4 counts of each column
    // with 3 adds of 0.5 pJ: 8 -> 11 pJ, ratio 1.375.
    CHECK(one.ldpu_pj == Approx(8.0));
    CHECK(four.ldpu_pj == Approx(11.0));
    CHECK(four.ldpu_pj / one.ldpu_pj == Approx(1.375));
}

TEST_CASE("column periphery energy scales with the integration windows: 4x in four-phase",
          "[tile][energy][four_phase]") {
    // The reference MVM of the 256x256 tile with and without the column periphery:
    // the difference is 256 columns x 128 cycles x 0.001 pJ per window.
    auto ref = [](const std::string& mode, double e_col) {
        const std::string yaml = "model: hermes\ncolumn_energy_pj_per_window_cycle: " + std::to_string(e_col) +
                                 "\ninput: {mode: " + mode + "}\n";
        return Registry<TileModel>::instance()
            .create(ConfigNode::parse_yaml(yaml, "tile.yaml"))
            ->reference_mvm_energy();
    };
    const double one = ref("one_phase", 0.001).adc_pj - ref("one_phase", 0.0).adc_pj;
    const double four = ref("four_phase", 0.001).adc_pj - ref("four_phase", 0.0).adc_pj;
    CHECK(one == Approx(256 * 128 * 0.001));
    CHECK(four == Approx(4 * 256 * 128 * 0.001));
    // Drivers and array do not depend on the mode at the reference point either.
    CHECK(ref("four_phase", 0.0).pwm_pj == Approx(ref("one_phase", 0.0).pwm_pj));
    CHECK(ref("four_phase", 0.0).array_pj == Approx(ref("one_phase", 0.0).array_pj));
}
