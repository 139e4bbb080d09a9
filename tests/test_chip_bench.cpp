// Speed benchmark of the chip model (hidden: run with "[chip_bench]"), not a timed
// test: prints wall time and simulated tile-MVMs per wall second.
#include <catch2/catch.hpp>

#include <cstdio>
#include <string>

#include "aimcsim/core/config.h"
#include "aimcsim/core/registry.h"
#include "aimcsim/tile.h"
#include "src/chip/chip_params.h"
#include "src/chip/chip_run.h"
#include "src/mapping/layer_list.h"
#include "tests/test_support.h"

using namespace aimcsim;

namespace {

void bench(const std::string& config, const std::string& workload, int batch, const std::string& topology = "",
           bool functional = false) {
    ConfigNode root = load_config_file(test::source_path(config));
    if (!topology.empty()) apply_override(root, "chip.interconnect.model=" + topology);
    const ChipParams chip = parse_chip_params(root.at("chip"));
    const Network net = load_layer_list_file(test::source_path(workload), 1);
    ChipRunOptions opts;
    opts.batch = batch;
    opts.functional = functional;
    const ChipRunResult r = run_chip(root.at("tile"), chip, net, opts);
    if (functional) std::printf("[functional] ");
    std::printf("%s on %s (%s), batch %d: %d tiles, latency %.1f us, %.0f inf/s, %.2f TOPS, %.2f TOPS/W, "
                "%.1f nJ/inf, %llu MVMs, stalls %llu cycles, max link util %.2f, wall %.3f s, sc_start %.3f s (%.2f M MVM/s)\n",
                workload.c_str(), config.c_str(), r.topology.c_str(), batch, r.mapping.tiles_used(), r.latency_ns * 1e-3,
                r.throughput_inferences_per_s, r.tops, r.tops_per_w, r.energy_per_inference_nj,
                static_cast<unsigned long long>(r.tile_mvms), static_cast<unsigned long long>(r.net_totals.stall_cycles),
                r.max_link_utilization, r.wall_s, r.simulate_wall_s, r.tile_mvms / r.simulate_wall_s * 1e-6);
    std::printf("  peak %.2f TOPS, %.2f TOPS/W, %.0f mW; energy pJ: input %.3g pwm %.3g array %.3g adc %.3g ldpu %.3g "
                "gdpu %.3g noc %.3g static %.3g\n",
                r.peak.peak_tops, r.peak.peak_tops_per_w, r.peak.peak_power_mw, r.energy_pj.input, r.energy_pj.pwm,
                r.energy_pj.array, r.energy_pj.adc, r.energy_pj.ldpu, r.energy_pj.gdpu, r.energy_pj.interconnect,
                r.energy_pj.static_);
}

}  // namespace

TEST_CASE("chip benchmark", "[.][chip_bench]") {
    bench("configs/hermes64.yaml", "workloads/resnet9_cifar10.yaml", 1);
    bench("configs/hermes64.yaml", "workloads/resnet9_cifar10.yaml", 8);
    bench("configs/hermes64.yaml", "workloads/resnet9_cifar10.yaml", 8, "ideal");
    bench("configs/hermes64.yaml", "workloads/resnet9_cifar10.yaml", 8, "mesh2d");
    bench("configs/hermes64.yaml", "workloads/resnet32_cifar10.yaml", 4);
    bench("configs/hermes64.yaml", "workloads/mlp_mnist.yaml", 16);
    bench("configs/hermes64.yaml", "workloads/resnet9_cifar10.yaml", 1, "", true);
    bench("configs/hermes_large.yaml", "workloads/resnet18_imagenet.yaml", 1);
    ConfigNode root = load_config_file(test::source_path("configs/hermes64.yaml"));
    const Network net = load_layer_list_file(test::source_path("workloads/resnet9_cifar10.yaml"), 1);
    std::printf("%s", chip_report_text(run_chip(root.at("tile"), parse_chip_params(root.at("chip")), net, 1, 2)).c_str());
}

TEST_CASE("chip benchmark, functional ResNet-9", "[.][chip_bench_functional]") {
    bench("configs/hermes64.yaml", "workloads/resnet9_cifar10.yaml", 1, "", true);
}
