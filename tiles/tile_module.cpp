#include "tiles/tile_module.h"

#include <stdexcept>

namespace aimcsim {

using sc_core::sc_time;
using sc_core::SC_NS;
using sc_core::SC_ZERO_TIME;

TileModule::TileModule(sc_core::sc_module_name name, std::unique_ptr<TileModel> model, int tile_id, std::uint64_t seed,
                       bool functional, Timing timing)
    : sc_module(name), in("in"), out("out"), model_(std::move(model)), tile_id_(tile_id), seed_(seed),
      functional_(functional), timing_(timing), clock_period_(1.0 / model_->clock_ghz(), SC_NS),
      array_free_at_(SC_ZERO_TIME), ldpu_free_at_(SC_ZERO_TIME), reference_energy_(model_->reference_mvm_energy()),
      stats_(std::string(this->name())), mvms_(stats_.declare("mvms", "", "matrix-vector multiplications")),
      array_busy_ns_(stats_.declare("array_busy_ns", "ns", "time the array was integrating or converting")),
      array_wait_ns_(stats_.declare("array_wait_ns", "ns", "time requests waited for the array to be free")) {
    in.register_b_transport(this, &TileModule::b_transport);
    SC_HAS_PROCESS(TileModule);
    if (timing_ == Timing::Blocking) SC_THREAD(ldpu_thread);  // annotated: the caller delivers the results
}

void TileModule::b_transport(tlm::tlm_generic_payload& trans, sc_time& delay) {
    TileOp* op = nullptr;
    trans.get_extension(op);
    if (op == nullptr) {
        trans.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
        return;
    }
    // Blocking: honour the initiator's annotated delay, then model in real time.
    if (timing_ == Timing::Blocking && delay != SC_ZERO_TIME) {
        wait(delay);
        delay = SC_ZERO_TIME;
    }
    switch (op->kind) {
        case TileOp::Kind::Program:
            model_->program(*op->block, TileKey{seed_, static_cast<std::uint64_t>(tile_id_)});
            phases_valid_ = false;
            break;
        case TileOp::Kind::SetTime: model_->set_time(op->t_s); break;
        case TileOp::Kind::Mvm:
            if (timing_ == Timing::Annotated) {
                mvm_annotated(*op, delay);
            } else {
                mvm_blocking(*op);
            }
            break;
        case TileOp::Kind::Digital:
        case TileOp::Kind::Pulse: occupy(*op, delay); break;
        case TileOp::Kind::Result: trans.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE); return;
    }
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

const MvmPhases& TileModule::phases() {
    if (!phases_valid_) {
        phases_ = model_->phases();
        array_busy_ns_per_mvm_ = cycles(phases_.array_busy()).to_seconds() * 1e9;
        phases_valid_ = true;
    }
    return phases_;
}

void TileModule::compute(const TileOp& op) {
    if (functional_) {
        // Rng(prefix(seed, MvmNoise, {tile}), {id}) is Rng(seed, MvmNoise, {tile, id}).
        const RngKeyPrefix key = Rng::prefix(seed_, Stream::MvmNoise, {static_cast<std::uint64_t>(tile_id_)});
        mvm_passes(*model_, op.passes, op.x, op.plane_stride, op.cols, op.y, energy_, &key, op.mvm_id);
    } else {
        energy_ += reference_energy_;
    }
}

void TileModule::mvm_blocking(TileOp& op) {
    const sc_time now = sc_core::sc_time_stamp();
    if (array_free_at_ > now) {
        array_wait_ns_.add((array_free_at_ - now).to_seconds() * 1e9);
        wait(array_free_at_ - now);
    }
    const MvmPhases ph = phases();
    // One event per phase; the numerics happen when the window closes.
    if (ph.input_load > 0) wait(cycles(ph.input_load));
    wait(cycles(ph.integrate + ph.convert));
    compute(op);
    if (ph.readout > 0) wait(cycles(ph.readout));
    array_free_at_ = sc_core::sc_time_stamp();
    array_busy_ns_.add(array_busy_ns_per_mvm_);
    mvms_.inc();
    ldpu_queue_.push_back(Pending{op});
    ldpu_work_.notify(SC_ZERO_TIME);
}

void TileModule::mvm_annotated(TileOp& op, sc_time& delay) {
    const MvmPhases& ph = phases();
    const sc_time now = sc_core::sc_time_stamp();
    const sc_time request = now + delay;
    op.start = array_free_at_ > request ? array_free_at_ : request;
    if (op.start > request) array_wait_ns_.add((op.start - request).to_seconds() * 1e9);
    array_free_at_ = op.start + cycles(ph.array_busy());
    const sc_time ldpu_start = ldpu_free_at_ > array_free_at_ ? ldpu_free_at_ : array_free_at_;
    op.done = ldpu_start + cycles(ph.ldpu);
    ldpu_free_at_ = op.done;
    compute(op);
    array_busy_ns_.add(array_busy_ns_per_mvm_);
    mvms_.inc();
    delay = op.done - now;
}

void TileModule::occupy(TileOp& op, sc_time& delay) {
    const bool ldpu = op.kind == TileOp::Kind::Digital;
    sc_time& free_at = ldpu ? ldpu_free_at_ : array_free_at_;
    const sc_time now = sc_core::sc_time_stamp();
    const sc_time request = now + delay;
    op.start = free_at > request ? free_at : request;
    op.done = op.start + clock_period_ * static_cast<double>(op.busy_cycles);
    if (timing_ == Timing::Blocking) {
        wait(op.done - now);
        delay = SC_ZERO_TIME;
    } else {
        delay = op.done - now;
    }
    free_at = op.done;
    if (!ldpu) array_busy_ns_.add((op.done - op.start).to_seconds() * 1e9);
}

TileModule::~TileModule() { result_trans_.clear_extension(&result_); }

void TileModule::ldpu_thread() {
    tlm::tlm_generic_payload& trans = result_trans_;
    TileOp& result = result_;
    trans.set_extension(&result);
    for (;;) {
        while (ldpu_queue_.empty()) wait(ldpu_work_);
        const Pending job = ldpu_queue_.front();
        ldpu_queue_.pop_front();
        wait(cycles(phases().ldpu));
        result = job.op;
        result.kind = TileOp::Kind::Result;
        result.tile_id = tile_id_;
        trans.set_command(tlm::TLM_WRITE_COMMAND);
        trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        sc_time delay = SC_ZERO_TIME;
        out->b_transport(trans, delay);
    }
}

}  // namespace aimcsim
