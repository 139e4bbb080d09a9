// Tile models: one analog core (crossbar, input drivers, ADCs, local digital unit).
// Pluggable axis "tile" (`tile.model`). The SystemC TileModule wraps any TileModel;
// the batched accuracy path calls the same TileModel directly, so both paths share
// one set of numerics.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "aimcsim/core/params.h"
#include "aimcsim/core/registry.h"
#include "aimcsim/core/rounding.h"
#include "aimcsim/random_streams.h"

namespace aimcsim {

// Cycles of each phase of one MVM, in cycles of the tile clock.
struct MvmPhases {
    int input_load = 0;  // input vector into the row drivers
    int integrate = 0;   // all integration windows (4 in four-phase mode)
    int convert = 0;     // ADC work not overlapped with integration
    int readout = 0;     // latching the counts
    int ldpu = 0;        // affine correction, bias, activation, requantisation

    // The array is busy for these; the LDPU overlaps with the next MVM.
    [[nodiscard]] int array_busy() const { return input_load + integrate + convert + readout; }
    [[nodiscard]] int latency() const { return array_busy() + ldpu; }
};

// Energy of MVMs by component, in pJ.
struct MvmEnergy {
    double input_pj = 0.0;  // loading inputs into the drivers
    double pwm_pj = 0.0;    // row drivers (pulse-width modulation)
    double array_pj = 0.0;  // current through the devices while integrating
    double adc_pj = 0.0;    // column conversions
    double ldpu_pj = 0.0;   // local digital post-processing

    [[nodiscard]] double total_pj() const { return input_pj + pwm_pj + array_pj + adc_pj + ldpu_pj; }
    MvmEnergy& operator+=(const MvmEnergy& o) {
        input_pj += o.input_pj;
        pwm_pj += o.pwm_pj;
        array_pj += o.array_pj;
        adc_pj += o.adc_pj;
        ldpu_pj += o.ldpu_pj;
        return *this;
    }
};

// Silicon area of one tile by component, in mm2, in the order the model lists them.
// Empty: the model does not declare its area (reports then print null).
struct TileArea {
    std::vector<std::pair<std::string, double>> components_mm2;

    [[nodiscard]] bool declared() const { return !components_mm2.empty(); }
    [[nodiscard]] double total_mm2() const {
        double sum = 0.0;
        for (const auto& c : components_mm2) sum += c.second;
        return sum;
    }
};

// What the tile needs to program one weight block.
struct WeightBlock {
    int rows = 0;                // rows used (<= tile rows)
    int cols = 0;                // columns used (<= tile cols)
    std::vector<float> weights;  // row-major rows x cols, real units
    // Column value (sum of w_norm * x_norm over rows) that maps to the ADC's full
    // scale; <= 0 means the tile's configured default.
    double output_range = 0.0;
};

// Identity of a programmed tile in the random streams (so results never depend on
// which thread or in which order tiles are programmed).
struct TileKey {
    std::uint64_t seed = 0;
    std::uint64_t tile_id = 0;
};

class TileModel {
public:
    static constexpr const char* kAxis = "tile";
    static constexpr const char* kDefaultModel = "hermes";
    virtual ~TileModel() = default;

    [[nodiscard]] virtual int rows() const = 0;
    [[nodiscard]] virtual int cols() const = 0;
    [[nodiscard]] virtual double clock_ghz() const = 0;
    [[nodiscard]] virtual int input_bits() const = 0;  // signed input codes span +-(2^(bits-1) - 1)
    [[nodiscard]] virtual MvmPhases phases() const = 0;
    // The phases of an MVM whose block uses `cols_used` columns, for a tile that is
    // not programmed (timing-only chips): the LDPU, for one, only processes the
    // used columns. Default: phases().
    [[nodiscard]] virtual MvmPhases phases_for_columns(int cols_used) const {
        (void)cols_used;
        return phases();
    }
    [[nodiscard]] virtual double static_power_mw() const = 0;
    // Bytes one programmed tile of this model holds (device states, weights), asked
    // before anything is allocated so a run that cannot fit in memory stops with an
    // error. Default 0: unknown, not counted.
    [[nodiscard]] virtual double programmed_bytes() const { return 0.0; }

