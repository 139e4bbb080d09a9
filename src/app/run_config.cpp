#include "src/app/run_config.h"

#include "aimcsim/plugin.h"
#include "src/core/unknown_keys.h"
#include "src/core/config_input.h"

namespace aimcsim {

ParamSchema run_config_schema() {
    ParamSchema s;
    s.string("name", "aimcsim", "name of this configuration, shown in the report");
    s.integer("seed", 1, "", "seed of every random stream (device noise, ADC mismatch, synthetic data)")
        .range(0, 9.0e18);
    s.section("tile", "the analog tile: model: hermes | <plugin>");
    s.section("chip", "the grid of tiles, interconnect and global digital units");
    s.section("simulation", "what to simulate and how");
    s.section("workload", "what runs on the chip");
    s.section("accuracy", "accuracy evaluation on a dataset");
    s.section("system", "several chips joined by chip-to-chip links: chips, chip, links (src/system/system_params.h)");
    // A path or a list of paths (relative to the config file); read by load_run_config itself.
    s.string("plugins", "", "plugin shared library, or a list of them, loaded before the rest of the config is used");
    return s;
}

ParamSchema simulation_schema() {
    ParamSchema s;
    s.boolean("functional", true, "compute values through the analog numerics (false: timing and energy only)");
    s.reals("t_inference_s", {3600.0}, "s",
            "times after programming at which the chip is evaluated; the first is the main one")
        .at_least(0);
    s.integer("threads", 0, "", "worker threads for batched evaluation (0: all cores)").range(0, 1024);
    s.integer("batch", 1, "", "inferences (or MVM batches) simulated cycle by cycle").range(1, 1000000);
    return s;
}

std::vector<std::string> load_config_plugins(const ConfigNode& root) {
    std::vector<std::string> paths;
    const ConfigNode* node = root.is_map() ? root.find("plugins") : nullptr;
    if (node == nullptr || node->is_null()) return paths;
    auto add = [&](const ConfigNode& item) {
        if (!item.is_scalar() || item.scalar().empty())
            throw item.error("expected the path of a plugin shared library");
        paths.push_back(item.scalar());
    };
    if (node->is_seq()) {
        for (const auto& item : node->items()) add(item);
    } else {
        add(*node);
    }
    for (size_t i = 0; i < paths.size(); ++i) {
        try {
            load_plugin(paths[i]);
        } catch (const ConfigError&) { throw; } catch (const InputError& e) {
            throw(node->is_seq() ? node->items()[i] : *node).error(e.what());
        }
    }
    return paths;
}

RunConfig load_run_config(const std::string& path, const std::vector<std::string>& overrides,
                          const std::vector<std::string>& labels) {
    ConfigNode root = load_config_file(path);
    for (std::size_t i = 0; i < overrides.size(); ++i)
        apply_labelled_override(root, overrides[i], i < labels.size() ? labels[i] : "");
    return resolve_run_config(std::move(root));
}

namespace {

// `accuracy.dataset: {images: .., labels: ..}` is the short form of `dataset: user` with
// those keys in `accuracy.user_dataset` (what AccuracySettings validates).
void dataset_files_as_user_dataset(ConfigNode& top) {
    const ConfigNode* accuracy = top.is_map() ? top.find("accuracy") : nullptr;
    const ConfigNode* dataset = accuracy && accuracy->is_map() ? accuracy->find("dataset") : nullptr;
    if (!dataset || !dataset->is_map()) return;
    if (accuracy->has("user_dataset"))
        throw dataset->error("the dataset's files are given twice: as accuracy.dataset and as accuracy.user_dataset; "
                             "keep one");
    ConfigNode normalised = *accuracy;
    normalised.set("dataset", ConfigNode::make_scalar("user", dataset->loc()));
    normalised.set("user_dataset", *dataset);  // errors below keep naming accuracy.dataset.<key>, as written
    top.set("accuracy", normalised);
}

// The sections of a resolved tree, each validated by its owner.
RunConfig resolve_sections(ConfigNode root) {
    RunConfig rc;
    rc.root = std::move(root);
    rc.plugins = load_config_plugins(rc.root);
    ConfigNode top_node = rc.root;
    if (top_node.is_map()) top_node.erase("plugins");
    dataset_files_as_user_dataset(top_node);
    const Params top = run_config_schema().parse(top_node, {});
    rc.name = top.str("name");
    rc.seed = static_cast<std::uint64_t>(top.integer("seed"));
    rc.tile = TileConfig::parse(top.section("tile"));
    rc.chip = parse_chip_params(top.section("chip"));
    rc.workload = top.section("workload");
    rc.accuracy = AccuracySettings::from(AccuracySettings::schema().parse(top.section("accuracy"), {}));
    const Params sim = simulation_schema().parse(top.section("simulation"), {});
    rc.simulation.functional = sim.flag("functional");
    rc.simulation.t_inference_s = sim.reals("t_inference_s");
    if (rc.simulation.t_inference_s.empty()) throw sim.error("t_inference_s", "expected at least one time");
    rc.simulation.threads = static_cast<int>(sim.integer("threads"));
    rc.simulation.batch = static_cast<int>(sim.integer("batch"));
    rc.system = parse_system_params(top.section("system"), top.section("chip"));
    return rc;
}

}  // namespace

RunConfig resolve_run_config(ConfigNode root) {
    // Every unknown key of every section in one error, in file order. A later error
    // may be a typo's consequence (`modle:` leaves `model:` missing): the typos first.
    UnknownKeyCollector unknown;
    RunConfig rc;
    try {
        rc = resolve_sections(std::move(root));
    } catch (const InputError&) {
        unknown.throw_if_any();
        throw;
    }
    unknown.throw_if_any();
    return rc;
}

}  // namespace aimcsim
