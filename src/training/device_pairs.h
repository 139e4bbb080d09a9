// The devices of one trained weight block and the update rules that pulse them
// (docs/training.md). Each weight is a differential pair of polarity groups (n devices
// each): w = weight_scale * (G+ - G-) / (n * g_max). Only SET pulses raise a device's
// conductance, so a positive update pulses the G+ group, a negative one the G- group
// (the group's least conductive device), and a pair whose group nears its full scale is
// refreshed: both groups RESET, the difference programmed again onto one of them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "aimcsim/device.h"
#include "aimcsim/update.h"

namespace aimcsim {

// What one update of a block did, for the reports and the timing.
struct PulseTally {
    long pulses = 0;
    long refreshes = 0;
    long pulse_rows_max_sum = 0;  // sum over rows of the largest pulse count of a device in the row
};

class DevicePairs {
public:
    // `device` programs (initial weights, refresh) and reads (drift); `update` pulses.
    DevicePairs(int rows, int cols, int devices_per_polarity, DeviceModel& device, const UpdateModel& update);

    // Programs weights w (rows x cols, real units) with iterative programming, draws every
    // device's pulse response; `rng` is this block's stream.
    void program(const std::vector<float>& w, double weight_scale, Rng& rng, double t_s, std::uint64_t seed = 0,
                 std::uint64_t tile_id = 0);

    // mixed_precision: chi += dw for every weight; then floor(|chi| / eps_w) SET pulses on
    // the group of chi's sign, and chi keeps the remainder (eps_w = the rule's epsilon in
    // weight units). dw and chi are rows x cols.
    PulseTally update_mixed_precision(const float* dw, std::vector<float>& chi, double eps_w, Rng& rng, double t_s);
    // analog_sgd: |dw| / eps_w pulses, rounded down or up at random with the fraction as
    // the probability of up (stochastic rounding), on the group of dw's sign.
    PulseTally update_analog_sgd(const float* dw, double eps_w, Rng& rng, double t_s);

    // floor(|chi| / eps) pulses with chi's sign; chi keeps the remainder (the rule by itself).
    [[nodiscard]] static int take_pulses(float& chi, double eps);

    // Weight w's groups' summed conductances (uS).
    [[nodiscard]] double g_pos(std::size_t w) const { return group(w, 0); }
    [[nodiscard]] double g_neg(std::size_t w) const { return group(w, 1); }
    [[nodiscard]] double weight(std::size_t w) const { return weight_scale_ * (g_pos(w) - g_neg(w)) / group_max_; }
    [[nodiscard]] double group_max_us() const { return group_max_; }
    [[nodiscard]] double weight_scale() const { return weight_scale_; }
    [[nodiscard]] int rows() const { return rows_; }
    [[nodiscard]] int cols() const { return cols_; }
    [[nodiscard]] float device_g(std::size_t d) const { return g_[d]; }
    // Sets the refresh threshold (fraction of the group's full scale).
    void set_refresh_threshold(double f) { refresh_threshold_ = f; }

    // Every group's conductance now (no drift: training time), row-major.
    void conductances(std::vector<float>& g_pos_us, std::vector<float>& g_neg_us) const;
    // The same `t_after_s` after time `t_end_s` (the last update), through the device
    // model's read (drift since each device's last pulse, 1/f noise from `rng`).
    void read_after(double t_end_s, double t_after_s, Rng& nu_rng, Rng& read_rng, std::vector<float>& g_pos_us,
                    std::vector<float>& g_neg_us) const;

private:
    [[nodiscard]] std::size_t dev(std::size_t w, int pol, int k) const { return (w * 2 + pol) * n_ + k; }
    [[nodiscard]] DeviceSite site(std::size_t w, int pol, int k) const;
    [[nodiscard]] double group(std::size_t w, int pol) const;
    // `pulses` SET pulses on the least conductive device of w's group `pol`.
    void pulse(std::size_t w, int pol, int pulses, Rng& rng, double t_s);
    // RESET both groups, program |G+ - G-| back onto the group of its sign.
    void refresh(std::size_t w, Rng& rng, double t_s);
    // Refreshes w if a group is above the threshold (a fraction of the summed saturation
    // conductances of its devices: the controller sees a device stop answering); true if it did.
    bool refresh_if_full(std::size_t w, Rng& rng, double t_s);

    int rows_, cols_, n_;
    DeviceModel& device_;
    const UpdateModel& update_;
    double g_max_;      // one device
    double group_max_;  // n devices
    double weight_scale_ = 1.0;
    double refresh_threshold_ = 0.9;
    std::vector<float> g_;          // per device: conductance now
    std::vector<PulseDevice> resp_; // per device: its pulse response
    std::vector<float> t_last_;     // per device: time of its last pulse or programming (s)
};

}  // namespace aimcsim
