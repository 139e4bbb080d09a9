#include "src/training/trained_layer.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "aimcsim/core/error.h"

namespace aimcsim {

namespace {

// Per vector: scale = largest |x| / max_code, codes = round(x / scale) (the digital unit's
// abs-max input scaling of in-memory training).
void quantize_rows(const float* x, int n, int len, int max_code, std::vector<std::int8_t>& codes,
                   std::vector<float>& scale) {
    codes.resize(static_cast<std::size_t>(n) * len);
    scale.resize(static_cast<std::size_t>(n));
    for (int k = 0; k < n; ++k) {
        const float* xk = x + static_cast<std::size_t>(k) * len;
        float m = 0.0F;
        for (int i = 0; i < len; ++i) m = std::max(m, std::fabs(xk[i]));
        scale[k] = m / static_cast<float>(max_code);
        const float inv = m > 0.0F ? static_cast<float>(max_code) / m : 0.0F;
        std::int8_t* ck = &codes[static_cast<std::size_t>(k) * len];
        for (int i = 0; i < len; ++i) {
            const long v = std::lround(xk[i] * inv);
            ck[i] = static_cast<std::int8_t>(std::max<long>(-max_code, std::min<long>(max_code, v)));
        }
    }
}

std::uint64_t time_tag(double t_s) {
    std::uint64_t bits = 0;
    std::memcpy(&bits, &t_s, sizeof bits);
    return bits;
}

}  // namespace

TrainedLayer::TrainedLayer(int rows, int cols, bool relu, std::vector<float> w, const TileConfig& tile,
                           const TrainingSettings& settings, std::uint64_t seed, std::uint64_t first_tile_id)
    : rows_(rows), cols_(cols), relu_(relu), rule_(settings.rule), seed_(seed), bias_(cols, 0.0F),
      weight_scale_(settings.weight_range / std::sqrt(static_cast<double>(rows))),
      forward_range_(settings.forward_output_range), backward_range_(settings.backward_output_range),
      refresh_threshold_(settings.refresh_threshold), digital_mac_pj_(settings.digital_mac_pj),
      digital_macs_per_cycle_(settings.digital_macs_per_cycle) {
    if (rule_ == TrainingRule::Float) {
        w_ = std::move(w);
        return;
    }
    ModelConfig<DeviceModel> device_config;
    try {
        device_config = tile.params().resolved<ModelConfig<DeviceModel>>("device");
        n_ = static_cast<int>(tile.params().integer("devices_per_polarity"));
    } catch (const std::logic_error&) {
        throw InputError("training: tile model '" + tile.model() +
                         "' has no `device:` section and `devices_per_polarity`; in-memory training needs them");
    }
    update_ = settings.update.create();
    const std::unique_ptr<TileModel> probe = tile.create();
    if (dynamic_cast<TrainableTile*>(probe.get()) == nullptr) {
        throw InputError("training: tile model '" + tile.model() +
                         "' does not support training (it is no TrainableTile: no conductances set by the "
                         "training, no transposed read)");
    }
    if (input_passes(*probe) > 1) {
        throw InputError("training: tile.input.passes must be 1 (multi-pass inputs are modelled for inference; the "
                         "training's forward and backward reads send their codes once)");
    }
    {
        const std::unique_ptr<DeviceModel> d = device_config.create();
        d->configure_cell(n_);
        if (d->polarity_level_fit()) {
            throw InputError("training: device model '" + device_config.model() +
                             "' describes a polarity group as one value; training pulses single devices (use pcm or "
                             "ideal)");
        }
        group_max_us_ = d->g_max_us() * n_;
        // epsilon: the mean step of a pulse on a device at half its range.
        epsilon_us_ = settings.epsilon_us > 0.0 ? settings.epsilon_us
                                                : update_->mean_step_us(0.5 * d->g_max_us(), d->g_max_us());
    }
    const int tr = probe->rows(), tc = probe->cols();
    std::uint64_t id = first_tile_id;
    for (int r0 = 0; r0 < rows; r0 += tr) {
        for (int c0 = 0; c0 < cols; c0 += tc) {
            Block b;
            b.r0 = r0;
            b.c0 = c0;
            b.rows = std::min(tr, rows - r0);
            b.cols = std::min(tc, cols - c0);
            b.tile_id = id++;
            b.tile = tile.create();
            b.trainable = dynamic_cast<TrainableTile*>(b.tile.get());
            b.device = device_config.create();
            b.device->configure_cell(n_);
            b.pairs = std::make_unique<DevicePairs>(b.rows, b.cols, n_, *b.device, *update_);
            b.pairs->set_refresh_threshold(refresh_threshold_);
            std::vector<float> sub(static_cast<std::size_t>(b.rows) * b.cols);
            for (int i = 0; i < b.rows; ++i)
                for (int j = 0; j < b.cols; ++j)
                    sub[static_cast<std::size_t>(i) * b.cols + j] = w[static_cast<std::size_t>(r0 + i) * cols + c0 + j];
            Rng prog(seed, Stream::Training, {3, b.tile_id});
            b.pairs->program(sub, weight_scale_, prog, 0.0, seed, b.tile_id);
            if (rule_ == TrainingRule::MixedPrecision) b.chi.assign(sub.size(), 0.0F);
            blocks_.push_back(std::move(b));
            load(blocks_.back(), 1.0);
        }
    }
}

void TrainedLayer::load(Block& b, double weight_scale_factor) {
    ConductanceBlock cb;
    cb.rows = b.rows;
    cb.cols = b.cols;
    b.pairs->conductances(cb.g_pos_us, cb.g_neg_us);
    cb.weight_scale = weight_scale_ * weight_scale_factor;
    cb.output_range = forward_range_;
    cb.transposed_range = backward_range_;
    b.trainable->load_conductances(cb, {seed_, b.tile_id});
}

void TrainedLayer::forward(const float* x, int n, float* y, MvmPass pass, const std::uint64_t* ids,
                           MvmEnergy* energy) const {
    const std::size_t out = static_cast<std::size_t>(n) * cols_;
    if (rule_ == TrainingRule::Float) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, cols_, rows_, 1.0F, x, rows_, w_.data(), cols_, 0.0F,
                    y, cols_);
    } else {
        thread_local std::vector<std::int8_t> codes;
        thread_local std::vector<float> scale, part;
        const int max_code = (1 << (blocks_.front().tile->input_bits() - 1)) - 1;
        quantize_rows(x, n, rows_, max_code, codes, scale);
        std::fill(y, y + out, 0.0F);
        for (const Block& b : blocks_) {
            part.resize(static_cast<std::size_t>(n) * b.cols);
            const RngKeyPrefix key = Rng::prefix(seed_, Stream::MvmNoise, {b.tile_id, static_cast<std::uint64_t>(pass)});
            b.tile->mvm_batch(codes.data() + b.r0, n, rows_, part.data(), b.cols, energy, &key, ids);
            for (int k = 0; k < n; ++k)
                for (int j = 0; j < b.cols; ++j)
                    y[static_cast<std::size_t>(k) * cols_ + b.c0 + j] += part[static_cast<std::size_t>(k) * b.cols + j] * scale[k];
        }
    }
    for (int k = 0; k < n; ++k)
        for (int j = 0; j < cols_; ++j) y[static_cast<std::size_t>(k) * cols_ + j] += bias_[j];
}

