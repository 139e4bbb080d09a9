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

TileDriver::TileDriver(const sc_core::sc_module_name& name, Chip& chip)
    : sc_module(name), to_tile("to_tile"), from_tile("from_tile"), chip_(chip) {
    from_tile.register_b_transport(this, &TileDriver::on_result);
    SC_HAS_PROCESS(TileDriver);
    SC_THREAD(run);
}

void TileDriver::enqueue(std::uint64_t job_id) {
    queue_.push_back(job_id);
    work_.notify(SC_ZERO_TIME);
}

void TileDriver::run() {
    TileOp op;
    tlm::tlm_generic_payload trans;
    for (;;) {
        while (queue_.empty()) wait(work_);
        op = TileOp{};
        op.kind = TileOp::Kind::Mvm;
        op.tag = queue_.front();
        op.mvm_id = op.tag;
        queue_.pop_front();
        if (chip_.functional()) op.mvm_id = chip_.schedule_->mvm_id(op.tag);
        if (chip_.functional()) {
            // Gathered now: the array is free and every input of the window has arrived.
            codes_.resize(static_cast<std::size_t>(chip_.tile_rows_));
            op.x = codes_.data();
            op.y = chip_.schedule_->prepare_mvm(op.tag, codes_.data());
        }
        chip_.schedule_->mvm_started(op.tag, chip_.now_cycle());
        trans.set_command(tlm::TLM_WRITE_COMMAND);
        trans.set_extension(&op);
        sc_time delay = SC_ZERO_TIME;
        to_tile->b_transport(trans, delay);  // returns when the array is free again
        trans.clear_extension(&op);
    }
}

void TileDriver::on_result(tlm::tlm_generic_payload& trans, sc_time&) {
    TileOp* op = nullptr;
    trans.get_extension(op);
    if (op == nullptr) throw std::logic_error("TileDriver: result without TileOp");
    chip_.mvm_done(op->tag);
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
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
           const Mapping& mapping, std::uint64_t seed, int batch, const ChipValues* values, bool record_spans)
    : sc_module(name), mapping_(mapping) {
    const bool functional = values != nullptr;
    topology_ = params.interconnect.create();
    topology_->setup(params.rows, params.cols);

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
    for (std::size_t b = 0; b < mapping.blocks.size(); ++b) {
        if (functional) {
            models.push_back(std::make_unique<SharedTile>(values->analog->tile(static_cast<int>(b))));
        } else {
            models.push_back(std::make_unique<BlockShapedTile>(tile.create(), mapping.blocks[b].cols));
        }
    }
    if (!models.empty()) {
        clock_period_ = sc_time(1.0 / models.front()->clock_ghz(), SC_NS);
        tile_rows_ = models.front()->rows();
    }
    for (std::size_t b = 0; b < mapping.blocks.size(); ++b) {
        const int tile = mapping.blocks[b].tile;
        tiles_.push_back(std::make_unique<TileModule>(("tile" + std::to_string(tile)).c_str(), std::move(models[b]),
                                                      tile, seed, functional));
        drivers_.push_back(std::make_unique<TileDriver>(("driver" + std::to_string(tile)).c_str(), *this));
        drivers_.back()->to_tile.bind(tiles_.back()->in);
        tiles_.back()->out.bind(drivers_.back()->from_tile);
    }
    if (tiles_.empty()) clock_period_ = sc_time(1.0, SC_NS);
    if (clock_period_ == SC_ZERO_TIME) throw std::logic_error("Chip: the tile clock period rounds to 0");

    network_ = std::make_unique<Interconnect>(*topology_, params.tiles());
    schedule_ = std::make_unique<ChipSchedule>(net, mapping, params, *network_, batch);
    schedule_->issue_mvm = [this](int tile, std::uint64_t job) {
        drivers_.at(static_cast<std::size_t>(mapping_.block_of_tile.at(static_cast<std::size_t>(tile))))->enqueue(job);
    };
    schedule_->record_spans(record_spans);
    network_->record_spans(record_spans);
    if (functional) schedule_->enable_values(values->inputs, *values->analog, values->gdc, values->first_image);
    schedule_->start();

    SC_HAS_PROCESS(Chip);
    SC_METHOD(dispatch);
    sensitive << wake_;
    SC_METHOD(deliver_results);
    sensitive << results_event_;
    dont_initialize();
    // Runs once at time 0 (initialisation), which handles the first input pixel.
}

std::uint64_t Chip::now_cycle() const {
    const auto period = clock_period_.value();
    return (sc_core::sc_time_stamp().value() + period - 1) / period;
}

sc_time Chip::time_of(std::uint64_t cycle) const { return sc_time::from_value(clock_period_.value() * cycle); }

void Chip::dispatch() {
    schedule_->run_until(now_cycle());
    rearm();
}

void Chip::rearm() {
    const std::uint64_t next = schedule_->next_cycle();
    if (next == ChipSchedule::kNever) return;
    const sc_time at = time_of(next);
    const sc_time now = sc_core::sc_time_stamp();
    wake_.notify(at > now ? at - now : SC_ZERO_TIME);
}

void Chip::mvm_done(std::uint64_t job_id) {
    // Collected and handled one delta later, in issue order (job ids are issued in
    // order): the LDPU threads finishing at one time run in the order of the SystemC
    // kernel's timed-event heap, which is no property of the chip.
    results_due_.push_back(job_id);
    results_event_.notify(SC_ZERO_TIME);
}

void Chip::deliver_results() {
    std::sort(results_due_.begin(), results_due_.end());
    for (const std::uint64_t job : results_due_) schedule_->mvm_done(job, now_cycle());
    results_due_.clear();
    rearm();
}

}  // namespace aimcsim
