// Multi-chip systems (src/system/): a two-chip pipeline whose cycles are derived by
// hand (chip-to-chip latency and serialisation included), the partitioner's
// predicted inter-chip bits against the simulated ones, the chip-to-chip
// topologies' routes, and bad system configs.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "aimcsim/chip_link.h"
#include "aimcsim/core/config.h"
#include "aimcsim/core/error.h"
#include "aimcsim/core/registry.h"
#include "aimcsim/plugin.h"
#include "interconnect/chip_link_topologies.h"
#include "src/app/report/system_report.h"
#include "src/app/run_config.h"
#include "src/import/layer_list.h"
#include "src/system/system_run.h"
#include "tests/chip_test_support.h"
#include "tests/test_support.h"

using namespace aimcsim;

namespace {

// configs/system_4x64.yaml with `overrides` applied, validated as `run` does.
RunConfig system_config(const std::vector<std::string>& overrides) {
    ConfigNode root = load_config_file(test::source_path("configs/system_4x64.yaml"));
    for (const std::string& o : overrides) apply_override(root, o);
    return resolve_run_config(std::move(root));
}

Network workload(const std::string& rel) {
    const ConfigNode node = load_config_file(test::source_path(rel));
    return load_layer_list(node, 1);
}

std::unique_ptr<ChipLinkTopology> links(const std::string& yaml, int chips) {
    auto t = ModelConfig<ChipLinkTopology>::parse(ConfigNode::parse_yaml(yaml, "links.yaml")).create();
    t->setup(chips);
    return t;
}

SystemRunResult run(const RunConfig& rc, const Network& net, int batch, bool trace = false) {
    ChipRunOptions o;
    o.seed = rc.seed;
    o.batch = batch;
    o.trace = trace;
    return run_system(rc.tile, rc.system, net, o);
}

// A chip-to-chip topology from outside the built-in ones, registered as a plugin
// registers its models: a line of chips (a ring without the link that closes it).
class LineLinks final : public ChipLinkTopology {
public:
    static ParamSchema schema() {
        ParamSchema s;
        add_chip_link_params(s);
        return s;
    }
    explicit LineLinks(const Params& p) : params_(chip_link_params_from(p)) {}
    void setup(int chips) override {
        chips_ = chips;
        for (int c = 0; c + 1 < chips; ++c) {
            links_.push_back(Link{c, c + 1});  // link 2c: rightwards
            links_.push_back(Link{c + 1, c});  // link 2c + 1: leftwards
        }
    }
    [[nodiscard]] int nodes() const override { return chips_; }
    [[nodiscard]] const std::vector<Link>& links() const override { return links_; }
    [[nodiscard]] std::vector<int> route(int src, int dst) const override {
        std::vector<int> path;
        for (int c = src; c < dst; ++c) path.push_back(2 * c);
        for (int c = src; c > dst; --c) path.push_back(2 * (c - 1) + 1);
        return path;
    }
    [[nodiscard]] const ChipLinkParams& params() const override { return params_; }

private:
    ChipLinkParams params_;
    int chips_ = 0;
    std::vector<Link> links_;
};

}  // namespace

TEST_CASE("system: a chip-to-chip topology registered from outside runs like a built-in one", "[system]") {
    if (!Registry<ChipLinkTopology>::instance().has("test_line"))
        register_model<ChipLinkTopology, LineLinks>("test_line", "a line of chips (test)");
    const Network net = workload("workloads/resnet18_imagenet.yaml");
    const SystemRunResult s = run(system_config({"system.links.topology=test_line"}), net, 1);
    CHECK(s.link_topology == "test_line");
    REQUIRE(s.link_results.size() == 6);
    CHECK(s.simulated_inter_chip_bits == s.predicted_inter_chip_bits);
    // The network's output goes back from chip 3 to the controller at chip 0 over
    // three leftward links, which carry nothing else but the residual slices sent back.
    CHECK(s.link_results[1].stats.packets >= 1);
    CHECK(s.link_results[5].stats.bits >= 1000 * 8);
}