    // Programs a weight block: device noise and drift exponents are drawn here, once.
    virtual void program(const WeightBlock& block, const TileKey& key) = 0;

    // Moves to `t_s` seconds after programming: drift and the accumulated 1/f
    // deviation are applied to every device, and drift compensation (if enabled)
    // recalibrates. Call after program() and before mvm().
    virtual void set_time(double t_s) = 0;

    // One MVM on signed input codes (rows_used of them). Writes cols_used outputs in
    // the weights' real units times the input code (y = sum_i W_ij x_i, before bias
    // and activation, which belong to the layer), adds its energy to `energy`.
    // `noise` supplies the per-read noise (nullptr: none), keyed by the caller.
    virtual void mvm(const std::int8_t* x, float* y, MvmEnergy& energy, Rng* noise) const = 0;

    // `n` MVMs at once: input k is x + k*ldx, its output y + k*ldy, and its per-read
    // noise is the stream Rng(*noise_key, {noise_ids[k]}) (noise_key nullptr: none), the
    // stream mvm() would be given for it. A model may compute all n with one matrix
    // product; each output must follow the same statistics as mvm(), and must not
    // depend on n or on the other inputs. Their energy is added to *energy; nullptr: the
    // caller does not need it (accuracy runs), and a model may skip counting it.
    // Default: mvm() n times.
    virtual void mvm_batch(const std::int8_t* x, int n, int ldx, float* y, int ldy, MvmEnergy* energy,
                           const RngKeyPrefix* noise_key, const std::uint64_t* noise_ids) const {
        MvmEnergy unused;
        MvmEnergy& e = energy != nullptr ? *energy : unused;
        for (int k = 0; k < n; ++k) {
            const std::size_t kk = static_cast<std::size_t>(k);
            if (noise_key == nullptr) {
                mvm(x + kk * ldx, y + kk * ldy, e, nullptr);
                continue;
            }
            Rng noise(*noise_key, {noise_ids[k]});
            mvm(x + kk * ldx, y + kk * ldy, e, &noise);
        }
    }

    // Energy of one MVM at the reference operating point (uniform random 8-bit
    // inputs and weights on all cells), for peak-efficiency figures.
    [[nodiscard]] virtual MvmEnergy reference_mvm_energy() const = 0;

    // Area by component (PCM array, drivers, ADCs, LDPU, ...). Default: not declared,
    // since a model that says nothing about its silicon must not get an invented area.
    [[nodiscard]] virtual TileArea area() const { return {}; }

    // Drift-compensation factor currently applied (1 if off); for reports and tests.
    [[nodiscard]] virtual double gdc_factor() const { return 1.0; }

    // Physical devices of the programmed block that do not follow programming (stuck
    // low or high, ...), for the reports. Default 0: the model has no faults.
    [[nodiscard]] virtual long faulty_devices() const { return 0; }

