#include "src/chip/chip.h"

#include <algorithm>
#include <stdexcept>

#include "aimcsim/core/error.h"
#include "aimcsim/core/registry.h"
#include "src/functional/analog_network.h"

namespace aimcsim {

using sc_core::sc_time;
using sc_core::SC_NS;
using sc_core::SC_ZERO_TIME;

TilePort::TilePort(const sc_core::sc_module_name& name) : sc_module(name), to_tile("to_tile"), from_tile("from_tile") {
    from_tile.register_b_transport(this, &TilePort::on_result);
    trans_.set_command(tlm::TLM_WRITE_COMMAND);
}

TilePort::~TilePort() { trans_.clear_extension<TileOp>(); }

void TilePort::run(TileOp& op, sc_time delay) {
    if (carried_ != &op) {
        trans_.set_extension(&op);
        carried_ = &op;
    }
    trans_.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    to_tile->b_transport(trans_, delay);
    if (trans_.get_response_status() != tlm::TLM_OK_RESPONSE)
        throw std::logic_error("TilePort: the tile refused an MVM");
}

void TilePort::on_result(tlm::tlm_generic_payload&, sc_time&) {
    throw std::logic_error("TilePort: an annotated tile sent its result on `out`");
}

namespace {

// A TileModule owns its model; in functional mode it drives the AnalogNetwork's
// programmed tile through this view, so both paths run the very same objects.
class SharedTile final : public TileModel {
public:
    explicit SharedTile(TileModel& tile) : tile_(tile) {}
    [[nodiscard]] int rows() const override { return tile_.rows(); }
    [[nodiscard]] int cols() const override { return tile_.cols(); }
    [[nodiscard]] double clock_ghz() const override { return tile_.clock_ghz(); }
    [[nodiscard]] int input_bits() const override { return tile_.input_bits(); }
    [[nodiscard]] MvmPhases phases() const override { return tile_.phases(); }
    [[nodiscard]] double static_power_mw() const override { return tile_.static_power_mw(); }
    [[nodiscard]] TileArea area() const override { return tile_.area(); }
    void program(const WeightBlock& block, const TileKey& key) override { tile_.program(block, key); }
    void set_time(double t_s) override { tile_.set_time(t_s); }
    void mvm(const std::int8_t* x, float* y, MvmEnergy& energy, Rng* noise) const override {
        tile_.mvm(x, y, energy, noise);
    }
    [[nodiscard]] MvmEnergy reference_mvm_energy() const override { return tile_.reference_mvm_energy(); }
    [[nodiscard]] double gdc_factor() const override { return tile_.gdc_factor(); }

private:
    TileModel& tile_;
};

// Timing only: an unprogrammed tile that times its MVMs for its block's columns.
class BlockShapedTile final : public TileModel {
public:
    BlockShapedTile(std::unique_ptr<TileModel> tile, int cols_used) : tile_(std::move(tile)), cols_used_(cols_used) {}
    [[nodiscard]] int rows() const override { return tile_->rows(); }
    [[nodiscard]] int cols() const override { return tile_->cols(); }
    [[nodiscard]] double clock_ghz() const override { return tile_->clock_ghz(); }
    [[nodiscard]] int input_bits() const override { return tile_->input_bits(); }
    [[nodiscard]] MvmPhases phases() const override { return tile_->phases_for_columns(cols_used_); }
    [[nodiscard]] double static_power_mw() const override { return tile_->static_power_mw(); }
    [[nodiscard]] TileArea area() const override { return tile_->area(); }
    void program(const WeightBlock& block, const TileKey& key) override { tile_->program(block, key); }
    void set_time(double t_s) override { tile_->set_time(t_s); }
    void mvm(const std::int8_t* x, float* y, MvmEnergy& energy, Rng* noise) const override {
        tile_->mvm(x, y, energy, noise);
    }
    [[nodiscard]] MvmEnergy reference_mvm_energy() const override { return tile_->reference_mvm_energy(); }
    [[nodiscard]] double gdc_factor() const override { return tile_->gdc_factor(); }

private:
    std::unique_ptr<TileModel> tile_;
    int cols_used_;
};

}  // namespace

Chip::Chip(const sc_core::sc_module_name& name, const TileConfig& tile, const ChipParams& params, const Network& net,
           const Mapping& mapping, std::uint64_t seed, int batch, const ChipValues* values, bool record_spans,
           std::unique_ptr<Interconnect> network, const TrainStepPlan* train)
    : sc_module(name), mapping_(mapping), network_(std::move(network)) {
    const bool functional = values != nullptr;
    if (functional && train != nullptr) throw std::logic_error("Chip: a training step is timing only");
    if (!network_) {
        topology_ = params.interconnect.create();
        topology_->setup(params.rows, params.cols);
    }

    if (functional) {
        const AnalogNetwork* an = values->analog;
        if (an == nullptr) throw std::logic_error("Chip: functional mode needs an AnalogNetwork");
        if (&an->network() != &net || an->mapping().blocks.size() != mapping.blocks.size() || an->seed() != seed) {
            throw std::logic_error("Chip: the AnalogNetwork must hold the chip's network, mapping and seed");
        }
        for (std::size_t b = 0; b < mapping.blocks.size(); ++b) {
            if (an->mapping().blocks[b].tile != mapping.blocks[b].tile) {
                throw std::logic_error("Chip: the AnalogNetwork's mapping differs from the chip's");
            }
        }
    }
    std::vector<std::unique_ptr<TileModel>> models;
    std::vector<int> module_tile;
    for (std::size_t b = 0; b < mapping.blocks.size(); ++b) {
        const int shared = mapping.blocks[b].shared;
        if (shared >= 0) {  // the shared block's module
            module_of_block_.push_back(module_of_block_.at(static_cast<std::size_t>(shared)));
            continue;
        }
        if (functional && std::any_of(mapping.blocks.begin(), mapping.blocks.end(),
                                      [](const TileBlock& x) { return x.shared >= 0; }))
            throw InputError("shared weights (Layer::shares_weights) are timing-only: set simulation.functional: false");
        module_of_block_.push_back(static_cast<int>(models.size()));
        module_tile.push_back(mapping.blocks[b].tile);
        if (functional) {
            models.push_back(std::make_unique<SharedTile>(values->analog->tile(static_cast<int>(b))));
        } else {
            models.push_back(std::make_unique<BlockShapedTile>(tile.create(), mapping.blocks[b].cols));
        }
    }
    double clock_ghz = 1.0;
    if (!models.empty()) {
        clock_ghz = models.front()->clock_ghz();
        clock_period_ = sc_time(1.0 / models.front()->clock_ghz(), SC_NS);
        tile_rows_ = models.front()->rows();
    }
    for (std::size_t m = 0; m < models.size(); ++m) {
        const int tile = module_tile[m];
        tiles_.push_back(std::make_unique<TileModule>(("tile" + std::to_string(tile)).c_str(), std::move(models[m]),
                                                      tile, seed, functional, TileModule::Timing::Annotated));
        ports_.push_back(std::make_unique<TilePort>(("port" + std::to_string(tile)).c_str()));
        ports_.back()->to_tile.bind(tiles_.back()->in);
        tiles_.back()->out.bind(ports_.back()->from_tile);
    }
    if (tiles_.empty()) clock_period_ = sc_time(1.0, SC_NS);
    if (clock_period_ == SC_ZERO_TIME) throw std::logic_error("Chip: the tile clock period rounds to 0");

    if (!network_) network_ = std::make_unique<Interconnect>(*topology_, params.tiles());
    schedule_ = std::make_unique<ChipSchedule>(net, mapping, params, *network_, batch);
    schedule_->issue_mvm = [this](int block, std::uint64_t job, std::uint64_t cycle) { issue(block, job, cycle); };
    if (functional) passes_ = values->analog->input_passes();
    codes_.resize(static_cast<std::size_t>(tile_rows_) * static_cast<std::size_t>(passes_));
    schedule_->record_spans(record_spans);
    network_->record_spans(record_spans);
    if (functional) schedule_->enable_values(values->inputs, *values->analog, values->gdc, values->first_image);
    schedule_->start();
    if (train != nullptr)
        train_ = std::make_unique<TrainStep>(mapping, params, *network_, *train, batch, clock_ghz);

    SC_HAS_PROCESS(Chip);
    SC_THREAD(run);
}

sc_time Chip::time_of(std::uint64_t cycle) const { return sc_time::from_value(clock_period_.value() * cycle); }

void Chip::issue(int block, std::uint64_t job_id, std::uint64_t cycle) {
    op_ = TileOp{};
    op_.kind = TileOp::Kind::Mvm;
    op_.tag = job_id;
    op_.mvm_id = job_id;
    if (functional()) {
        // Gathered now: every input of the window has arrived, and the tile computes
        // the MVM at once (its per-read noise is keyed by mvm_id, not by when).
        op_.mvm_id = schedule_->mvm_id(job_id);
        op_.x = codes_.data();
        const TileBlock& b = mapping_.blocks[static_cast<std::size_t>(block)];
        op_.passes = passes_;
        op_.plane_stride = b.rows;  // PixelValues quantises the block's rows into passes planes
        op_.cols = b.cols;
        op_.y = schedule_->prepare_mvm(job_id, codes_.data());
    }
    const int module = module_of_block_[static_cast<std::size_t>(block)];
    ports_[static_cast<std::size_t>(module)]->run(op_, time_of(cycle) - sc_core::sc_time_stamp());
    const std::uint64_t period = clock_period_.value();
    schedule_->mvm_started(job_id, op_.start.value() / period);
    results_.push(Result{op_.done.value() / period, issued_++, job_id});
}

std::uint64_t Chip::occupy(int block, int kind, std::uint64_t busy_cycles, std::uint64_t cycle) {
    op_ = TileOp{};
    op_.kind = kind == TrainStep::kMvm       ? TileOp::Kind::Mvm
               : kind == TrainStep::kDigital ? TileOp::Kind::Digital
                                             : TileOp::Kind::Pulse;
    op_.busy_cycles = busy_cycles;
    const int module = module_of_block_[static_cast<std::size_t>(block)];
    ports_[static_cast<std::size_t>(module)]->run(op_, time_of(cycle) - sc_core::sc_time_stamp());
    return op_.done.value() / clock_period_.value();
}

void Chip::run() {
    std::uint64_t now = 0;
    for (;;) {
        const std::uint64_t next_event = schedule_->next_cycle();
        const std::uint64_t next = std::min(next_event, results_.next_cycle());
        if (next == ChipSchedule::kNever) break;
        now = next;
        schedule_->run_until(now);
        while (results_.next_cycle() == now) schedule_->mvm_done(results_.pop().job, now);
        schedule_->run_until(now);
    }
    if (train_) {
        // The batch's last output has left: the backward pass, the updates and the pulses.
        train_timing_ = train_->run(schedule_->done_cycle(schedule_->batch() - 1),
                                    [this](int block, int kind, std::uint64_t busy, std::uint64_t cycle) {
                                        return occupy(block, kind, busy, cycle);
                                    });
        now = std::max(now, train_timing_.step_end_cycle);
    }
    wait(time_of(now) - sc_core::sc_time_stamp());  // SystemC time catches up with the controller's
}

}  // namespace aimcsim
