// The array of 8T4R unit cells. Each signed weight is held by a positive and a
// negative group of devices (1 or 2 per polarity); the weight it realises is the
// difference of the groups' conductances, normalised to the largest weight.
// A device model whose fit describes the whole group (polarity_level_fit) is drawn
// once per polarity; otherwise every device is drawn and the group's sum is used.
#pragma once

#include <cstdint>
#include <vector>

#include "aimcsim/device.h"
#include "tiles/ir_drop.h"

namespace aimcsim {

// The seed and tile a device model's own per-device draws are keyed by (DeviceBlock).
struct CrossbarKey {
    std::uint64_t seed = 0;
    std::uint64_t tile_id = 0;
};

class Crossbar {
public:
    Crossbar(int rows, int cols, int devices_per_polarity, DeviceModel& device);

    // Devices that do not follow programming: stuck at 0 (stuck-at-low, e.g. a RESET
    // device that never crystallised) or at g_max of one device (stuck-at-high, a shorted
    // or fully SET device, which does not drift). Each physical device is drawn
    // independently, from its own stream, so fractions of 0 change no other draw.
    struct Faults {
        double stuck_low = 0.0;
        double stuck_high = 0.0;
    };
    void set_faults(const Faults& faults) { faults_ = faults; }

    // Wire resistance of the source and bit lines (docs/physics.md, "IR drop"): folded into
    // the effective weights at every set_time.
    void set_ir_drop(const IrDrop& ir_drop) { ir_drop_ = ir_drop; }

    // Programs normalised weights w_norm in [-1, 1] (rows_used x cols_used, row-major):
    // each draw of the weight's polarity is programmed to |w_norm| * g_max, the
    // other polarity to 0. Draws programming noise and drift exponents from `rng`.
    // Faulty devices are drawn from `fault_rng` (only when a fault fraction is > 0).
    void program(const std::vector<float>& w_norm, int rows_used, int cols_used, Rng& rng, Rng* fault_rng = nullptr,
                 CrossbarKey key = {});

    // Reads every device `t_s` after programming (drift + 1/f deviation, drawn
    // from `rng`) and rebuilds the effective weights used by integrate(): under V- for
    // four-phase reads; for one-phase reads, rows with x > 0 read G+ under V- and G- under
    // V+, rows with x < 0 the other way round (docs/physics.md, "Read-polarity asymmetry").
    void set_time(double t_s, Rng& rng);

    // Column values y_j = scale * sum_i w_eff_ij * x_i for the signed codes x
    // (scale = 1 / max_code gives the column value in fully-on rows).
    // With `split` (four-phase mode) the four (input sign, weight sign) partial sums
    // are returned separately: out[p*cols + j] for p = (x>0,w+), (x>0,w-), (x<0,w+), (x<0,w-),
    // each as a magnitude (>= 0).
    void integrate(const std::int8_t* x, float scale, float* y) const;
    void integrate_four_phase(const std::int8_t* x, int max_code, float* partial) const;

    // What the input drives, in one pass over the rows: rows with a pulse, the sum of
    // |x_i| (pulse LSBs), and the sum of |x_i| times the row's devices' g/g_max (the
    // array's conduction, in (device at g_max) x (LSB cycles)).
    struct Activity {
        double active_rows = 0.0;
        double pulse_lsbs = 0.0;
        double conduction = 0.0;
    };
    [[nodiscard]] Activity activity(const std::int8_t* x) const;

    // integrate() and activity() in one pass over the rows (the same values as both).
    [[nodiscard]] Activity integrate_active(const std::int8_t* x, float scale, float* y) const;

    // Batched integration (tiles/crossbar_gemm.cpp): n input vectors through the
    // effective weights of the current time in one matrix product (OpenBLAS sgemm).
    // x holds n vectors of rows_used floats (vector k at x + k*ldx), y gets n vectors
    // of cols_used values (y + k*ldy): y = alpha * x * w_eff, the integrate() sums.
    void integrate_batch(const float* x, int n, int ldx, float alpha, float* y, int ldy) const;
    // The same through each polarity on its own, for four-phase mode: pos = alpha * x * w_pos,
    // neg = alpha * x * w_neg (x holds unsigned input magnitudes of one input sign).
    void integrate_polarities_batch(const float* x, int n, int ldx, float alpha, float* pos, float* neg, int ldy) const;