    // The physical effects the programmed tile applies to its MVMs, by name, on or off (the
    // report lists them). Default: none declared.
    [[nodiscard]] virtual std::vector<std::pair<std::string, bool>> effects() const { return {}; }
};

// In-memory training (src/training/, docs/training.md): the conductances of a block come
// from the training's own device state, not from program(). Every value is the summed
// conductance of a polarity group (the devices of one polarity of a weight), read as V-
// reads it, row-major rows x cols.
struct ConductanceBlock {
    int rows = 0;
    int cols = 0;
    std::vector<float> g_pos_us, g_neg_us;
    // Real weight of a normalised weight 1 (G+ - G- = the polarity group's full scale).
    double weight_scale = 1.0;
    double output_range = 0.0;      // column value at the column ADCs' full scale (<= 0: the tile's default)
    double transposed_range = 0.0;  // row value at the row ADCs' full scale (<= 0: the tile's default)
};

// A tile that can be trained in memory. Separate from TileModel so that plugins built
// before it keep their layout: the training asks a tile for it with dynamic_cast and
// refuses a tile model that does not offer it.
class TrainableTile {
public:
    virtual ~TrainableTile() = default;
    // Sets the block's conductances; the tile is then ready for mvm() / mvm_batch() (no drift
    // compensation: the training applies its own). Cheap to call again after every update.
    virtual void load_conductances(const ConductanceBlock& block, const TileKey& key) = 0;
    // The transposed read of the backward pass: n input vectors on the columns (cols_used
    // signed codes each, vector k at x + k*ldx), outputs on the rows (rows_used values,
    // y + k*ldy, sum_j W_ij x_j in the weights' real units times the code), through the same
    // devices, with the rows' own converters. Noise keys as in mvm_batch.
    virtual void mvm_transposed_batch(const std::int8_t* x, int n, int ldx, float* y, int ldy, MvmEnergy* energy,
                                      const RngKeyPrefix* noise_key, const std::uint64_t* noise_ids) const = 0;
};

// Multi-pass (bit-sliced) inputs, an extension of the PWM drivers (tile.input.passes,
// docs/physics.md, "Multi-pass inputs"). A real-valued input vector x with input scale s
// (real value of code 1) is sent in `passes` ordinary MVMs: pass 0 carries the codes
// c0 = round(x / s), pass p the codes of the residual r_p = x - sum_{q<p} c_q s_q at the
// scale s_p = s 2^-(k p). Every pass is one mvm() of the unchanged tile (noise, ADC, LDPU);
// the digital side adds the passes' outputs weighted by s_p / s. A tile that does not
// derive from this runs every MVM in one pass. Separate from TileModel, so plugins built
// before it keep their layout. Such a tile's phases() and reference_mvm_energy() count all
// passes of one MVM; its mvm() and mvm_batch() are one pass, the caller runs the passes.
class MultiPassInput {
public:
    virtual ~MultiPassInput() = default;
    [[nodiscard]] virtual int input_passes() const = 0;  // 1 = plain single-pass inputs
};

inline constexpr int kMaxInputPasses = 4;

[[nodiscard]] inline int input_passes(const TileModel& tile) {
    const auto* multi = dynamic_cast<const MultiPassInput*>(&tile);
    const int passes = multi != nullptr ? multi->input_passes() : 1;
    if (passes < 1 || passes > kMaxInputPasses) throw std::logic_error("a tile's input_passes() is not 1 to 4");
    return passes;
}

// k, the bits each pass after the first adds. Unclipped, a pass leaves a residual of at
// most half its step, |r| <= s_p / 2, so the next pass's codes are at most 2^(k-1) in
// magnitude; they fit the codes' range max_code = 2^(bits-1) - 1 without clipping iff
// 2^(k-1) <= 2^(bits-1) - 1, i.e. k <= bits - 1. 8-bit inputs: k = 7, codes of pass p >= 1
// within +-64, so 3 passes resolve 8 + 7 + 7 = 22 bits, error <= s 2^-15.
[[nodiscard]] inline int pass_shift_bits(int input_bits) { return input_bits - 1; }
// s_p / s, the weight of pass p's output.
[[nodiscard]] inline double pass_weight(int input_bits, int pass) {
    return std::ldexp(1.0, -pass_shift_bits(input_bits) * pass);
}
// The per-read noise id of pass p of the MVM keyed `id`: pass 0 keeps the id (single-pass
// results stay bit for bit), later passes set p in the top bits (ids below 2^60 are assumed:
// mvm_noise_id puts the image above 24 pixel bits, so up to 2^36 images).
[[nodiscard]] inline std::uint64_t pass_noise_id(std::uint64_t id, int pass) {
    return id ^ (static_cast<std::uint64_t>(pass) << 60);
}

// The codes of n values x at input scale `scale` in `passes` planes, plane p at codes + p n.
// Pass 0 is round_clamp(x / scale), as single-pass inputs; each later pass codes the
// residual left by the ones before it, in double.
inline void quantize_passes(const float* x, int n, double scale, int max_code, int input_bits, int passes,
                            std::int8_t* codes) {
    if (passes < 1 || passes > kMaxInputPasses) throw std::logic_error("quantize_passes: passes must be 1 to 4");
    const double inv_scale = 1.0 / scale;
    double step[kMaxInputPasses], inv_step[kMaxInputPasses];  // per pass, not per value
    for (int p = 0; p < passes; ++p) {
        step[p] = scale * pass_weight(input_bits, p);
        inv_step[p] = inv_scale / pass_weight(input_bits, p);
    }
    for (int i = 0; i < n; ++i) {
        double residual = x[i];
        for (int p = 0; p < passes; ++p) {
            const int c = round_clamp(p == 0 ? static_cast<double>(x[i]) * inv_scale : residual * inv_step[p], max_code);
            codes[static_cast<std::size_t>(p) * static_cast<std::size_t>(n) + static_cast<std::size_t>(i)] =
                static_cast<std::int8_t>(c);
            residual -= c * step[p];
        }
    }
}

// y[c] = sum_p pass_weight(p) out[p][c], c < cols, added in pass order in double. out[0] may be y.
inline void combine_passes(const float* const* out, int passes, int input_bits, int cols, float* y) {
    if (passes < 1 || passes > kMaxInputPasses) throw std::logic_error("combine_passes: passes must be 1 to 4");
    double weight[kMaxInputPasses];
    for (int p = 1; p < passes; ++p) weight[p] = pass_weight(input_bits, p);
    for (int c = 0; c < cols; ++c) {
        double acc = out[0][c];
        for (int p = 1; p < passes; ++p) acc += static_cast<double>(out[p][c]) * weight[p];
        y[c] = static_cast<float>(acc);
    }
}

// One MVM of an input in `passes` planes of codes (plane p at x + p plane_stride): one mvm()
// per pass, pass p's per-read noise keyed Rng(*noise_key, {pass_noise_id(noise_id, p)})
// (noise_key nullptr: none), outputs combined by combine_passes() into y (cols values).
// One pass: exactly tile.mvm() with the stream of noise_id.
inline void mvm_passes(const TileModel& tile, int passes, const std::int8_t* x, int plane_stride, int cols, float* y,
                       MvmEnergy& energy, const RngKeyPrefix* noise_key, std::uint64_t noise_id) {
    if (passes < 1 || passes > kMaxInputPasses) throw std::logic_error("mvm_passes: passes must be 1 to 4");
    thread_local std::vector<float> later;  // passes 1.. outputs
    later.resize(static_cast<std::size_t>(passes > 1 ? passes - 1 : 0) * static_cast<std::size_t>(cols));
    const float* out[kMaxInputPasses] = {y};
    for (int p = 0; p < passes; ++p) {
        float* dst = p == 0 ? y : later.data() + static_cast<std::size_t>(p - 1) * static_cast<std::size_t>(cols);
        out[p] = dst;
        const std::int8_t* codes = x + static_cast<std::size_t>(p) * static_cast<std::size_t>(plane_stride);
        if (noise_key == nullptr) {
            tile.mvm(codes, dst, energy, nullptr);
            continue;
        }
        Rng noise(*noise_key, {pass_noise_id(noise_id, p)});
        tile.mvm(codes, dst, energy, &noise);
    }
    if (passes > 1) combine_passes(out, passes, tile.input_bits(), cols, y);
}

// The `tile:` section, validated once; create() gives one tile per mapped block.
using TileConfig = ModelConfig<TileModel>;

}  // namespace aimcsim
