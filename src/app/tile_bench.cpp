#include "src/app/tile_bench.h"

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <algorithm>
#include <cmath>

#include "aimcsim/core/registry.h"
#include "src/core/sim_context.h"
#include "tiles/tile_module.h"

namespace aimcsim {

namespace {

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

class MvmController : public sc_core::sc_module {
public:
    tlm_utils::simple_initiator_socket<MvmController> to_tile;
    tlm_utils::simple_target_socket<MvmController> from_tile;

    MvmController(sc_core::sc_module_name name, const MvmWorkload& wl, const WeightBlock& block, std::uint64_t seed,
                  int max_code, int passes, double t_s)
        : sc_module(name), to_tile("to_tile"), from_tile("from_tile"), outputs_(static_cast<size_t>(wl.mvms) * wl.cols),
          wl_(wl), block_(block), seed_(seed), max_code_(max_code), passes_(passes), t_s_(t_s) {
        from_tile.register_b_transport(this, &MvmController::on_result);
        SC_HAS_PROCESS(MvmController);
        SC_THREAD(run);
    }

    std::vector<float> outputs_;
    sc_time first_result = SC_ZERO_TIME, last_result = SC_ZERO_TIME;
    std::uint64_t results = 0;

private:
    void send(TileOp& op) {
        tlm::tlm_generic_payload trans;
        trans.set_command(tlm::TLM_WRITE_COMMAND);
        trans.set_extension(&op);
        sc_time delay = SC_ZERO_TIME;
        to_tile->b_transport(trans, delay);
        trans.clear_extension(&op);
    }

    void run() {
        TileOp op;
        op.kind = TileOp::Kind::Program;
        op.block = &block_;
        send(op);
        op.kind = TileOp::Kind::SetTime;
        op.t_s = t_s_;
        send(op);
        // Programming and drift happen before the inference starts: time counts from here.
        start_ = sc_core::sc_time_stamp();
        for (int k = 0; k < wl_.mvms; ++k) {
            input_ = wl_.inputs(seed_, k, max_code_);
            // Multi-pass inputs: the workload's codes are whole, so the residual passes send
            // zeros, and still take their time and energy.
            input_.resize(static_cast<std::size_t>(wl_.rows) * passes_, 0);
            op = TileOp{};
            op.kind = TileOp::Kind::Mvm;
            op.x = input_.data();
            op.passes = passes_;
            op.plane_stride = wl_.rows;
            op.cols = wl_.cols;
            op.y = &outputs_[static_cast<size_t>(k) * wl_.cols];
            op.mvm_id = static_cast<std::uint64_t>(k);
            send(op);
        }
    }

    void on_result(tlm::tlm_generic_payload& trans, sc_time&) {
        const sc_time now = sc_core::sc_time_stamp() - start_;
        if (results == 0) first_result = now;
        last_result = now;
        ++results;
        trans.set_response_status(tlm::TLM_OK_RESPONSE);
    }

    const MvmWorkload& wl_;
    const WeightBlock& block_;
    std::uint64_t seed_;
    int max_code_;
    int passes_;
    double t_s_;
    sc_time start_ = SC_ZERO_TIME;
    std::vector<std::int8_t> input_;
};

}  // namespace

TileBenchResult run_tile_bench(const RunConfig& rc, const ConfigNode& workload_node) {
    std::unique_ptr<TileModel> model = rc.tile.create();
    const MvmWorkload wl =
        MvmWorkload::from(MvmWorkload::schema().parse(workload_node, {}), model->rows(), model->cols());

    TileBenchResult r;
    r.rows = wl.rows;
    r.cols = wl.cols;
    r.tile_rows = model->rows();
    r.tile_cols = model->cols();
    r.clock_ghz = model->clock_ghz();
    r.reference = model->reference_mvm_energy();
    r.static_power_mw = model->static_power_mw();
    r.area = model->area();
    r.functional = rc.simulation.functional;
    r.t_inference_s = rc.simulation.t_inference_s.front();

    WeightBlock block;
    block.rows = wl.rows;
    block.cols = wl.cols;
    block.weights = wl.weights(rc.seed);
    const int max_code = (1 << (model->input_bits() - 1)) - 1;
    const int passes = input_passes(*model);
    r.input_passes = passes;

    fresh_sim_context();
    TileModule tile("tile0", std::move(model), 0, rc.seed, rc.simulation.functional);
    MvmController ctrl("controller", wl, block, rc.seed, max_code, passes, r.t_inference_s);
    ctrl.to_tile.bind(tile.in);
    tile.out.bind(ctrl.from_tile);
    sim_start();

    r.phases = tile.model().phases();
    r.mvms = ctrl.results;
    r.simulated_ns = ctrl.last_result.to_seconds() * 1e9;
    r.first_result_ns = ctrl.first_result.to_seconds() * 1e9;
    r.dynamic = tile.energy();
    r.gdc_factor = tile.model().gdc_factor();
    r.effects = tile.model().effects();
    r.tile_stats = tile.stats();

    if (r.functional) {
        // Exact product in the same units the tile reports: y = sum_i W_ij x_i.
        const std::size_t n_out = static_cast<std::size_t>(wl.mvms) * wl.cols;
        std::vector<double> xs(static_cast<std::size_t>(wl.mvms) * wl.rows), y(n_out), y_fp(n_out);
        double full_scale = 0.0;
        for (int k = 0; k < wl.mvms; ++k) {
            const std::vector<std::int8_t> x = wl.inputs(rc.seed, k, max_code);
            for (int i = 0; i < wl.rows; ++i) xs[static_cast<size_t>(k) * wl.rows + i] = x[i];
            for (int j = 0; j < wl.cols; ++j) {
                double exact = 0.0;
                for (int i = 0; i < wl.rows; ++i)
                    exact += static_cast<double>(block.weights[static_cast<size_t>(i) * wl.cols + j]) * x[i];
                const size_t o = static_cast<size_t>(k) * wl.cols + j;
                y[o] = ctrl.outputs_[o];
                y_fp[o] = exact;
                full_scale = std::max(full_scale, std::fabs(exact));
            }
        }
        r.error = mvm_error_metrics(xs, y, y_fp, wl.mvms, wl.rows, wl.cols, full_scale > 0.0 ? full_scale : 1.0);
        r.relative_rms_error = r.error.relative_rms;
    }
    return r;
}

}  // namespace aimcsim