void TrainedLayer::backward(const float* d, int n, float* g, const std::uint64_t* ids, MvmEnergy* energy) const {
    if (rule_ == TrainingRule::Float) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, rows_, cols_, 1.0F, d, cols_, w_.data(), cols_, 0.0F, g,
                    rows_);
        return;
    }
    thread_local std::vector<std::int8_t> codes;
    thread_local std::vector<float> scale, part;
    const int max_code = (1 << (blocks_.front().tile->input_bits() - 1)) - 1;
    quantize_rows(d, n, cols_, max_code, codes, scale);
    std::fill(g, g + static_cast<std::size_t>(n) * rows_, 0.0F);
    for (const Block& b : blocks_) {
        part.resize(static_cast<std::size_t>(n) * b.rows);
        const RngKeyPrefix key =
            Rng::prefix(seed_, Stream::MvmNoise, {b.tile_id, static_cast<std::uint64_t>(MvmPass::TrainBackward)});
        b.trainable->mvm_transposed_batch(codes.data() + b.c0, n, cols_, part.data(), b.rows, energy, &key, ids);
        for (int k = 0; k < n; ++k)
            for (int i = 0; i < b.rows; ++i)
                g[static_cast<std::size_t>(k) * rows_ + b.r0 + i] += part[static_cast<std::size_t>(k) * b.rows + i] * scale[k];
    }
}

