// SystemC wrapper of a TileModel: requests arrive on a TLM-2.0 target socket.
// No clock. Two timing styles (TLM-2.0 approximately / loosely timed):
// - Blocking: each phase of an MVM is one wait() of its exact duration and the
//   result leaves on the `out` initiator socket after the LDPU;
// - Annotated (temporal decoupling): b_transport never waits; it books the MVM on
//   the array and the LDPU from the request time (now + the annotated delay),
//   computes it at once and returns with the delay until its result is ready
//   (TileOp::start / done). The caller delivers the result itself; `out` is unused.
// Either way the array accepts the next MVM while the LDPU post-processes the
// previous one: start = max(request, array free), the array is busy for
// phases().array_busy(), the LDPU takes the results in order, ldpu cycles each.
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <deque>
#include <memory>

#include "aimcsim/core/stats.h"
#include "aimcsim/tile.h"

namespace aimcsim {

// The operation a payload asks of a tile (or, on the way out, the result it carries).
struct TileOp : tlm::tlm_extension<TileOp> {
    // Digital: the LDPU busy for `busy_cycles` (a training update's outer products);
    // Pulse: the array busy for `busy_cycles` (programming pulses; it cannot compute).
    enum class Kind { Program, SetTime, Mvm, Result, Digital, Pulse } kind = Kind::Mvm;
    const WeightBlock* block = nullptr;  // Program
    double t_s = 0.0;                    // SetTime
    const std::int8_t* x = nullptr;      // Mvm: rows_used input codes (per pass, functional)
    float* y = nullptr;                  // Mvm: where the outputs go (cols_used), owned by the sender
    int passes = 1;                      // Mvm, functional: input passes (mvm_passes, aimcsim/tile.h)
    int plane_stride = 0;                // Mvm, passes > 1: pass p's codes at x + p * plane_stride
    int cols = 0;                        // Mvm, passes > 1: cols_used
    std::uint64_t mvm_id = 0;            // keys the per-read noise; echoed in the Result
    std::uint64_t tag = 0;               // opaque to the tile, echoed in the Result
    std::uint64_t busy_cycles = 0;       // Digital, Pulse
    int tile_id = 0;                     // Result: which tile
    sc_core::sc_time start;              // Mvm, annotated: when the array took it
    sc_core::sc_time done;               // Mvm, annotated: when the LDPU's result is ready

    tlm::tlm_extension_base* clone() const override { return new TileOp(*this); }
    void copy_from(const tlm::tlm_extension_base& other) override { *this = static_cast<const TileOp&>(other); }
};

class TileModule : public sc_core::sc_module {
public:
    tlm_utils::simple_target_socket<TileModule> in;
    tlm_utils::simple_initiator_socket<TileModule> out;

    enum class Timing { Blocking, Annotated };

    TileModule(sc_core::sc_module_name name, std::unique_ptr<TileModel> model, int tile_id, std::uint64_t seed,
               bool functional, Timing timing = Timing::Blocking);
    ~TileModule() override;

    [[nodiscard]] const TileModel& model() const { return *model_; }
    [[nodiscard]] TileModel& model() { return *model_; }
    [[nodiscard]] const StatGroup& stats() const { return stats_; }
    [[nodiscard]] const MvmEnergy& energy() const { return energy_; }
    [[nodiscard]] int tile_id() const { return tile_id_; }

private:
    struct Pending {
        TileOp op;
    };

    void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
    void mvm_blocking(TileOp& op);
    void mvm_annotated(TileOp& op, sc_core::sc_time& delay);
    // Digital / Pulse: books the LDPU / the array from the request (annotated) or waits (blocking).
    void occupy(TileOp& op, sc_core::sc_time& delay);
    // The numerics of one MVM (functional) or its reference energy (timing only).
    void compute(const TileOp& op);
    [[nodiscard]] const MvmPhases& phases();
    void ldpu_thread();
    [[nodiscard]] sc_core::sc_time cycles(int n) const { return clock_period_ * static_cast<double>(n); }

    std::unique_ptr<TileModel> model_;
    int tile_id_;
    std::uint64_t seed_;
    bool functional_;
    Timing timing_;
    sc_core::sc_time clock_period_;
    sc_core::sc_time array_free_at_;  // the array is busy until then
    sc_core::sc_time ldpu_free_at_;   // annotated: the LDPU is busy until then
    MvmPhases phases_;                // the model's, cached (they change only when it is programmed)
    bool phases_valid_ = false;
    double array_busy_ns_per_mvm_ = 0.0;
    std::deque<Pending> ldpu_queue_;
    sc_core::sc_event ldpu_work_;
    MvmEnergy energy_;
    MvmEnergy reference_energy_;
    // The payload results leave in; a member so its extension outlives the thread.
    tlm::tlm_generic_payload result_trans_;
    TileOp result_;  // used per MVM in timing-only mode

    StatGroup stats_;
    Stat& mvms_;
    Stat& array_busy_ns_;
    Stat& array_wait_ns_;
};

}  // namespace aimcsim
