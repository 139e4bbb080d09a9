// The HERMES-like analog core: 8T4R PCM crossbar, PWM input drivers, CCO column
// ADCs and an LDPU, with global drift compensation. Registered as tile model "hermes".
#pragma once

#include <memory>
#include <vector>

#include "aimcsim/adc.h"
#include "aimcsim/device.h"
#include "aimcsim/tile.h"
#include "digital/drift_compensation.h"
#include "digital/ldpu.h"
#include "tiles/crossbar.h"
#include "tiles/input_modulator.h"
#include "tiles/tile_area.h"

namespace aimcsim {

class HermesTile : public TileModel, public TrainableTile, public MultiPassInput {
public:
    static ParamSchema schema();
    explicit HermesTile(const Params& p);

    [[nodiscard]] int rows() const override { return rows_; }
    [[nodiscard]] int cols() const override { return cols_; }
    [[nodiscard]] double clock_ghz() const override { return clock_ghz_; }
    [[nodiscard]] int input_bits() const override { return input_.bits(); }
    [[nodiscard]] int input_passes() const override { return input_.passes(); }
    // Of one MVM, all its input passes (each pass a full MVM on the array).
    [[nodiscard]] MvmPhases phases() const override;
    [[nodiscard]] MvmPhases phases_for_columns(int cols_used) const override;
    [[nodiscard]] double static_power_mw() const override { return static_power_mw_ + ldpu_.static_power_mw(); }
    [[nodiscard]] double programmed_bytes() const override;

    void program(const WeightBlock& block, const TileKey& key) override;
    void set_time(double t_s) override;
    void mvm(const std::int8_t* x, float* y, MvmEnergy& energy, Rng* noise) const override;
    // All n inputs through the crossbar in one matrix product, then per MVM the
    // read's noise, ADC and LDPU steps as mvm() does them (tiles/hermes_tile_batch.cpp).
    void mvm_batch(const std::int8_t* x, int n, int ldx, float* y, int ldy, MvmEnergy* energy,
                   const RngKeyPrefix* noise_key, const std::uint64_t* noise_ids) const override;
    [[nodiscard]] MvmEnergy reference_mvm_energy() const override;
    [[nodiscard]] double gdc_factor() const override { return gdc_factor_; }
    [[nodiscard]] long faulty_devices() const override {
        return crossbar_->stuck_low_devices() + crossbar_->stuck_high_devices();
    }
    [[nodiscard]] std::vector<std::pair<std::string, bool>> effects() const override;
    [[nodiscard]] TileArea area() const override { return area_.area(rows_, cols_, ldpu_.lanes()); }

    // In-memory training (tiles/hermes_tile_train.cpp). The transposed read runs the
    // one-phase numerics whatever input.mode says, with a converter per row drawn like
    // the columns' ADCs (# assumed: the HERMES core converts on its columns only).
    void load_conductances(const ConductanceBlock& block, const TileKey& key) override;
    void mvm_transposed_batch(const std::int8_t* x, int n, int ldx, float* y, int ldy, MvmEnergy* energy,
                              const RngKeyPrefix* noise_key, const std::uint64_t* noise_ids) const override;

    [[nodiscard]] const Crossbar& crossbar() const { return *crossbar_; }
    [[nodiscard]] const AdcModel& adc() const { return *adc_; }

private:
    // Raw analog read (no drift compensation) of one input vector, with the ADC full
    // scale at `output_range` (column value, sum of w_norm * x_norm).
    void read(const std::int8_t* x, float* y, MvmEnergy& energy, Rng* noise, double output_range) const;
    // mvm_batch() of at most kBatchGroup inputs, in one or four phases.
    void one_phase_batch(const std::int8_t* x, int n, int ldx, float* y, int ldy, MvmEnergy* energy,
                         const RngKeyPrefix* noise_key, const std::uint64_t* noise_ids) const;
    void four_phase_batch(const std::int8_t* x, int n, int ldx, float* y, int ldy, MvmEnergy* energy,
                          const RngKeyPrefix* noise_key, const std::uint64_t* noise_ids) const;
    // Adds one MVM's energy per component: `counts` holds the conversions of all windows.
    void add_phase_energy(int rows_used, int cols_used, const Crossbar::Activity& act, const std::int32_t* counts,
                          MvmEnergy& energy) const;
    // The column periphery over every integration window of one MVM.
    [[nodiscard]] double column_window_energy_pj(int cols_used) const;
    // Chip GDC protocol: sum of |outputs| over the calibration inputs at the current time.
    [[nodiscard]] double calibration_response(std::uint64_t time_tag) const;

    int rows_, cols_;
    double clock_ghz_;
    int devices_per_polarity_;
    double default_output_range_;
    double four_phase_range_ratio_;
    double array_energy_pj_per_device_cycle_;
    double column_energy_pj_per_window_cycle_;
    double static_power_mw_;
    InputModulator input_;
    Ldpu ldpu_;
    DriftCompensation gdc_;
    TileAreaModel area_;
    std::unique_ptr<DeviceModel> device_;
    std::unique_ptr<AdcModel> adc_;
    std::unique_ptr<Crossbar> crossbar_;
    std::unique_ptr<AdcModel> row_adc_;  // training's transposed reads only
    double transposed_range_ = 1.0;      // row value at the row converters' full scale
    bool loaded_ = false;                // conductances set by load_conductances (ADCs drawn)

    TileKey key_;
    double output_range_ = 1.0;  // column value at ADC full scale
    double w_max_ = 1.0;         // largest |weight| of the block: maps to g_max
    double gdc_reference_ = 0.0;
    std::vector<std::int8_t> calibration_x_;  // chip GDC protocol: the calibration vectors
    double calibration_range_ = 1.0;          // and the ADC full scale of their reads
    double gdc_factor_ = 1.0;
    IrDrop ir_drop_;
    Crossbar::Faults faults_;
    bool programmed_ = false;
    bool timed_ = false;
};

}  // namespace aimcsim