TEST_CASE("system: two dense layers on two chips, cycles by hand", "[system]") {
    // Two chips of 1x2 tiles (hermes64's tile and links), the controller and each
    // chip's I/O port at tile 1; a ring of two chips (links 0->1, 1->0) of 16
    // Gbit/s = 16 bits per 1 GHz cycle and 10 ns = 10 cycles.
    const RunConfig rc = system_config({"chip.rows=1", "chip.cols=2", "chip.io_tile=1", "system.chips=2",
                                        "system.links.bandwidth_gbit_s=16", "system.links.latency_ns=10"});
    const Network net = test::layer_list_net(
        "input: {c: 64}\nlayers:\n  - {name: fc1, type: dense, out: 32}\n  - {name: fc2, type: dense, out: 16}\n");
    const SystemRunResult s = run(rc, net, 2, true);
    const ChipRunResult& r = s.run;
    REQUIRE(r.phases.array_busy() == 133);
    REQUIRE(s.link_timing.width_bits == 16);
    REQUIRE(s.link_timing.hop_latency_cycles == 10);
    // One stage per chip: fc1 on chip 0's tile 0, fc2 on chip 1's tile 0 (system tile 2).
    REQUIRE(s.partition[0].layers == std::vector<std::string>{"fc1"});
    REQUIRE(s.partition[1].layers == std::vector<std::string>{"fc2"});
    CHECK(r.mapping.blocks[0].tile == 0);
    CHECK(r.mapping.blocks[1].tile == 2);
    // On-chip hop: 2 cycles + ceil(bits / 32) flits; chip link: 10 + ceil(bits / 16).
    // An MVM's result leaves 134 cycles after it starts (<= 128 columns: 1 LDPU cycle).
    // The controller's streams carry 64 bits a cycle (chip.io_bits_per_cycle).
    // Inference 0, its 512 input bits all in at chip 0's tile 1 at 8:
    //   tile 1 -> 0: 8 + 2 + 16 = 26; fc1 26..159, result 160;
    //   256 bits to chip 0's I/O tile 1: 160 + 2 + 8 = 170; chip link 0 -> 1:
    //   170 + 10 + 16 = 196; chip 1's tile 1 -> 0: 196 + 2 + 8 = 206;
    //   fc2 206..339, result 340; 128 bits to chip 1's tile 1: 340 + 2 + 4 = 346;
    //   chip link 1 -> 0: 346 + 10 + 8 = 364, at the controller; out on the
    //   output stream in 2 cycles: latency 366.
    CHECK(r.latency_cycles == 366);
    // Inference 1 starts streaming at 8, all in at 16: chip 0's link 1 -> 0 is busy
    //   until 24: 24 + 2 + 16 = 42; fc1's array is busy until 159: 159..292, result
    //   293; 303 at the I/O tile; chip link 0 -> 1 free since 186: 303 + 26 = 329;
    //   339 at chip 1's tile 0, whose array is free at 339: result 473; 479 at the I/O
    //   tile; chip link 1 -> 0: 479 + 18 = 497; out at 499; minus its start 8.
    REQUIRE(r.done_cycles.size() == 2);
    CHECK(r.done_cycles[1] == 491);
    // Inter-chip traffic per inference: fc1's 256 bits and the 128 output bits.
    CHECK(s.predicted_inter_chip_bits == 2 * (256 + 128));
    CHECK(s.simulated_inter_chip_bits == 2 * (256 + 128));
    CHECK(s.chip_link_totals.packets == 4);
    CHECK(s.chip_link_totals.stall_cycles == 0);
    // Energy of the chip links: every bit crosses one link at 2 pJ/bit.
    CHECK(s.chip_link_energy_pj() == Approx(2.0 * 2 * (256 + 128)));
    REQUIRE(s.chip_results.size() == 2);
    CHECK(s.chip_results[0].tiles_used == 1);
    CHECK(s.chip_results[1].start_ns == Approx(206.0));
    CHECK(s.chip_results[1].end_ns == Approx(340.0));
    // The trace: a track per chip layer (inference 0: fc1 on chip 0, fc2 on chip 1)
    // and the 4 chip-link packets, 16 and 8 flits each.
    const nlohmann::json trace = system_trace_json(s);
    std::vector<std::string> chip_slices;
    std::vector<double> packet_us;
    for (const auto& e : trace["traceEvents"]) {
        if (e["ph"] != "X") continue;
        if (e["pid"] == 3) chip_slices.push_back(e["name"].get<std::string>());
        if (e["pid"] == 4) packet_us.push_back(e["dur"].get<double>());
    }
    CHECK(chip_slices == std::vector<std::string>{"fc1", "fc2"});
    REQUIRE(packet_us.size() == 4);
    CHECK(packet_us[0] * 1e3 == Approx(16.0));
}

