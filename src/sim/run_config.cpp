#include "src/sim/run_config.h"

namespace aimcsim {

ParamSchema run_config_schema() {
    ParamSchema s;
    s.string("name", "aimcsim", "name of this configuration, shown in the report");
    s.integer("seed", 1, "", "seed of every random stream (device noise, ADC mismatch, synthetic data)").range(0, 9.0e18);
    s.section("tile", "the analog tile: model: hermes | <plugin>");
    s.section("chip", "the grid of tiles, interconnect and global digital units");
    s.section("simulation", "what to simulate and how");
    s.section("workload", "what runs on the chip");
    s.section("accuracy", "accuracy evaluation on a dataset");
    s.section("plugins", "shared libraries with extra models, loaded before the config is used");
    return s;
}

ParamSchema simulation_schema() {
    ParamSchema s;
    s.boolean("functional", true, "compute values through the analog numerics (false: timing and energy only)");
    s.reals("t_inference_s", {3600.0}, "s", "times after programming at which the chip is evaluated; the first is the main one")
        .at_least(0);
    s.integer("threads", 0, "", "worker threads for batched evaluation (0: all cores)").range(0, 1024);
    s.integer("batch", 1, "", "inferences (or MVM batches) simulated cycle by cycle").range(1, 1000000);
    return s;
}

RunConfig load_run_config(const std::string& path, const std::vector<std::string>& overrides) {
    RunConfig rc;
    rc.root = load_config_file(path);
    for (const auto& o : overrides) apply_override(rc.root, o);
    const Params top = run_config_schema().parse(rc.root, {});
    rc.name = top.str("name");
    rc.seed = static_cast<std::uint64_t>(top.integer("seed"));
    rc.tile = top.section("tile");
    rc.chip = top.section("chip");
    rc.workload = top.section("workload");
    rc.accuracy = top.section("accuracy");
    const Params sim = simulation_schema().parse(top.section("simulation"), {});
    rc.simulation.functional = sim.flag("functional");
    rc.simulation.t_inference_s = sim.reals("t_inference_s");
    if (rc.simulation.t_inference_s.empty()) throw sim.error("t_inference_s", "expected at least one time");
    rc.simulation.threads = static_cast<int>(sim.integer("threads"));
    rc.simulation.batch = static_cast<int>(sim.integer("batch"));
    return rc;
}

}  // namespace aimcsim
