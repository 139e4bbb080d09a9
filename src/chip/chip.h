// The multi-tile chip as a SystemC model: a TileModule per mapped tile of the
// grid (TLM targets, fed by a TileDriver each), the Interconnect, and a
// controller that runs the pipelined schedule (schedule.h). No clock: the
// controller wakes only at the cycles where something happens (one event per
// distinct event cycle), each tile's driver waits on its TileModule's phases, and
// each packet is sent once through the Interconnect (booked on all its links when
// it is ready) and delivered by one timed event at its arrival cycle.
#pragma once

#include <deque>
#include <memory>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "aimcsim/topology.h"
#include "interconnect/interconnect.h"
#include "src/chip/chip_params.h"
#include "src/chip/schedule.h"
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

// Feeds one TileModule the MVMs the schedule made ready, in order, and hands its
// results back to the chip.
class TileDriver : public sc_core::sc_module {
public:
    tlm_utils::simple_initiator_socket<TileDriver> to_tile;
    tlm_utils::simple_target_socket<TileDriver> from_tile;

    TileDriver(const sc_core::sc_module_name& name, Chip& chip);
    void enqueue(std::uint64_t job_id);

private:
    void run();
    void on_result(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);

    Chip& chip_;
    std::deque<std::uint64_t> queue_;
    sc_core::sc_event work_;
    std::vector<std::int8_t> codes_;  // input codes of the MVM in flight (functional mode)
};

class Chip : public sc_core::sc_module {
public:
    // `tile` is the validated `tile:` config section (one model per mapped tile).
    // Everything passed by reference (and values->analog) must outlive the chip.
    // Without `values` (timing only) the tiles are not programmed and charge their
    // reference MVM energy; with it, each TileModule drives the programmed tile of
    // values->analog for its block and computes every MVM. `record_spans` keeps
    // every MVM's timeline span for a trace.
    Chip(const sc_core::sc_module_name& name, const TileConfig& tile, const ChipParams& params, const Network& net,
         const Mapping& mapping, std::uint64_t seed, int batch, const ChipValues* values = nullptr,
         bool record_spans = false);

    [[nodiscard]] const ChipSchedule& schedule() const { return *schedule_; }
    [[nodiscard]] bool functional() const { return schedule_->functional(); }
    [[nodiscard]] const Interconnect& interconnect() const { return *network_; }
    [[nodiscard]] const Topology& topology() const { return *topology_; }
    // TileModule of a mapped tile (index in Mapping::blocks).
    [[nodiscard]] const TileModule& tile_of_block(int block) const {
        return *tiles_.at(static_cast<std::size_t>(block));
    }
    [[nodiscard]] const sc_core::sc_time& clock_period() const { return clock_period_; }

private:
    friend class TileDriver;

    void dispatch();  // SC_METHOD: runs the schedule's events that are due
    void rearm();
    void mvm_done(std::uint64_t job_id);
    void deliver_results();                         // SC_METHOD: hands the schedule the results due, in issue order
    [[nodiscard]] std::uint64_t now_cycle() const;  // the first clock edge at or after now
    [[nodiscard]] sc_core::sc_time time_of(std::uint64_t cycle) const;

    const Mapping& mapping_;
    sc_core::sc_time clock_period_;
    int tile_rows_ = 0;
    std::unique_ptr<Topology> topology_;
    std::unique_ptr<Interconnect> network_;
    std::vector<std::unique_ptr<TileModule>> tiles_;    // per mapping block
    std::vector<std::unique_ptr<TileDriver>> drivers_;  // per mapping block
    std::vector<int> block_of_tile_;
    std::unique_ptr<ChipSchedule> schedule_;
    sc_core::sc_event wake_;
    sc_core::sc_event results_event_;
    std::vector<std::uint64_t> results_due_;  // MVM results of the current time, not yet handled
};

}  // namespace aimcsim