TEST_CASE("system: predicted inter-chip bits equal the simulated ones", "[system]") {
    // ResNet-18 (201 tiles) on four 64-tile chips: residual shortcuts cross chips,
    // and Adds run on the GDPU of their first input's chip, so bits go both ways.
    const Network net = workload("workloads/resnet18_imagenet.yaml");
    SECTION("ring, whole layers") {
        const SystemRunResult s = run(system_config({}), net, 1);
        CHECK(s.predicted_inter_chip_bits > 0);
        CHECK(s.simulated_inter_chip_bits == s.predicted_inter_chip_bits);
        int tiles = 0;
        for (const Stage& st : s.partition) tiles += st.tiles;
        CHECK(tiles == 201);
        // The chips' energies (tiles, on-chip links, digital share, static) and the
        // chip links' add up to the system's total, counted apart.
        double sum = s.chip_link_energy_pj();
        for (const SystemChipResult& c : s.chip_results) sum += c.energy_pj();
        CHECK(sum == Approx(s.run.energy_pj.total()).epsilon(1e-9));
    }
    SECTION("switch, 6 chips, layers split by column blocks") {
        const SystemRunResult s =
            run(system_config({"system.chips=6", "system.links.topology=switch", "system.split_layers=true"}), net, 2);
        CHECK(s.simulated_inter_chip_bits == s.predicted_inter_chip_bits);
        // Through the switch every packet crosses two links.
        CHECK(s.chip_link_totals.bit_hops == 2 * s.simulated_inter_chip_bits);
    }
}

TEST_CASE("system: a system of one chip is the chip", "[system]") {
    // ResNet-9 fits one 64-core chip: the same blocks on the same tiles (snake order),
    // no chip-to-chip packet, so the same cycles and energy as a single-chip run.
    const RunConfig rc = system_config({"system.chips=1"});
    const Network net = workload("workloads/resnet9_cifar10.yaml");
    const SystemRunResult s = run(rc, net, 2);
    const ChipRunResult chip = run_chip(rc.tile, rc.chip, net, rc.seed, 2);
    CHECK(s.run.latency_cycles == chip.latency_cycles);
    CHECK(s.run.done_cycles == chip.done_cycles);
    CHECK(s.run.net_totals.bit_hops == chip.net_totals.bit_hops);
    CHECK(s.run.energy_pj.total() == Approx(chip.energy_pj.total()).epsilon(1e-12));
    CHECK(s.simulated_inter_chip_bits == 0);
}