void TrainedLayer::update(const float* x, const float* d, int n, int batch, double lr, std::uint64_t step,
                          double t_s, TrainingCost& cost) {
    thread_local std::vector<float> dw, sub;
    const float alpha = static_cast<float>(-lr / batch);
    dw.resize(static_cast<std::size_t>(rows_) * cols_);
    // The outer products of the batch (and a Conv layer's pixels), summed: the digital unit's part of the update.
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, rows_, cols_, n, alpha, x, rows_, d, cols_, 0.0F, dw.data(),
                cols_);
    for (int k = 0; k < n; ++k)
        for (int j = 0; j < cols_; ++j) bias_[j] += alpha * d[static_cast<std::size_t>(k) * cols_ + j];
    if (rule_ == TrainingRule::Float) {
        for (std::size_t i = 0; i < dw.size(); ++i) w_[i] += dw[i];
        return;
    }
    const double macs = static_cast<double>(n + 1) * rows_ * cols_;  // n outer products, then the rule per weight
    cost.digital_pj += macs * digital_mac_pj_;
    const double clock_ghz = blocks_.front().tile->clock_ghz();
    cost.digital_ns += macs / (static_cast<double>(digital_macs_per_cycle_) * blocks_.size()) / clock_ghz;
    const PulseCosts pc = update_->costs();
    last_vectors_ = n;
    last_update_.clear();
    const double eps_w = weight_scale_ * epsilon_us_ / group_max_us_;
    for (Block& b : blocks_) {
        sub.resize(static_cast<std::size_t>(b.rows) * b.cols);
        for (int i = 0; i < b.rows; ++i)
            std::memcpy(&sub[static_cast<std::size_t>(i) * b.cols], &dw[static_cast<std::size_t>(b.r0 + i) * cols_ + b.c0],
                        sizeof(float) * b.cols);
        Rng rng(seed_, Stream::Training, {4, b.tile_id, step});
        const PulseTally t = rule_ == TrainingRule::MixedPrecision
                                 ? b.pairs->update_mixed_precision(sub.data(), b.chi, eps_w, rng, t_s)
                                 : b.pairs->update_analog_sgd(sub.data(), eps_w, rng, t_s);
        cost.pulses += t.pulses;
        cost.refreshes += t.refreshes;
        cost.pulse_pj += t.pulses * pc.set_pj;
        cost.refresh_pj += t.refreshes * (2.0 * n_ * pc.reset_pj + n_ * pc.program_iterations * pc.set_pj);
        // Row by row, every column's programming circuit in parallel; the tiles in parallel.
        const double tile_ns =
            t.pulse_rows_max_sum * pc.set_ns +
            t.refreshes * (2.0 * n_ * pc.reset_ns + n_ * pc.program_iterations * (pc.set_ns + pc.verify_read_ns));
        cost.programming_ns = std::max(cost.programming_ns, tile_ns);
        last_update_.push_back(BlockUpdate{b.r0, b.c0, b.rows, b.cols, tile_ns});
        if (t.pulses > 0 || t.refreshes > 0) load(b, 1.0);
    }
}

void TrainedLayer::load_drifted(double t_end_s, double t_after_s, bool gdc) {
    for (Block& b : blocks_) {
        Rng nu_rng(seed_, Stream::Training, {5, b.tile_id});
        Rng read_rng(seed_, Stream::ReadNoise1f, {b.tile_id, time_tag(t_after_s)});
        ConductanceBlock cb;
        cb.rows = b.rows;
        cb.cols = b.cols;
        b.pairs->read_after(t_end_s, t_after_s, nu_rng, read_rng, cb.g_pos_us, cb.g_neg_us);
        double factor = 1.0;
        if (gdc) {
            std::vector<float> p0, n0;
            b.pairs->conductances(p0, n0);
            double then = 0.0, now = 0.0;
            for (std::size_t i = 0; i < p0.size(); ++i) {
                then += std::fabs(p0[i] - n0[i]);
                now += std::fabs(cb.g_pos_us[i] - cb.g_neg_us[i]);
            }
            if (now > 0.0) factor = then / now;
        }
        cb.weight_scale = weight_scale_ * factor;
        cb.output_range = forward_range_;
        cb.transposed_range = backward_range_;
        b.trainable->load_conductances(cb, {seed_, b.tile_id});
    }
}

void TrainedLayer::load_trained() {
    for (Block& b : blocks_) load(b, 1.0);
}

double TrainedLayer::mvm_ns() const {
    double ns = 0.0;
    for (const Block& b : blocks_) ns = std::max(ns, b.tile->phases().latency() / b.tile->clock_ghz());
    return ns;
}

double TrainedLayer::static_power_mw() const {
    double mw = 0.0;
    for (const Block& b : blocks_) mw += b.tile->static_power_mw();
    return mw;
}

double TrainedLayer::weight(int r, int c) const {
    if (rule_ == TrainingRule::Float) return w_[static_cast<std::size_t>(r) * cols_ + c];
    for (const Block& b : blocks_) {
        if (r >= b.r0 && r < b.r0 + b.rows && c >= b.c0 && c < b.c0 + b.cols)
            return b.pairs->weight(static_cast<std::size_t>(r - b.r0) * b.cols + (c - b.c0));
    }
    throw std::logic_error("TrainedLayer::weight: outside the layer");
}

}  // namespace aimcsim
