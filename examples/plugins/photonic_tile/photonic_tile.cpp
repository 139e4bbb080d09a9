// "photonic": a phase-change photonic tensor core as an aimcsim tile plugin
// (after Feldmann et al., "Parallel convolutional processing using an integrated
// photonic tensor core", Nature 589, 52-58 (2021)).
//
// Organisation. Each input row is one wavelength of a chip-scale frequency comb,
// intensity-modulated by its input value; every wavelength is split over the
// columns, where a phase-change (GST) cell on the waveguide sets its transmission
// (the weight); a photodetector per column sums the transmitted power of all
// wavelengths (incoherent, so the sum is the MAC). Published: the computation is the
// optical transmission of passive cells at a bandwidth above 14 GHz, limited only by
// the modulators and the photodetectors. Everything else below is an assumption,
// marked as such in the schema, for a user to sweep.
//
// Signs (assumed scheme). Optical power is non-negative: a signed weight uses two
// cells (positive and negative arm) on a balanced detector pair, and a signed input
// is sent in two symbols (its positive part, then its negative part) while the
// receiver integrates the first with + and the second with - sign. So one MVM takes
//   input_load_cycles + 2 (symbols) + ADC conversion + ADC readout + ldpu_cycles
// cycles of the symbol clock: the tile clock is the symbol rate (clock_ghz = symbol_rate_gbaud).
//
// Numerics, per MVM and column j (x in input codes, m = 2^(input_bits-1)-1):
//   weights: w_norm = W / max|W| quantised to 2^weight_bits - 1 transmission steps per arm,
//            plus a programming error weight_sigma N(0,1) (in units of full transmission),
//            drifting as ((t + t0)/t0)^(-drift_nu) (0 by default: assumed negligible).
//   signal:  s_j = sum_i w_ij x_i / m   (in "fully-on rows")
//   optics:  one fully-on row gives the detector I_row = R * P_ch * 10^(-loss_db/10) / (2 cols) A
//   noise:   per symbol, TIA thermal noise i_n sqrt(B) and shot noise sqrt(2 q I B), B = rate/2;
//            summed over the two symbols and referred to the signal as sigma_j / I_row.
//   ADC:     value_fs = (s_j + noise) / output_range -> counts (any registered ADC model)
//   output:  y_j = counts_j * output_range / max_count * max|W| * m.
// Energy per MVM: laser (wall plug) over the array-busy time -> array_pj; modulators per
// row and symbol -> input_pj; detectors + TIAs per column and symbol plus the ADC ->
// adc_pj; digital post-processing per column -> ldpu_pj.
#include <aimcsim/adc.h>
#include <aimcsim/core/registry.h>
#include <aimcsim/plugin.h>
#include <aimcsim/tile.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <stdexcept>
#include <vector>

