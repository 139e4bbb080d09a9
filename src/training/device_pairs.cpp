#include "src/training/device_pairs.h"

#include <algorithm>
#include <cmath>

namespace aimcsim {

DevicePairs::DevicePairs(int rows, int cols, int devices_per_polarity, DeviceModel& device, const UpdateModel& update)
    : rows_(rows), cols_(cols), n_(devices_per_polarity), device_(device), update_(update), g_max_(device.g_max_us()),
      group_max_(device.g_max_us() * devices_per_polarity) {
    const std::size_t devices = static_cast<std::size_t>(rows) * cols * 2 * n_;
    g_.assign(devices, 0.0F);
    resp_.assign(devices, PulseDevice{});
    t_last_.assign(devices, 0.0F);
}

DeviceSite DevicePairs::site(std::size_t w, int pol, int k) const {
    return {static_cast<int>(w / cols_), static_cast<int>(w % cols_), pol, k, dev(w, pol, k)};
}

double DevicePairs::group(std::size_t w, int pol) const {
    double g = 0.0;
    for (int k = 0; k < n_; ++k) g += g_[dev(w, pol, k)];
    return g;
}

void DevicePairs::program(const std::vector<float>& w, double weight_scale, Rng& rng, double t_s, std::uint64_t seed,
                          std::uint64_t tile_id) {
    weight_scale_ = weight_scale;
    device_.begin_block({rows_, cols_, n_, g_.size(), seed, tile_id});
    for (std::size_t i = 0; i < w.size(); ++i) {
        const double target = std::min(1.0, std::fabs(w[i]) / weight_scale) * g_max_;
        const int on = w[i] >= 0.0F ? 0 : 1;
        for (int pol = 0; pol < 2; ++pol) {
            for (int k = 0; k < n_; ++k) {
                const std::size_t d = dev(i, pol, k);
                resp_[d] = update_.draw_device(g_max_, rng);
                g_[d] = device_.program(pol == on ? target : 0.0, site(i, pol, k), rng).g_prog_us;
                t_last_[d] = static_cast<float>(t_s);
            }
        }
    }
}

int DevicePairs::take_pulses(float& chi, double eps) {
    const double q = std::floor(std::fabs(chi) / eps);
    if (q < 1.0) return 0;
    const int p = static_cast<int>(std::min(q, 1.0e6));
    const int sign = chi > 0.0F ? 1 : -1;
    chi = static_cast<float>(chi - sign * p * eps);
    return sign * p;
}

void DevicePairs::pulse(std::size_t w, int pol, int pulses, Rng& rng, double t_s) {
    int target = 0;
    for (int k = 1; k < n_; ++k) {
        if (g_[dev(w, pol, k)] < g_[dev(w, pol, target)]) target = k;
    }
    const std::size_t d = dev(w, pol, target);
    g_[d] = static_cast<float>(update_.apply_set_pulses(g_[d], pulses, resp_[d], g_max_, rng));
    t_last_[d] = static_cast<float>(t_s);
}

void DevicePairs::refresh(std::size_t w, Rng& rng, double t_s) {
    const double net = g_pos(w) - g_neg(w);
    const int on = net >= 0.0 ? 0 : 1;
    for (int pol = 0; pol < 2; ++pol) {
        for (int k = 0; k < n_; ++k) {
            const std::size_t d = dev(w, pol, k);
            // RESET first; the group that carries the weight is then programmed iteratively,
            // each device at most to the threshold of its own saturation (else the next pulse
            // would refresh it again: a weight beyond the pair's range saturates).
            g_[d] = static_cast<float>(update_.reset_us(g_max_, rng));
            const double target = std::min(std::fabs(net) / n_, refresh_threshold_ * resp_[d].g_sat_us);
            if (pol == on) g_[d] = device_.program(target, site(w, pol, k), rng).g_prog_us;
            t_last_[d] = static_cast<float>(t_s);
        }
    }
}

bool DevicePairs::refresh_if_full(std::size_t w, Rng& rng, double t_s) {
    bool full = false;
    for (int pol = 0; pol < 2 && !full; ++pol) {
        double sat = 0.0;
        for (int k = 0; k < n_; ++k) sat += resp_[dev(w, pol, k)].g_sat_us;
        full = group(w, pol) > refresh_threshold_ * sat;
    }
    if (!full) return false;
    refresh(w, rng, t_s);
    return true;
}

PulseTally DevicePairs::update_mixed_precision(const float* dw, std::vector<float>& chi, double eps_w, Rng& rng,
                                               double t_s) {
    PulseTally tally;
    for (int r = 0; r < rows_; ++r) {
        int row_max = 0;
        for (int c = 0; c < cols_; ++c) {
            const std::size_t w = static_cast<std::size_t>(r) * cols_ + c;
            chi[w] += dw[w];
            const int p = take_pulses(chi[w], eps_w);
            if (p == 0) continue;
            pulse(w, p > 0 ? 0 : 1, std::abs(p), rng, t_s);
            tally.pulses += std::abs(p);
            row_max = std::max(row_max, std::abs(p));
            tally.refreshes += refresh_if_full(w, rng, t_s);
        }
        tally.pulse_rows_max_sum += row_max;
    }
    return tally;
}

PulseTally DevicePairs::update_analog_sgd(const float* dw, double eps_w, Rng& rng, double t_s) {
    PulseTally tally;
    for (int r = 0; r < rows_; ++r) {
        int row_max = 0;
        for (int c = 0; c < cols_; ++c) {
            const std::size_t w = static_cast<std::size_t>(r) * cols_ + c;
            const double q = std::fabs(dw[w]) / eps_w;
            const double lo = std::floor(q);
            // One uniform per weight, always drawn, so a weight's draw does not depend on the others'.
            const int p = static_cast<int>(std::min(lo + (rng.uniform() < q - lo ? 1.0 : 0.0), 1.0e6));
            if (p == 0) continue;
            pulse(w, dw[w] > 0.0F ? 0 : 1, p, rng, t_s);
            tally.pulses += p;
            row_max = std::max(row_max, p);
            tally.refreshes += refresh_if_full(w, rng, t_s);
        }
        tally.pulse_rows_max_sum += row_max;
    }
    return tally;
}

void DevicePairs::conductances(std::vector<float>& g_pos_us, std::vector<float>& g_neg_us) const {
    const std::size_t weights = static_cast<std::size_t>(rows_) * cols_;
    g_pos_us.resize(weights);
    g_neg_us.resize(weights);
    for (std::size_t w = 0; w < weights; ++w) {
        g_pos_us[w] = static_cast<float>(g_pos(w));
        g_neg_us[w] = static_cast<float>(g_neg(w));
    }
}

void DevicePairs::read_after(double t_end_s, double t_after_s, Rng& nu_rng, Rng& read_rng,
                             std::vector<float>& g_pos_us, std::vector<float>& g_neg_us) const {
    const std::size_t weights = static_cast<std::size_t>(rows_) * cols_;
    g_pos_us.assign(weights, 0.0F);
    g_neg_us.assign(weights, 0.0F);
    for (std::size_t w = 0; w < weights; ++w) {
        for (int pol = 0; pol < 2; ++pol) {
            for (int k = 0; k < n_; ++k) {
                const std::size_t d = dev(w, pol, k);
                // The drift exponent the device model gives a device at this conductance; its
                // programming-noise draw is not used (the conductance is the pulsed one).
                ProgrammedDevice pd = device_.program(g_[d], site(w, pol, k), nu_rng);
                pd.g_prog_us = g_[d];
                const double age = t_end_s - t_last_[d] + t_after_s;
                const double g = device_.read(pd, site(w, pol, k), age, read_rng).g_us;
                (pol == 0 ? g_pos_us : g_neg_us)[w] += static_cast<float>(g);
            }
        }
    }
}

}  // namespace aimcsim
