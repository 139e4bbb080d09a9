#include "src/system/system_params.h"

#include "aimcsim/core/error.h"

namespace aimcsim {

ParamSchema system_schema() {
    ParamSchema s;
    s.integer("chips", 1, "chips", "chips in the system, each the chip of `chip`").range(1, 4096).required();
    s.section("chip",
              "each chip: a map like the top-level `chip:` section, or {file: CONFIG, ...} taking CONFIG's `chip:` "
              "with the other keys over it (default: the top-level `chip:`)");
    s.section("links", "chip-to-chip links: topology (ring | mesh2d | switch | all_to_all) and link parameters");
    s.boolean("split_layers", false,
              "let the partitioner give a layer's column blocks to different chips (default: whole layers)");
    s.real("balance_tolerance", 0.05, "fraction",
           "pipeline stages may exceed the best achievable heaviest stage (MVM time) by this fraction when that "
           "saves bits crossing chips")
        .range(0.0, 100.0);
    s.real("max_imbalance", 0.0, "ratio",
           "if > 0: a partition whose heaviest stage exceeds the mean stage MVM time by more than this ratio is an "
           "error naming the bottleneck layer (0: only a warning)")
        .at_least(0.0);
    return s;
}

namespace {

// `chip: {file: X, key: value}`: X's `chip:` section with the other keys merged over it.
ConfigNode chip_section(const Params& p, const ConfigNode& top_chip) {
    const ConfigNode& given = p.section("chip");
    if (given.is_null()) return top_chip;
    const ConfigNode* file = given.find("file");
    if (file == nullptr) return given;
    const ConfigNode base_root = load_config_file(file->as_string());
    const ConfigNode* base_chip = base_root.is_map() ? base_root.find("chip") : nullptr;
    if (base_chip == nullptr) throw file->error("'" + file->as_string() + "' has no `chip:` section");
    ConfigNode merged = *base_chip;
    ConfigNode over = given;
    over.erase("file");
    merged.merge_from(over);
    merged.set_path("system.chip");
    return merged;
}

// `links:` with `topology:` naming the model (the registry reads `model:`).
ModelConfig<ChipLinkTopology> parse_links(const ConfigNode& links) {
    ConfigNode section = links.is_null() ? ConfigNode::make_map(links.loc()) : links;
    if (!section.is_map()) throw links.error("expected a map (section 'links')");
    if (section.find("model") != nullptr)
        throw section.at("model").error("the chip-to-chip topology is `topology:` (not `model:`)");
    if (const ConfigNode* topology = section.find("topology")) {
        ConfigNode model = *topology;
        section.erase("topology");
        section.set("model", model);
    }
    return ModelConfig<ChipLinkTopology>::parse(section);
}

}  // namespace

SystemParams parse_system_params(const ConfigNode& system, const ConfigNode& top_chip) {
    SystemParams s;
    if (system.is_null()) return s;
    const Params p = system_schema().parse(system, {});
    s.node = system;
    s.chips = static_cast<int>(p.integer("chips"));
    s.chip = parse_chip_params(chip_section(p, top_chip));
    s.links = parse_links(p.section("links"));
    s.split_layers = p.flag("split_layers");
    s.balance_tolerance = p.real("balance_tolerance");
    s.max_imbalance = p.real("max_imbalance");
    const ChipParams& c = s.chip;
    // What a system does not model yet: say so instead of ignoring it.
    if (!c.replicate.is_null() || c.replicate_fill)
        throw p.error("chip", "layer replication (chip.replicate, chip.replicate_fill) is not supported in a system");
    if (!c.failed_tiles.empty())
        throw p.error("chip", "chip.failed_tiles is not supported in a system (which chip's tiles?)");
    if (c.placement != PlacementMethod::Snake)
        throw p.error("chip", "a system places each chip's blocks in snake order: set chip.placement: snake");
    return s;
}

}  // namespace aimcsim