    // In-memory training (tiles/crossbar_train.cpp): the polarity groups' conductances (uS,
    // row-major rows_used x cols_used) become the effective weights directly, as set_time
    // would leave them for symmetric devices without faults or IR drop.
    void load_conductances(const std::vector<float>& g_pos_us, const std::vector<float>& g_neg_us, int rows_used,
                           int cols_used);
    // The transposed product: y (n x rows_used) = alpha * x (n x cols_used) * w_eff^T.
    void integrate_transposed_batch(const float* x, int n, int ldx, float alpha, float* y, int ldy) const;
    // What a transposed read drives (inputs on the columns): columns with a pulse, the sum of
    // |x_j| and of |x_j| times the column's devices' g/g_max of one device.
    [[nodiscard]] Activity column_activity(const std::int8_t* x) const;

    [[nodiscard]] int rows_used() const { return rows_used_; }
    [[nodiscard]] int cols_used() const { return cols_used_; }
    [[nodiscard]] int rows() const { return rows_; }
    [[nodiscard]] int cols() const { return cols_; }
    // Effective normalised weight (after the last set_time), for tests.
    [[nodiscard]] float w_eff(int r, int c) const { return w_pos_[idx(r, c)] - w_neg_[idx(r, c)]; }
    // Effective normalised weight a one-phase read sees for an input of sign `sign` (+1 or -1).
    [[nodiscard]] float w_one_phase(int r, int c, int sign) const {
        return (sign < 0 && asymmetric_ ? w_diff_neg_ : w_diff_)[idx(r, c)];
    }
    // True when some device conducts differently under V+ and V- (one-phase sees two weight sets).
    [[nodiscard]] bool asymmetric() const { return asymmetric_; }
    // Mean |w_eff| over the block: the mean |y| of a read with every one-hot input.
    [[nodiscard]] double mean_abs_weight() const;
    // The same right after programming (the programmed conductances, no drift or read noise).
    [[nodiscard]] double programmed_mean_abs_weight() const;
    // Device draws per polarity of a weight: 1 for a polarity-level fit, else devices_per_polarity.
    [[nodiscard]] int draws_per_polarity() const { return draws_per_polarity_; }
    // Physical devices stuck low / high in the programmed block.
    [[nodiscard]] long stuck_low_devices() const { return stuck_low_count_; }
    [[nodiscard]] long stuck_high_devices() const { return stuck_high_count_; }

private:
    [[nodiscard]] size_t idx(int r, int c) const { return static_cast<size_t>(r) * cols_used_ + c; }
    [[nodiscard]] DeviceSite site(size_t w, int pol, int k) const {
        return {static_cast<int>(w / cols_used_), static_cast<int>(w % cols_used_), pol, k,
                (w * 2 + pol) * draws_per_polarity_ + k};
    }
    // With IR drop: scales every weight set and row conduction by the first-order factors
    // computed from the V- conductances (pos_plus/neg_plus: the groups under V+).
    void apply_ir_drop(std::vector<float>& pos_plus, std::vector<float>& neg_plus);
    // Rebuilds w_diff_ and w_diff_neg_ from the groups under V- and V+.
    void build_one_phase(const std::vector<float>& pos_plus, const std::vector<float>& neg_plus);

    int rows_, cols_, devices_per_polarity_;
    DeviceModel& device_;
    int draws_per_polarity_;
    double g_polarity_max_us_;  // a polarity group at full scale: the weight 1
    double g_device_max_us_;    // one physical device at full scale: the unit of Activity::conduction
    int rows_used_ = 0, cols_used_ = 0;
    // Programmed draws: [weight][polarity][k] flattened, k < draws_per_polarity_.
    std::vector<ProgrammedDevice> devices_;
    // Per draw, only with faults: physical devices of the draw stuck low and stuck high. A
    // draw of a polarity-level fit stands for devices_per_polarity devices: its healthy share
    // conducts (healthy / devices) of the drawn value.
    std::vector<std::uint8_t> stuck_low_, stuck_high_;
    Faults faults_;
    IrDrop ir_drop_;
    long stuck_low_count_ = 0, stuck_high_count_ = 0;
    // Effective normalised conductance of each polarity group at the current time, under V-.
    std::vector<float> w_pos_, w_neg_;
    // One-phase weights of rows with x > 0 (G+ under V-, G- under V+) and, only when some
    // device is asymmetric, of rows with x < 0 (G+ under V+, G- under V-).
    std::vector<float> w_diff_, w_diff_neg_;
    bool asymmetric_ = false;
    // Per row, the sum over its devices of g/g_max of one device (the drivers' current, for
    // energy): under V- (four-phase, and one-phase of symmetric devices) and, only when some
    // device is asymmetric, as one-phase rows with x > 0 and x < 0 see them.
    std::vector<float> row_conduction_, row_conduction_pos_, row_conduction_neg_;
    // Per column, the same sum over its devices (transposed reads of training only).
    std::vector<float> col_conduction_;
};

}  // namespace aimcsim
