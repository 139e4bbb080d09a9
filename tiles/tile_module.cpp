#include "tiles/tile_module.h"

#include <stdexcept>

namespace aimcsim {

using sc_core::sc_time;
using sc_core::SC_NS;
using sc_core::SC_ZERO_TIME;

TileModule::TileModule(sc_core::sc_module_name name, std::unique_ptr<TileModel> model, int tile_id, std::uint64_t seed,
                       bool functional)
    : sc_module(name), in("in"), out("out"), model_(std::move(model)), tile_id_(tile_id), seed_(seed),
      functional_(functional), clock_period_(1.0 / model_->clock_ghz(), SC_NS), array_free_at_(SC_ZERO_TIME),
      reference_energy_(model_->reference_mvm_energy()), stats_(std::string(this->name())),
      mvms_(stats_.declare("mvms", "", "matrix-vector multiplications")),
      array_busy_ns_(stats_.declare("array_busy_ns", "ns", "time the array was integrating or converting")),
      array_wait_ns_(stats_.declare("array_wait_ns", "ns", "time requests waited for the array to be free")) {
    in.register_b_transport(this, &TileModule::b_transport);
    SC_HAS_PROCESS(TileModule);
    SC_THREAD(ldpu_thread);
}

void TileModule::b_transport(tlm::tlm_generic_payload& trans, sc_time& delay) {
    TileOp* op = nullptr;
    trans.get_extension(op);
    if (op == nullptr) {
        trans.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
        return;
    }
    // Honour the initiator's annotated delay, then model in real time.
    if (delay != SC_ZERO_TIME) {
        wait(delay);
        delay = SC_ZERO_TIME;
    }
    switch (op->kind) {
        case TileOp::Kind::Program:
            model_->program(*op->block, TileKey{seed_, static_cast<std::uint64_t>(tile_id_)});
            break;
        case TileOp::Kind::SetTime: model_->set_time(op->t_s); break;
        case TileOp::Kind::Mvm: {
            const sc_time now = sc_core::sc_time_stamp();
            if (array_free_at_ > now) {
                array_wait_ns_.add((array_free_at_ - now).to_seconds() * 1e9);
                wait(array_free_at_ - now);
            }
            const MvmPhases ph = model_->phases();
            // One event per phase; the numerics happen when the window closes.
            if (ph.input_load > 0) wait(cycles(ph.input_load));
            wait(cycles(ph.integrate + ph.convert));
            if (functional_) {
                Rng noise(seed_, Stream::MvmNoise, {static_cast<std::uint64_t>(tile_id_), op->mvm_id});
                model_->mvm(op->x, op->y, energy_, &noise);
            } else {
                energy_ += reference_energy_;
            }
            if (ph.readout > 0) wait(cycles(ph.readout));
            array_free_at_ = sc_core::sc_time_stamp();
            array_busy_ns_.add(cycles(ph.array_busy()).to_seconds() * 1e9);
            mvms_.inc();
            ldpu_queue_.push_back(Pending{*op});
            ldpu_work_.notify(SC_ZERO_TIME);
            break;
        }
        case TileOp::Kind::Result: trans.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE); return;
    }
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
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
        wait(cycles(model_->phases().ldpu));
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