namespace {

using aimcsim::AdcModel;
using aimcsim::MvmEnergy;
using aimcsim::MvmPhases;
using aimcsim::Params;
using aimcsim::ParamSchema;
using aimcsim::Registry;
using aimcsim::Rng;
using aimcsim::Stream;

constexpr double kElectronCharge = 1.602176634e-19;  // C
constexpr int kSymbolsPerMvm = 2;                    // positive, then negative input part

class PhotonicTile : public aimcsim::TileModel {
public:
    static ParamSchema schema() {
        ParamSchema s;
        s.integer("rows", 16, "", "inputs = comb wavelengths (assumed 16; the published core is a small demonstrator)")
            .range(1, 1024);
        s.integer("cols", 16, "", "outputs = balanced photodetector pairs (assumed 16)").range(1, 1024);
        s.real("symbol_rate_gbaud", 14.0, "GBd",
               "input symbols per ns; published bandwidth > 14 GHz, limited by modulators and detectors. "
               "The tile clock: every phase is in symbols")
            .positive();
        s.integer("input_bits", 8, "bits",
                  "signed input precision of the modulator DACs (assumed: the chip's 8-bit codes)")
            .range(2, 8);
        s.integer("weight_bits", 5, "bits",
                  "distinguishable transmission levels of one GST cell, 2^bits - 1 steps (assumed ~5 bits of "
                  "multi-level GST on waveguides)")
            .range(1, 12);
        s.real("weight_sigma", 0.005, "",
               "programming error of a cell's transmission, relative to full transmission (assumed)")
            .at_least(0.0);
        s.real("drift_nu", 0.0, "", "drift exponent of the transmission (assumed negligible by default)").at_least(0.0);
        s.real("drift_t0_s", 20.0, "s", "reference time of the drift law").positive();
        s.real("output_range", 4.0, "rows",
               "column value at ADC full scale (assumed: ~3 sigma of a uniform random 16-row product, sigma 1.33)")
            .positive();
        s.real("laser_power_per_channel_mw", 2.0, "mW", "optical power of one comb line at the modulator (assumed)")
            .positive();
        s.real("laser_wall_plug_efficiency", 0.1, "",
               "optical comb power per electrical power (assumed: pump laser and comb conversion)")
            .range(1e-4, 1.0);
        s.real("optical_loss_db", 3.0, "dB",
               "insertion loss from modulator to detector besides the 1/(2 cols) fan-out (assumed)")
            .at_least(0.0);
        s.real("responsivity_a_per_w", 0.8, "A/W", "photodetector responsivity (assumed: Ge-on-Si)").positive();
        s.real("detector_noise_pa_per_rthz", 10.0, "pA/sqrt(Hz)", "TIA input-referred noise current density (assumed)")
            .at_least(0.0);
        s.real("modulator_energy_pj_per_symbol", 0.1, "pJ",
               "modulator and its DAC driver, per row and symbol (assumed)")
            .at_least(0.0);
        s.real("detector_energy_pj_per_symbol", 0.2, "pJ",
               "balanced detector pair and TIA, per column and symbol (assumed)")
            .at_least(0.0);
        s.integer("input_load_cycles", 1, "symbols", "input codes into the modulator DACs (assumed)").at_least(0);
        s.integer("ldpu_cycles", 1, "symbols", "digital scale/offset of the outputs (assumed, pipelined)").at_least(0);
        s.real("ldpu_energy_pj_per_column", 0.5, "pJ", "digital post-processing per output (assumed)").at_least(0.0);
        s.real("static_power_mw", 20.0, "mW", "thermal stabilisation of comb and modulators (assumed)").at_least(0.0);
        s.section("adc", "receiver ADC: any registered ADC model (default: ideal); its cycles are symbol cycles",
                  aimcsim::ModelConfig<AdcModel>::resolver("ideal"));
        return s;
    }

    explicit PhotonicTile(const Params& p)
        : rows_(static_cast<int>(p.integer("rows"))), cols_(static_cast<int>(p.integer("cols"))),
          rate_gbaud_(p.real("symbol_rate_gbaud")), input_bits_(static_cast<int>(p.integer("input_bits"))),
          weight_levels_((1 << p.integer("weight_bits")) - 1), weight_sigma_(p.real("weight_sigma")),
          drift_nu_(p.real("drift_nu")), drift_t0_s_(p.real("drift_t0_s")),
          output_range_default_(p.real("output_range")), laser_mw_(p.real("laser_power_per_channel_mw")),
          wall_plug_(p.real("laser_wall_plug_efficiency")), loss_db_(p.real("optical_loss_db")),
          responsivity_(p.real("responsivity_a_per_w")), noise_density_(p.real("detector_noise_pa_per_rthz") * 1e-12),
          modulator_pj_(p.real("modulator_energy_pj_per_symbol")),
          detector_pj_(p.real("detector_energy_pj_per_symbol")),
          input_load_cycles_(static_cast<int>(p.integer("input_load_cycles"))),
          ldpu_cycles_(static_cast<int>(p.integer("ldpu_cycles"))), ldpu_pj_(p.real("ldpu_energy_pj_per_column")),
          static_power_mw_(p.real("static_power_mw")),
          adc_(p.resolved<aimcsim::ModelConfig<AdcModel>>("adc").create()) {
        // One fully-on row: its comb line, after the loss, split over 2*cols arms.
        i_row_a_ = responsivity_ * laser_mw_ * 1e-3 * std::pow(10.0, -loss_db_ / 10.0) / (2.0 * cols_);
        bandwidth_hz_ = rate_gbaud_ * 1e9 / 2.0;
    }

