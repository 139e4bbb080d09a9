// "sar": a successive-approximation column ADC, as an aimcsim ADC plugin.
//
// Unlike the CCO, which counts while the array integrates, a SAR samples the
// integrated column value when the window closes and then decides one bit per bit
// cycle against a binary-weighted capacitor DAC. So its conversion adds to the MVM:
//   conversion_cycles = columns_per_adc * (sample_cycles + bits * cycles_per_bit)
// tile clock cycles per integration window (a shared SAR converts its columns one
// after the other). 8 vs 6 bits at 1 cycle per bit: exactly 2 cycles more per window.
//
// Transfer: signed output, max_count = 2^(bits-1) - 1, value_fs = 1 -> max_count.
// The input in LSB is shifted to offset binary, u = v * max_count + 2^(bits-1) + 0.5
// (+ the ADC's comparator offset, + per-conversion comparator noise), and the
// binary search runs against the DAC's real bit weights
//   W_k = 2^k + sqrt(2^k) * cap_mismatch_sigma * N(0,1)   (k = 0 .. bits-1)
// (bit k is 2^k unit capacitors with independent mismatch), normalised so that the
// full scale is calibrated (sum W_k + 1 = 2^bits). Mismatch gives the SAR's own
// DNL/INL: largest at the major carries (mid-scale), zero with cap_mismatch_sigma = 0,
// where the ADC rounds exactly like `ideal` of the same bits.
//
// Energy per conversion from the Walden figure of merit: E = fom_fj_per_step * 2^bits,
// independent of the code (the capacitor DAC's switching energy barely depends on it).
#include <aimcsim/adc.h>
#include <aimcsim/plugin.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using aimcsim::Params;
using aimcsim::ParamSchema;
using aimcsim::Rng;

class SarAdc : public aimcsim::AdcModel {
public:
    static ParamSchema schema() {
        ParamSchema s;
        s.integer("bits", 8, "bits", "resolution including sign: max_count = 2^(bits-1) - 1").range(2, 16);
        s.integer("cycles_per_bit", 1, "cycles",
                  "tile clock cycles per bit decision (assumed: one comparison per 1 GHz cycle)")
            .range(1, 64);
        s.integer("sample_cycles", 1, "cycles", "track-and-hold of the integrated column value (assumed)").range(0, 64);
        s.integer("columns_per_adc", 1, "",
                  "columns sharing one SAR through a multiplexer; their conversions are serialised")
            .range(1, 256);
        s.integer("readout_cycles", 1, "cycles", "cycles after the last conversion until the codes are latched")
            .at_least(0);
        s.real("cap_mismatch_sigma", 0.01, "",
               "relative std of one unit capacitor of the DAC (assumed: ~1% for ~1 fF metal-oxide-metal units); "
               "sets DNL/INL")
            .range(0.0, 0.5);
        s.real("offset_sigma_lsb", 0.3, "LSB", "per-ADC comparator offset left after calibration (assumed)")
            .at_least(0.0);
        s.real("noise_lsb", 0.3, "LSB", "per-conversion comparator and kT/C noise std (assumed)").at_least(0.0);
        s.real("fom_fj_per_step", 5.0, "fJ",
               "Walden figure of merit: energy per conversion = fom * 2^bits (assumed: typical of SAR ADCs near "
               "1 GS/s in recent nodes, Murmann's ADC survey)")
            .at_least(0.0);
        return s;
    }

    explicit SarAdc(const Params& p)
        : bits_(static_cast<int>(p.integer("bits"))), cycles_per_bit_(static_cast<int>(p.integer("cycles_per_bit"))),
          sample_cycles_(static_cast<int>(p.integer("sample_cycles"))),
          columns_per_adc_(static_cast<int>(p.integer("columns_per_adc"))),
          readout_cycles_(static_cast<int>(p.integer("readout_cycles"))), cap_sigma_(p.real("cap_mismatch_sigma")),
          offset_sigma_lsb_(p.real("offset_sigma_lsb")), noise_lsb_(p.real("noise_lsb")),
          energy_pj_(p.real("fom_fj_per_step") * 1e-3 * std::ldexp(1.0, bits_)), max_count_((1 << (bits_ - 1)) - 1) {}

    void setup(int columns, Rng& mismatch_rng) override {
        columns_ = columns;
        const int adcs = (columns + columns_per_adc_ - 1) / columns_per_adc_;
        weights_.assign(static_cast<size_t>(adcs) * bits_, 0.0);
        offset_lsb_.assign(static_cast<size_t>(adcs), 0.0);
        // All weights, then all offsets: changing one sigma leaves the other's draws alone.
        for (int a = 0; a < adcs; ++a) {
            double sum = 0.0;
            double* w = &weights_[static_cast<size_t>(a) * bits_];
            for (int k = 0; k < bits_; ++k) {
                const double ideal = std::ldexp(1.0, k);
                w[k] = ideal + std::sqrt(ideal) * cap_sigma_ * mismatch_rng.normal();
                sum += w[k];
            }
            const double scale = std::ldexp(1.0, bits_) / (sum + 1.0);  // +1: the dummy unit capacitor
            for (int k = 0; k < bits_; ++k) w[k] *= scale;
        }
        for (double& o : offset_lsb_) o = offset_sigma_lsb_ * mismatch_rng.normal();
    }

    void convert(const float* value_fs, int n, std::int32_t* counts, Rng* noise_rng) const override {
        if (n > columns_) {
            throw std::logic_error("SarAdc::convert: " + std::to_string(n) + " columns but setup() drew " +
                                   std::to_string(columns_));
        }
        const double half = std::ldexp(1.0, bits_ - 1);
        for (int j = 0; j < n; ++j) {
            const int a = j / columns_per_adc_;
            double u = static_cast<double>(value_fs[j]) * max_count_ + half + 0.5 + offset_lsb_[static_cast<size_t>(a)];
            if (noise_rng != nullptr) u += noise_lsb_ * noise_rng->normal();
            const double* w = &weights_[static_cast<size_t>(a) * bits_];
            int code = 0;
            double dac = 0.0;
            for (int k = bits_ - 1; k >= 0; --k) {
                if (u >= dac + w[k]) {
                    dac += w[k];
                    code |= 1 << k;
                }
            }
            const int c = code - static_cast<int>(half);
            counts[j] = std::clamp(c, -max_count_, max_count_);
        }
    }

    [[nodiscard]] int max_count() const override { return max_count_; }
    [[nodiscard]] int readout_cycles() const override { return readout_cycles_; }
    [[nodiscard]] int conversion_cycles() const override {
        return columns_per_adc_ * (sample_cycles_ + bits_ * cycles_per_bit_);
    }
    [[nodiscard]] double energy_pj(const std::int32_t* /*counts*/, int n) const override { return energy_pj_ * n; }
    [[nodiscard]] double energy_per_conversion_pj(double /*abs_count*/) const override { return energy_pj_; }

private:
    int bits_, cycles_per_bit_, sample_cycles_, columns_per_adc_, readout_cycles_;
    double cap_sigma_, offset_sigma_lsb_, noise_lsb_, energy_pj_;
    int max_count_;
    int columns_ = 0;
    std::vector<double> weights_;     // per ADC, bits_ DAC weights in LSB (index = bit)
    std::vector<double> offset_lsb_;  // per ADC
};

}  // namespace

AIMCSIM_PLUGIN() {
    aimcsim::register_model<aimcsim::AdcModel, SarAdc>(
        "sar", "successive-approximation ADC: converts after the window, bits*cycles_per_bit cycles, capacitor-DAC "
               "mismatch DNL/INL, Walden-FoM energy");
}
