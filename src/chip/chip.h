// The multi-tile chip as a SystemC model: a TileModule per mapped tile of the
// grid (TLM targets, each reached through a TilePort), the Interconnect, and one
// controller process that runs the pipelined schedule (schedule.h). TLM-2.0 loosely
// timed with temporal decoupling: the controller is the only process that acts, so
// it runs ahead of SystemC time in whole cycles and synchronises once at the end.
// An MVM is one b_transport: the tile books its array and LDPU from the request
// cycle and returns, annotated, when its result is ready; the controller delivers
// that result at its cycle. No clock, no process per tile, router or hop: each
// packet is sent once through the Interconnect (booked on all its links when it is
// ready) and arrives as one event of the schedule.
//
// Order within a cycle (the SystemC processes before issue 14 did the same): the
// schedule's events due, then the MVM results due, in the order the MVMs were
// issued, then the events those results made due at the same cycle.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "aimcsim/topology.h"
#include "interconnect/interconnect.h"
#include "src/chip/chip_params.h"
#include "src/chip/event_queue.h"
#include "src/chip/schedule.h"
#include "src/chip/train_step.h"
#include "src/mapping/mapper.h"
#include "tiles/tile_module.h"

namespace aimcsim {

class Chip;
class AnalogNetwork;

// What a functional run needs besides the timing model. The chip computes exactly
// what `analog` (calibrated, programmed and moved to its evaluation time by the
// caller) computes: its TileModules run `analog`'s own tile objects, inputs are
// quantised by analog->quantize(), per-read noise is keyed by
// mvm_noise_id(first_image + inference, pixel), and each column block's partial
// sums are added by analog->combine_partials() in row-block order.
struct ChipValues {
    std::vector<std::vector<float>> inputs;  // one CHW input per inference
    AnalogNetwork* analog = nullptr;         // required; must use the chip's mapping
    bool gdc = true;                         // false: divide the tiles' drift compensation out again
    std::uint64_t first_image = 0;           // image id of inference 0 (keys the per-read noise)
};

// The chip's side of one TileModule's sockets: MVMs go out, annotated; `out` is
// bound here because a socket must be, but an annotated tile never uses it.
class TilePort : public sc_core::sc_module {
public:
    tlm_utils::simple_initiator_socket<TilePort> to_tile;
    tlm_utils::simple_target_socket<TilePort> from_tile;

    explicit TilePort(const sc_core::sc_module_name& name);
    ~TilePort() override;
    // Runs `op` on the tile, requested `delay` after the current SystemC time; the
    // tile fills op.start / op.done.
    void run(TileOp& op, sc_core::sc_time delay);

private:
    void on_result(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
    tlm::tlm_generic_payload trans_;
    // The op the payload carries: the chip sends the same TileOp every time, so its
    // extension is set once, not per MVM (cleared in the destructor).
    TileOp* carried_ = nullptr;
};

class Chip : public sc_core::sc_module {
public:
    // `tile` is the validated `tile:` config section (one model per mapped tile).
    // Everything passed by reference (and values->analog) must outlive the chip.
    // Without `values` (timing only) the tiles are not programmed and charge their
    // reference MVM energy; with it, each TileModule drives the programmed tile of
    // values->analog for its block and computes every MVM. `record_spans` keeps
    // every MVM's timeline span for a trace.
    // `network`, if given, carries the packets instead of the chip's own topology
    // (a multi-chip system, src/system/: it spans every chip's tiles).
    // `train`, if given (timing only), runs the rest of a training step after the
    // batch's forward pass (train_step.h); its times are train_step().
    Chip(const sc_core::sc_module_name& name, const TileConfig& tile, const ChipParams& params, const Network& net,
         const Mapping& mapping, std::uint64_t seed, int batch, const ChipValues* values = nullptr,
         bool record_spans = false, std::unique_ptr<Interconnect> network = nullptr,
         const TrainStepPlan* train = nullptr);

    [[nodiscard]] const ChipSchedule& schedule() const { return *schedule_; }
    [[nodiscard]] bool functional() const { return schedule_->functional(); }
    [[nodiscard]] const Interconnect& interconnect() const { return *network_; }
    [[nodiscard]] const Topology& topology() const { return network_->topology(); }
    // TileModule of a mapped tile (index in Mapping::blocks).
    [[nodiscard]] const TileModule& tile_of_block(int block) const {
        return *tiles_.at(static_cast<std::size_t>(module_of_block_.at(static_cast<std::size_t>(block))));
    }
    [[nodiscard]] const sc_core::sc_time& clock_period() const { return clock_period_; }
    [[nodiscard]] const TrainStepTiming& train_step() const { return train_timing_; }

private:
    // An MVM whose result is ready at `cycle`; `seq` is its issue order.
    struct Result {
        std::uint64_t cycle = 0;
        std::uint64_t seq = 0;
        std::uint64_t job = 0;
        bool operator>(const Result& o) const { return cycle != o.cycle ? cycle > o.cycle : seq > o.seq; }
    };

    void run();  // SC_THREAD: the controller
    void issue(int block, std::uint64_t job_id, std::uint64_t cycle);
    // A training step's work on block `block`'s tile (TrainStep::Occupy); returns its done cycle.
    std::uint64_t occupy(int block, int kind, std::uint64_t busy_cycles, std::uint64_t cycle);
    [[nodiscard]] sc_core::sc_time time_of(std::uint64_t cycle) const;

    const Mapping& mapping_;
    sc_core::sc_time clock_period_;
    int tile_rows_ = 0;
    std::unique_ptr<Topology> topology_;
    std::unique_ptr<Interconnect> network_;
    // One module per tile used: a block that shares another's weights (ALBERT) runs
    // on that block's module, so the two layers queue on one array.
    std::vector<std::unique_ptr<TileModule>> tiles_;
    std::vector<std::unique_ptr<TilePort>> ports_;  // per module
    std::vector<int> module_of_block_;              // mapping block -> module
    std::unique_ptr<ChipSchedule> schedule_;
    // Results in flight, in (cycle, issue order). A result is queued when its MVM is
    // issued, no earlier than the cycle being simulated and with the next issue number,
    // which is what the schedule's calendar queue asks of its pushes.
    EventQueue<Result> results_;
    std::uint64_t issued_ = 0;
    TileOp op_;                       // the MVM being issued
    std::vector<std::int8_t> codes_;  // its input codes (functional mode), a plane per input pass
    int passes_ = 1;                  // input passes of the tiles (functional mode)
    std::unique_ptr<TrainStep> train_;
    TrainStepTiming train_timing_;
};

}  // namespace aimcsim
