#include "src/chip/chip.h"

#include <algorithm>
#include <atomic>
#include <stdexcept>
#include <thread>

#include "aimcsim/core/error.h"
#include "aimcsim/core/registry.h"

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

WeightBlock weight_block(const Network& net, const TileBlock& blk) {
    const Layer& l = net.layers[static_cast<std::size_t>(blk.layer)];
    WeightBlock wb;
    wb.rows = blk.rows;
    wb.cols = blk.cols;
    wb.weights.resize(static_cast<std::size_t>(blk.rows) * blk.cols);
    for (int i = 0; i < blk.rows; ++i) {
        for (int j = 0; j < blk.cols; ++j) wb.weights[static_cast<std::size_t>(i) * blk.cols + j] = l.w(blk.row_begin + i, blk.col_begin + j);
    }
    return wb;
}

}  // namespace

// Programming happens before the inference, outside simulated time. Tiles draw
// from streams keyed by their id, so the thread count does not change the result.
void Chip::program_tiles(std::vector<std::unique_ptr<TileModel>>& models, const Network& net, const Mapping& mapping,
                         std::uint64_t seed, const ChipValues& values) {
    for (const TileBlock& blk : mapping.blocks) {
        const Layer& l = net.layers[static_cast<std::size_t>(blk.layer)];
        if (l.weights.empty()) {
            throw InputError("layer '" + l.name + "' has no weights: the functional mode needs them (or set simulation.functional: false)");
        }
    }
    std::atomic<std::size_t> next{0};
    auto worker = [&]() {
        for (std::size_t b = next++; b < models.size(); b = next++) {
            const TileBlock& blk = mapping.blocks[b];
            models[b]->program(weight_block(net, blk), TileKey{seed, static_cast<std::uint64_t>(blk.tile)});
            models[b]->set_time(values.t_inference_s);
        }
    };
    unsigned n = values.threads > 0 ? static_cast<unsigned>(values.threads) : std::max(1u, std::thread::hardware_concurrency());
    n = std::min<unsigned>(n, static_cast<unsigned>(models.size()));
    std::vector<std::thread> pool;
    for (unsigned i = 1; i < n; ++i) pool.emplace_back(worker);
    worker();
    for (auto& t : pool) t.join();
}

Chip::Chip(const sc_core::sc_module_name& name, const ConfigNode& tile_section, const ChipParams& params,
           const Network& net, const Mapping& mapping, std::uint64_t seed, int batch, const ChipValues* values, bool record_spans)
    : sc_module(name), mapping_(mapping), from_routers_("from_routers") {
    const bool functional = values != nullptr;
    topology_ = Registry<Topology>::instance().create(params.interconnect, "hermes");
    topology_->setup(params.rows, params.cols);

    std::vector<std::unique_ptr<TileModel>> models;
    for (std::size_t b = 0; b < mapping.blocks.size(); ++b) {
        models.push_back(Registry<TileModel>::instance().create(tile_section, "hermes"));
    }
    if (!models.empty()) {
        clock_period_ = sc_time(1.0 / models.front()->clock_ghz(), SC_NS);
        tile_rows_ = models.front()->rows();
    }
    if (functional) program_tiles(models, net, mapping, seed, *values);
    for (std::size_t b = 0; b < mapping.blocks.size(); ++b) {
        const int tile = mapping.blocks[b].tile;
        tiles_.push_back(std::make_unique<TileModule>(("tile" + std::to_string(tile)).c_str(), std::move(models[b]), tile,
                                                      seed, functional));
        drivers_.push_back(std::make_unique<TileDriver>(("driver" + std::to_string(tile)).c_str(), *this));
        drivers_.back()->to_tile.bind(tiles_.back()->in);
        tiles_.back()->out.bind(drivers_.back()->from_tile);
    }
    if (tiles_.empty()) clock_period_ = sc_time(1.0, SC_NS);

    noc_ = std::make_unique<Interconnect>("noc", *topology_, params.tiles(), clock_period_);
    from_routers_.register_b_transport(this, &Chip::unexpected_packet);
    for (int t = 0; t < params.tiles(); ++t) noc_->router(t).to_tile.bind(from_routers_);

    schedule_ = std::make_unique<ChipSchedule>(net, mapping, params, noc_->scheduler(), batch);
    schedule_->issue_mvm = [this](int tile, std::uint64_t job) {
        drivers_.at(static_cast<std::size_t>(mapping_.block_of_tile.at(static_cast<std::size_t>(tile))))->enqueue(job);
    };
    schedule_->record_spans(record_spans);
    if (functional) schedule_->enable_values(values->inputs, tiles_.empty() ? 8 : tiles_.front()->model().input_bits());
    schedule_->start();

    SC_HAS_PROCESS(Chip);
    SC_METHOD(dispatch);
    sensitive << wake_;
    // Runs once at time 0 (initialisation), which handles the first input pixel.
}

std::uint64_t Chip::now_cycle() const { return noc_->cycle_at(sc_core::sc_time_stamp()); }

void Chip::dispatch() {
    schedule_->run_until(now_cycle());
    rearm();
}

void Chip::rearm() {
    const std::uint64_t next = schedule_->next_cycle();
    if (next == ChipSchedule::kNever) return;
    const sc_time at = noc_->time_of(next);
    const sc_time now = sc_core::sc_time_stamp();
    wake_.notify(at > now ? at - now : SC_ZERO_TIME);
}

void Chip::mvm_done(std::uint64_t job_id) {
    schedule_->mvm_done(job_id, now_cycle());
    rearm();
}

void Chip::unexpected_packet(int, tlm::tlm_generic_payload& trans, sc_time&) {
    trans.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
    throw std::logic_error("Chip: packet through the routers; the chip books packets in the LinkScheduler");
}

}  // namespace aimcsim
