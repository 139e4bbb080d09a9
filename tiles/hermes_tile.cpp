#include "tiles/hermes_tile.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "aimcsim/core/registry.h"

namespace aimcsim {

namespace {

std::uint64_t time_tag(double t_s) {
    std::uint64_t bits = 0;
    std::memcpy(&bits, &t_s, sizeof bits);
    return bits;
}

// E|v| for v ~ N(mu, sd^2).
double mean_abs_normal(double mu, double sd) {
    if (sd <= 0.0) return std::fabs(mu);
    const double z = mu / sd;
    return sd * std::sqrt(2.0 / M_PI) * std::exp(-0.5 * z * z) + mu * std::erf(z / std::sqrt(2.0));
}

}  // namespace

namespace {

ParamSchema ir_drop_schema() {
    ParamSchema s;
    s.boolean("enabled", false,
              "voltage drop on the source and bit lines' wires (first order, folded into the weights at each "
              "evaluation time; docs/physics.md, \"IR drop\"). Off: the wire resistance is not published, and the "
              "shipped figures are calibrated without it");
    s.real("segment_resistance_ohm", 0.05, "ohm",
           "wire resistance of one cell segment, the same on source and bit lines (# assumed 0.05 ohm: a wide "
           "upper-metal strap per 4 um cell, a drop of a few % at the array's far corner)")
        .range(0.0, 1000.0);
    return s;
}

}  // namespace

ParamSchema HermesTile::schema() {
    ParamSchema s;
    s.integer("rows", 256, "", "crossbar rows (inputs)").range(1, 4096);
    s.integer("cols", 256, "", "crossbar columns (outputs, one ADC each)").range(1, 4096);
    s.real("clock_ghz", 1.0, "GHz", "tile clock; every phase is a whole number of its cycles").positive();
    s.integer("devices_per_polarity", 2, "", "PCM devices per weight polarity in the 8T4R cell").range(1, 2);
    s.real("output_range", 16.0, "rows",
           "column value (sum of w_norm*x_norm) at ADC full scale, unless the mapper sets it per layer")
        .positive();
    s.real("four_phase_range_ratio", 2.0, "",
           "four-phase mode: full scale of one phase's unipolar partial sum, in units of output_range "
           "(# assumed: partials of one sign pair are about twice the net column value)")
        .positive();
    s.real("array_energy_pj_per_device_cycle", 0.00218, "pJ",
           "energy of one device at g_max conducting for one clock cycle of pulse")
        .at_least(0);
    s.real("column_energy_pj_per_window_cycle", 0.0, "pJ",
           "column periphery that runs for the whole of every integration window whatever the current (CCO bias, "
           "bit-line clamp), per column and window cycle; counted with the ADC. 0: no published split, the one-phase "
           "calibration holds it inside array_energy_pj_per_device_cycle")
        .at_least(0);
    s.real("static_power_mw", 6.0, "mW", "leakage and clock of the array periphery and ADCs").at_least(0);
    s.real("stuck_low_fraction", 0.0, "",
           "fraction of PCM devices stuck at 0 conductance, drawn per device (# assumed 0: the 64-core chip "
           "programs more than 99% of unit cells on 63 of 64 cores, 98.4% on the worst)")
        .range(0.0, 1.0);
    s.real("stuck_high_fraction", 0.0, "",
           "fraction of PCM devices stuck at g_max of one device (no drift), drawn per device (# assumed 0)")
        .range(0.0, 1.0);
    s.section("input", "input drivers (PWM)", InputModulator::schema());
    s.section("device", "device model: model: pcm | hermes_pcm | ideal | <plugin>",
              ModelConfig<DeviceModel>::resolver());
    s.section("adc", "column ADC model: model: cco | ideal | <plugin>", ModelConfig<AdcModel>::resolver());
    s.section("ldpu", "local digital processing unit", Ldpu::schema());
    s.section("gdc", "global drift compensation", DriftCompensation::schema());
    s.section("ir_drop", "wire resistance of the array's source and bit lines", ir_drop_schema());
    s.section("area", "silicon area by component (docs/physics.md, \"Area\")", TileAreaModel::schema());
    return s;
}

HermesTile::HermesTile(const Params& p)
    : rows_(static_cast<int>(p.integer("rows"))), cols_(static_cast<int>(p.integer("cols"))),
      clock_ghz_(p.real("clock_ghz")), devices_per_polarity_(static_cast<int>(p.integer("devices_per_polarity"))),
      default_output_range_(p.real("output_range")), four_phase_range_ratio_(p.real("four_phase_range_ratio")),
      array_energy_pj_per_device_cycle_(p.real("array_energy_pj_per_device_cycle")),
      column_energy_pj_per_window_cycle_(p.real("column_energy_pj_per_window_cycle")),
      static_power_mw_(p.real("static_power_mw")), input_(p.sub("input")), ldpu_(p.sub("ldpu")), gdc_(p.sub("gdc")),
      area_(p.sub("area")), device_(p.resolved<ModelConfig<DeviceModel>>("device").create()),
      adc_(p.resolved<ModelConfig<AdcModel>>("adc").create()),
      row_adc_(p.resolved<ModelConfig<AdcModel>>("adc").create()) {
    device_->configure_cell(devices_per_polarity_);
    crossbar_ = std::make_unique<Crossbar>(rows_, cols_, devices_per_polarity_, *device_);
    const Crossbar::Faults faults{p.real("stuck_low_fraction"), p.real("stuck_high_fraction")};
    if (faults.stuck_low + faults.stuck_high > 1.0) {
        throw p.error("stuck_high_fraction", "stuck_low_fraction + stuck_high_fraction must be at most 1");
    }
    crossbar_->set_faults(faults);
    faults_ = faults;
    const Params& ir = p.sub("ir_drop");
    ir_drop_ = {ir.flag("enabled"), ir.real("segment_resistance_ohm")};
    crossbar_->set_ir_drop(ir_drop_);
}

std::vector<std::pair<std::string, bool>> HermesTile::effects() const {
    const bool one_phase = input_.mode() == InputMode::OnePhase;
    return {{"device_noise_and_drift", !device_->is_ideal()},
            // Four-phase reads every device under V-: an asymmetric device reads as a symmetric one.
            {"read_polarity_asymmetry", one_phase && crossbar_->asymmetric()},
            {"ir_drop", ir_drop_.active()},
            {"stuck_devices", faults_.stuck_low + faults_.stuck_high > 0.0},
            {"drift_compensation", gdc_.enabled()},
            {"four_phase", !one_phase}};
}

double HermesTile::programmed_bytes() const {
    // Per cell: a ProgrammedDevice and the device model's own state per device of both
    // polarities, and the crossbar's w_pos, w_neg and w_diff floats (w_diff_neg too when
    // the device reads differently under V+ and V-).
    const double per_device = sizeof(ProgrammedDevice) + device_->state_bytes_per_device();
    const double weight_sets = device_->state_bytes_per_device() > 0.0 ? 4.0 : 3.0;
    const double per_cell = 2.0 * devices_per_polarity_ * per_device + weight_sets * sizeof(float);
    return static_cast<double>(rows_) * cols_ * per_cell;
}

MvmPhases HermesTile::phases() const {
    return phases_for_columns(crossbar_->cols_used() > 0 ? crossbar_->cols_used() : cols_);
}

MvmPhases HermesTile::phases_for_columns(int cols_used) const {
    MvmPhases ph;
    ph.input_load = input_.load_cycles();
    ph.integrate = input_.windows() * input_.window_cycles();
    ph.convert = input_.windows() * adc_->conversion_cycles();
    ph.readout = input_.windows() * adc_->readout_cycles();
    ph.ldpu = ldpu_.cycles(cols_used);
    const int passes = input_.passes();
    if (passes == 1) return ph;
    // Multi-pass inputs: the array runs every pass in full, one after the other. The LDPU
    // takes each pass's counts as the array starts the next pass, so only the last pass's
    // LDPU work adds to the latency, unless the LDPU is the slower of the two: then every
    // pass after the first waits (ldpu - array_busy) cycles more for it.
    const int array_busy = ph.array_busy();
    ph.input_load *= passes;
    ph.integrate *= passes;
    ph.convert *= passes;
    ph.readout *= passes;
    ph.ldpu += (passes - 1) * std::max(0, ph.ldpu - array_busy);
    return ph;
}

void HermesTile::program(const WeightBlock& block, const TileKey& key) {
    if (block.rows < 1 || block.rows > rows_ || block.cols < 1 || block.cols > cols_ ||
        block.weights.size() != static_cast<size_t>(block.rows) * block.cols) {
        throw std::logic_error("HermesTile::program: block does not fit the tile");
    }
    key_ = key;
    w_max_ = 0.0;
    for (float w : block.weights) w_max_ = std::max(w_max_, static_cast<double>(std::fabs(w)));
    if (w_max_ == 0.0) w_max_ = 1.0;
    std::vector<float> w_norm(block.weights.size());
    for (size_t i = 0; i < w_norm.size(); ++i) w_norm[i] = static_cast<float>(block.weights[i] / w_max_);
    output_range_ = block.output_range > 0.0 ? block.output_range : default_output_range_;

    Rng prog_rng(key.seed, Stream::Programming, {key.tile_id});
    Rng fault_rng(key.seed, Stream::Other, {key.tile_id, 0xFA17});
    crossbar_->program(w_norm, block.rows, block.cols, prog_rng, &fault_rng, {key.seed, key.tile_id});
    Rng mismatch_rng(key.seed, Stream::AdcMismatch, {key.tile_id});
    adc_->setup(cols_, mismatch_rng);
    programmed_ = true;
    gdc_factor_ = 1.0;
    gdc_reference_ = 0.0;
    if (!gdc_.enabled()) return;
    if (gdc_.reference() == GdcReference::Aihwkit) {
        gdc_reference_ = crossbar_->programmed_mean_abs_weight();
        return;
    }
    calibration_x_ =
        gdc_.calibration_inputs(block.rows, input_.max_code(), Rng(key.seed, Stream::Other, {key.tile_id, 0x6DC}));
    const double ratio = input_.mode() == InputMode::OnePhase ? 0.0 : four_phase_range_ratio_;
    calibration_range_ =
        DriftCompensation::calibration_range(w_norm, block.rows, block.cols, calibration_x_, input_.max_code(), ratio);
    set_time(gdc_.t_reference_s());
    gdc_reference_ = calibration_response(time_tag(gdc_.t_reference_s()));
    gdc_factor_ = 1.0;
}

void HermesTile::set_time(double t_s) {
    if (!programmed_) throw std::logic_error("HermesTile::set_time before program");
    Rng read_rng(key_.seed, Stream::ReadNoise1f, {key_.tile_id, time_tag(t_s)});
    crossbar_->set_time(t_s, read_rng);
    timed_ = true;
    gdc_factor_ = 1.0;
    if (gdc_.enabled() && gdc_reference_ > 0.0) {
        const double now = gdc_.reference() == GdcReference::Aihwkit ? crossbar_->mean_abs_weight()
                                                                     : calibration_response(time_tag(t_s));
        gdc_factor_ = DriftCompensation::factor(gdc_reference_, now);
    }
}

double HermesTile::calibration_response(std::uint64_t tag) const {
    const int n = crossbar_->rows_used();
    Rng noise(key_.seed, Stream::MvmNoise, {key_.tile_id, 0x6DC, tag});
    std::vector<float> y(crossbar_->cols_used());
    MvmEnergy ignored;
    double sum = 0.0;
    for (int v = 0; v < gdc_.vectors(); ++v) {
        read(&calibration_x_[static_cast<size_t>(v) * n], y.data(), ignored, &noise, calibration_range_);
        for (float yj : y) sum += std::fabs(yj);
    }
    return sum;
}

void HermesTile::read(const std::int8_t* x, float* y, MvmEnergy& energy, Rng* noise, double output_range) const {
    const int r = crossbar_->rows_used();
    const int c = crossbar_->cols_used();
    const int max_code = input_.max_code();
    const int max_count = adc_->max_count();
    thread_local std::vector<float> col;
    thread_local std::vector<std::int32_t> counts;
    // Real units per count: undo the ADC scale, the weight and the input normalisation.
    const double lsb = output_range / max_count * w_max_ * max_code;

    Crossbar::Activity act;
    if (input_.mode() == InputMode::OnePhase) {
        col.resize(c);
        counts.resize(c);
        // Column values straight in ADC full-scale units.
        act = crossbar_->integrate_active(x, static_cast<float>(1.0 / (max_code * output_range)), col.data());
        adc_->convert(col.data(), c, counts.data(), noise);
        Ldpu::affine(counts.data(), c, lsb, nullptr, y);
    } else {
        // Each phase's partial sum p is unipolar, in [0, fs] with fs = ratio * range. A CCO
        // counts a frequency, so for a unipolar current it can use its whole span of
        // 2*max+1 levels over [0, fs] (one-phase must centre a bipolar net current in it):
        // count = (2p/fs - 1) * max. The per-column offset cancels in the signed sum of
        // the four phases.
        col.resize(4 * static_cast<size_t>(c));
        counts.resize(4 * static_cast<size_t>(c));
        crossbar_->integrate_four_phase(x, max_code, col.data());
        act = crossbar_->activity(x);
        const double phase_fs = four_phase_range_ratio_ * output_range;
        for (size_t k = 0; k < col.size(); ++k) col[k] = static_cast<float>(2.0 * col[k] / phase_fs - 1.0);
        for (int p = 0; p < 4; ++p) {
            adc_->convert(&col[static_cast<size_t>(p) * c], c, &counts[static_cast<size_t>(p) * c], noise);
        }
        static constexpr int kSign[4] = {+1, -1, -1, +1};  // (x+,w+), (x+,w-), (x-,w+), (x-,w-)
        for (int j = 0; j < c; ++j) {
            long net = 0;
            for (int p = 0; p < 4; ++p) net += kSign[p] * (counts[static_cast<size_t>(p) * c + j] + max_count);
            // One count of a phase is fs / (2 max) of column value, not range / max.
            y[j] = static_cast<float>(net * lsb * four_phase_range_ratio_ * 0.5);
        }
    }
    add_phase_energy(r, c, act, counts.data(), energy);
}

void HermesTile::add_phase_energy(int rows_used, int cols_used, const Crossbar::Activity& act,
                                  const std::int32_t* counts, MvmEnergy& energy) const {
    // Per component, from what each window does (docs/physics.md, "Energy"). The input
    // vector is latched once. The drivers switch the same source lines for the same
    // cycles in both modes (InputModulator::pwm_energy_pj). Each device conducts in
    // exactly one window for |x| cycles (one-phase: its row's window; four-phase: the
    // window of its row's input sign and its own polarity), so the array's device-cycles
    // do not depend on the mode. Every window ends with a conversion of every column,
    // and the column periphery runs for all of every window. The LDPU combines the
    // windows' counts per column before its affine step.
    const int windows = input_.windows();
    energy.input_pj += input_.load_energy_pj(rows_used);
    energy.pwm_pj += input_.pwm_energy_pj(act.active_rows, act.pulse_lsbs);
    energy.array_pj += array_energy_pj_per_device_cycle_ * input_.cycles_per_lsb() * act.conduction;
    energy.adc_pj += adc_->energy_pj(counts, windows * cols_used) + column_window_energy_pj(cols_used);
    energy.ldpu_pj += ldpu_.energy_pj(cols_used) + ldpu_.phase_combine_energy_pj(cols_used, windows);
}

double HermesTile::column_window_energy_pj(int cols_used) const {
    return column_energy_pj_per_window_cycle_ * cols_used * input_.windows() * input_.window_cycles();
}

void HermesTile::mvm(const std::int8_t* x, float* y, MvmEnergy& energy, Rng* noise) const {
    if (!timed_) throw std::logic_error("HermesTile::mvm before set_time");
    read(x, y, energy, noise, output_range_);
    if (gdc_factor_ != 1.0) Ldpu::compensate(y, crossbar_->cols_used(), gdc_factor_);
}

MvmEnergy HermesTile::reference_mvm_energy() const {
    // Uniform random codes in [-max, max] and weights uniform in [-1, 1] on every cell.
    const double m = input_.max_code();
    const double mean_abs_code = m * (m + 1) / (2 * m + 1);
    const double mean_sq_norm = m * (m + 1) / (3.0 * m * m);  // E[(x/m)^2], x uniform on the integers
    const double active_rows = rows_ * (2 * m) / (2 * m + 1);
    // Devices on the weight's polarity carry |w| * g_max, |w| has mean 1/2.
    const double conduction = rows_ * mean_abs_code * cols_ * devices_per_polarity_ * 0.5;
    MvmEnergy e;
    e.input_pj = input_.load_energy_pj(rows_);
    e.pwm_pj = input_.pwm_energy_pj(active_rows, rows_ * mean_abs_code);
    e.array_pj = array_energy_pj_per_device_cycle_ * input_.cycles_per_lsb() * conduction;
    if (input_.mode() == InputMode::OnePhase) {
        // Column value ~ N(0, rows * E[w^2] * E[x^2]).
        const double sigma = std::sqrt(rows_ * (1.0 / 3.0) * mean_sq_norm) / default_output_range_;
        e.adc_pj =
            cols_ * adc_->energy_per_conversion_pj(std::min(1.0, mean_abs_normal(0.0, sigma)) * adc_->max_count());
    } else {
        // A phase's partial sum p = sum_i a_i b_i with a = positive part of x/m and
        // b = positive part of w: E[a] = E|x/m|/2, E[a^2] = E[(x/m)^2]/2, E[b] = 1/4, E[b^2] = 1/6.
        const double ea = 0.5 * mean_abs_code / m;
        const double ea2 = 0.5 * mean_sq_norm;
        const double mean_p = rows_ * ea * 0.25;
        const double sd_p = std::sqrt(rows_ * (ea2 / 6.0 - ea * ea / 16.0));
        const double fs = four_phase_range_ratio_ * default_output_range_;
        const double v = mean_abs_normal(2.0 * mean_p / fs - 1.0, 2.0 * sd_p / fs);
        e.adc_pj = 4.0 * cols_ * adc_->energy_per_conversion_pj(std::min(1.0, v) * adc_->max_count());
    }
    e.adc_pj += column_window_energy_pj(cols_);
    e.ldpu_pj = ldpu_.energy_pj(cols_) + ldpu_.phase_combine_energy_pj(cols_, input_.windows());
    // Multi-pass inputs: each pass is a full MVM at this operating point. The residual passes'
    // codes are smaller (within +-2^(bits-2)), so this bounds their drive and array energy from above.
    const double passes = input_.passes();
    e.input_pj *= passes;
    e.pwm_pj *= passes;
    e.array_pj *= passes;
    e.adc_pj *= passes;
    e.ldpu_pj *= passes;
    return e;
}

AIMCSIM_REGISTER(TileModel, HermesTile, "hermes",
                 "HERMES-like PCM core: 8T4R crossbar, PWM inputs, column ADCs, LDPU with drift compensation");

}  // namespace aimcsim