TEST_CASE("system: chip-to-chip topologies route as documented", "[system]") {
    const std::string p = "ports_per_chip: 8\n";
    const auto ring = links("model: ring\n" + p, 5);
    CHECK(ring->links().size() == 10);
    CHECK(ring->route(0, 2).size() == 2);  // clockwise 0 -> 1 -> 2
    CHECK(ring->route(0, 3).size() == 2);  // counter-clockwise 0 -> 4 -> 3
    CHECK(ring->links()[static_cast<std::size_t>(ring->route(0, 3)[0])].dst_tile == 4);
    const auto mesh = links("model: mesh2d\n" + p, 5);  // 3 columns: chips 0 1 2 / 3 4
    const std::vector<int> up = mesh->route(4, 2);      // from the short last row: up first (4 -> 1 -> 2)
    REQUIRE(up.size() == 2);
    CHECK(mesh->links()[static_cast<std::size_t>(up[0])].dst_tile == 1);
    const std::vector<int> across = mesh->route(2, 3);  // along the row first: 2 -> 1 -> 0 -> 3
    REQUIRE(across.size() == 3);
    CHECK(mesh->links()[static_cast<std::size_t>(across[2])].dst_tile == 3);
    const auto sw = links("model: switch\n" + p, 5);
    CHECK(sw->nodes() == 6);
    CHECK(sw->route(1, 3).size() == 2);
    const auto all = links("model: all_to_all\n" + p, 5);
    CHECK(all->links().size() == 20);
    CHECK(all->route(4, 0).size() == 1);
}

TEST_CASE("system: bad system configs are InputErrors that say what to change", "[system]") {
    using Catch::Matchers::Contains;
    CHECK_THROWS_WITH(system_config({"system.chipz=4"}), Contains("chipz") && Contains("chips"));
    CHECK_THROWS_WITH(system_config({"system.links.topology=torus"}),
                      Contains("unknown chip_link model 'torus'") && Contains("ring"));
    CHECK_THROWS_WITH(system_config({"system.links.bandwith_gbit_s=8"}), Contains("bandwidth_gbit_s"));
    CHECK_THROWS_WITH(system_config({"chip.replicate_fill=true"}), Contains("replication"));
    // system.chip from another config's `chip:` (hermes_large: a 16x16 grid, traffic
    // placement, which a system refuses unless the keys beside `file` override it).
    const std::string large = "system.chip={file: " + test::source_path("configs/hermes_large.yaml");
    CHECK_THROWS_WITH(system_config({large + "}"}), Contains("chip.placement: snake"));
    CHECK(system_config({large + ", placement: snake}"}).system.chip.tiles() == 256);
    CHECK_THROWS_WITH(
        system_config({"system.chip={file: " + test::source_path("workloads/resnet18_imagenet.yaml") + "}"}),
        Contains("has no `chip:` section"));
    const Network net = workload("workloads/resnet18_imagenet.yaml");
    // 8 chips all-to-all need 7 ports each.
    CHECK_THROWS_WITH(run(system_config({"system.chips=8", "system.links.topology=all_to_all"}), net, 1),
                      Contains("needs 7 ports per chip"));
    // 10 Gbit/s at 1 GHz is no whole number of bits per cycle.
    CHECK_THROWS_WITH(run(system_config({"system.links.bandwidth_gbit_s=10.5"}), net, 1),
                      Contains("whole number"));
    // 201 tiles need at least ceil(201 / 64) = 4 chips (and 4 are enough: the
    // predicted-bits case above runs on 4).
    CHECK_THROWS_WITH(run(system_config({"system.chips=3"}), net, 1),
                      Contains("needs 4 chips") && Contains("system.chips: 4"));
    // A layer larger than a chip: layer4_1_conv1 is 2304 x 512, 9 x 2 = 18 tiles, on
    // 16-tile chips (the first such layer), unless split by column blocks.
    CHECK_THROWS_WITH(run(system_config({"chip.rows=4", "chip.cols=4", "system.chips=32", "chip.gdpus=4"}), net, 1),
                      Contains("layer4_1_conv1 needs 18 tiles") && Contains("split_layers"));
    // ResNet-18 on 4 chips is far from balanced: conv1 and layer1 take most of the
    // MVM time on few tiles, and layer4's 128 tiles need two whole chips; the stage
    // holding conv1 is the heaviest, and conv1 (1 tile x 112 x 112 MVMs) outweighs each
    // layer1 conv (3 tiles x 56 x 56). max_imbalance makes that an error naming it.
    CHECK_THROWS_WITH(run(system_config({"system.max_imbalance=1.5"}), net, 1),
                      Contains("cannot be balanced") && Contains("bottleneck layer: conv1"));
}