    [[nodiscard]] int rows() const override { return rows_; }
    [[nodiscard]] int cols() const override { return cols_; }
    [[nodiscard]] double clock_ghz() const override { return rate_gbaud_; }
    [[nodiscard]] int input_bits() const override { return input_bits_; }
    [[nodiscard]] double static_power_mw() const override { return static_power_mw_; }
    // Per cell: programmed and drifted transmission, each as signed value and arm sum.
    [[nodiscard]] double programmed_bytes() const override {
        return static_cast<double>(rows_) * cols_ * 4 * sizeof(float);
    }

    [[nodiscard]] MvmPhases phases() const override {
        MvmPhases ph;
        ph.input_load = input_load_cycles_;
        ph.integrate = kSymbolsPerMvm;
        ph.convert = adc_->conversion_cycles();
        ph.readout = adc_->readout_cycles();
        ph.ldpu = ldpu_cycles_;
        return ph;
    }

    void program(const aimcsim::WeightBlock& block, const aimcsim::TileKey& key) override {
        if (block.rows < 1 || block.rows > rows_ || block.cols < 1 || block.cols > cols_ ||
            block.weights.size() != static_cast<size_t>(block.rows) * block.cols) {
            throw std::logic_error("PhotonicTile::program: block does not fit the tile");
        }
        key_ = key;
        rows_used_ = block.rows;
        cols_used_ = block.cols;
        output_range_ = block.output_range > 0.0 ? block.output_range : output_range_default_;
        w_max_ = 0.0;
        for (float w : block.weights) w_max_ = std::max(w_max_, static_cast<double>(std::fabs(w)));
        if (w_max_ == 0.0) w_max_ = 1.0;
        // Each arm's transmission: |w_norm| on the weight's sign, 0 on the other, quantised
        // to the cell's levels, plus programming error (clipped to physical transmission).
        Rng rng(key.seed, Stream::Programming, {key.tile_id});
        w_prog_.assign(block.weights.size(), 0.0F);
        abs_sum_.assign(block.weights.size(), 0.0F);
        for (size_t k = 0; k < block.weights.size(); ++k) {
            const double w = block.weights[k] / w_max_;
            const double level = std::round(std::fabs(w) * weight_levels_) / weight_levels_;
            const double pos = std::clamp((w >= 0 ? level : 0.0) + weight_sigma_ * rng.normal(), 0.0, 1.0);
            const double neg = std::clamp((w < 0 ? level : 0.0) + weight_sigma_ * rng.normal(), 0.0, 1.0);
            w_prog_[k] = static_cast<float>(pos - neg);
            abs_sum_[k] = static_cast<float>(pos + neg);
        }
        Rng mismatch(key.seed, Stream::AdcMismatch, {key.tile_id});
        adc_->setup(cols_, mismatch);
        w_now_ = w_prog_;
        abs_now_ = abs_sum_;
        programmed_ = true;
        timed_ = false;
    }

    void set_time(double t_s) override {
        if (!programmed_) throw std::logic_error("PhotonicTile::set_time before program");
        const double f = std::pow((t_s + drift_t0_s_) / drift_t0_s_, -drift_nu_);
        for (size_t k = 0; k < w_prog_.size(); ++k) {
            w_now_[k] = static_cast<float>(w_prog_[k] * f);
            abs_now_[k] = static_cast<float>(abs_sum_[k] * f);
        }
        timed_ = true;
    }

    void mvm(const std::int8_t* x, float* y, MvmEnergy& energy, Rng* noise) const override {
        if (!timed_) throw std::logic_error("PhotonicTile::mvm before set_time");
        const int r = rows_used_;
        const int c = cols_used_;
        const double m = max_code();
        thread_local std::vector<double> signal, photo;
        thread_local std::vector<float> value;
        thread_local std::vector<std::int32_t> counts;
        signal.assign(c, 0.0);
        photo.assign(c, 0.0);
        value.resize(c);
        counts.resize(c);
        for (int i = 0; i < r; ++i) {
            if (x[i] == 0) continue;
            const double xn = x[i] / m;
            const double ax = std::fabs(xn);
            const float* w = &w_now_[static_cast<size_t>(i) * c];
            const float* a = &abs_now_[static_cast<size_t>(i) * c];
            for (int j = 0; j < c; ++j) {
                signal[j] += w[j] * xn;
                photo[j] += a[j] * ax;  // power on both detectors, in fully-on rows
            }
        }
        // Thermal noise of both symbols; shot noise of the photocurrent of both.
        const double thermal_var = kSymbolsPerMvm * noise_density_ * noise_density_ * bandwidth_hz_;
        for (int j = 0; j < c; ++j) {
            double v = signal[j];
            if (noise != nullptr) {
                const double shot_var = 2.0 * kElectronCharge * photo[j] * i_row_a_ * bandwidth_hz_;
                v += std::sqrt(thermal_var + shot_var) / i_row_a_ * noise->normal();
            }
            value[j] = static_cast<float>(v / output_range_);
        }
        adc_->convert(value.data(), c, counts.data(), noise);
        const double lsb = output_range_ / adc_->max_count() * w_max_ * m;
        for (int j = 0; j < c; ++j) y[j] = static_cast<float>(counts[j] * lsb);

        energy.input_pj += modulator_pj_ * kSymbolsPerMvm * r;
        energy.array_pj += laser_energy_pj(r);
        energy.adc_pj += detector_pj_ * kSymbolsPerMvm * c + adc_->energy_pj(counts.data(), c);
        energy.ldpu_pj += ldpu_pj_ * c;
    }

    [[nodiscard]] MvmEnergy reference_mvm_energy() const override {
        MvmEnergy e;
        e.input_pj = modulator_pj_ * kSymbolsPerMvm * rows_;
        e.array_pj = laser_energy_pj(rows_);
        // Column value of uniform random codes and weights: N(0, rows/9); E|v| = sigma sqrt(2/pi).
        const double mean_abs = std::min(1.0, std::sqrt(rows_ / 9.0 * 2.0 / M_PI) / output_range_default_);
        e.adc_pj =
            cols_ * (detector_pj_ * kSymbolsPerMvm + adc_->energy_per_conversion_pj(mean_abs * adc_->max_count()));
        e.ldpu_pj = ldpu_pj_ * cols_;
        return e;
    }

private:
    [[nodiscard]] int max_code() const { return (1 << (input_bits_ - 1)) - 1; }

    // The comb lines of the used rows are on for the whole array-busy time (CW lasers).
    [[nodiscard]] double laser_energy_pj(int rows) const {
        const double busy_ns = phases().array_busy() / rate_gbaud_;
        return rows * laser_mw_ / wall_plug_ * busy_ns;  // mW * ns = pJ
    }

    int rows_, cols_;
    double rate_gbaud_;
    int input_bits_;
    int weight_levels_;
    double weight_sigma_, drift_nu_, drift_t0_s_, output_range_default_;
    double laser_mw_, wall_plug_, loss_db_, responsivity_, noise_density_;
    double modulator_pj_, detector_pj_;
    int input_load_cycles_, ldpu_cycles_;
    double ldpu_pj_, static_power_mw_;
    std::unique_ptr<AdcModel> adc_;

    double i_row_a_ = 0.0;       // detector current of one fully-on row, A
    double bandwidth_hz_ = 0.0;  // receiver noise bandwidth
    aimcsim::TileKey key_;
    int rows_used_ = 0, cols_used_ = 0;
    double output_range_ = 1.0, w_max_ = 1.0;
    std::vector<float> w_prog_, abs_sum_;  // per cell: net and summed arm transmissions
    std::vector<float> w_now_, abs_now_;   // the same after drift
    bool programmed_ = false, timed_ = false;
};

}  // namespace

AIMCSIM_PLUGIN() {
    aimcsim::register_model<aimcsim::TileModel, PhotonicTile>(
        "photonic",
        "phase-change photonic tensor core (Feldmann et al., Nature 2021): WDM inputs, GST weights, balanced "
        "photodetection; latency from the symbol rate");
}
