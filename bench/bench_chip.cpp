// Speed benchmark of the chip model: wall time and simulated tile-MVMs per wall
// second, timing-only and functional, on the shipped workloads; the modelled
// figures (latency, throughput, TOPS/W) are printed beside them.
//   build/bench/bench_chip [quick]     (quick: ResNet-18 and functional ResNet-9 only)
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

#include <systemc>

#include "aimcsim/core/config.h"
#include "src/chip/chip_params.h"
#include "src/chip/chip_run.h"
#include "src/mapping/layer_list.h"

using namespace aimcsim;

namespace {

std::string source(const std::string& path) { return std::string(AIMCSIM_SOURCE_DIR) + "/" + path; }

void bench(const std::string& config, const std::string& workload, int batch, const std::string& overrides = "",
           bool functional = false) {
    ConfigNode root = load_config_file(source(config));
    if (!overrides.empty()) apply_override(root, overrides);
    const ChipParams chip = parse_chip_params(root.at("chip"));
    const Network net = load_layer_list_file(source(workload), 1);
    ChipRunOptions opts;
    opts.batch = batch;
    opts.functional = functional;
    const ChipRunResult r = run_chip(root.at("tile"), chip, net, opts);
    std::printf("%-12s %-28s %-22s %-36s batch %2d: %3d tiles, latency %9.1f us, %9.0f inf/s, %5.2f TOPS/W | wall %.3f s, "
                "sc_start %.3f s, %llu MVMs, %.2f M MVM/s\n",
                functional ? "functional" : "timing-only", workload.c_str(), config.c_str(),
                overrides.empty() ? "-" : overrides.c_str(), batch, r.mapping.tiles_used(), r.latency_ns * 1e-3,
                r.throughput_inferences_per_s, r.tops_per_w, r.wall_s, r.simulate_wall_s,
                static_cast<unsigned long long>(r.tile_mvms), r.tile_mvms / r.simulate_wall_s * 1e-6);
}

}  // namespace

// libsystemc provides main(); entry points of programs linked with it are sc_main.
int sc_main(int argc, char** argv) {
    const bool quick = argc > 1 && std::strcmp(argv[1], "quick") == 0;
    try {
        bench("configs/hermes_large.yaml", "workloads/resnet18_imagenet.yaml", 1);
        bench("configs/hermes64.yaml", "workloads/resnet9_cifar10.yaml", 1, "", true);
        if (quick) return 0;
        bench("configs/hermes64.yaml", "workloads/resnet9_cifar10.yaml", 1);
        bench("configs/hermes64.yaml", "workloads/resnet9_cifar10.yaml", 8);
        bench("configs/hermes64.yaml", "workloads/resnet9_cifar10.yaml", 8, "chip.interconnect.model=ideal");
        bench("configs/hermes64.yaml", "workloads/resnet9_cifar10.yaml", 8, "chip.interconnect.model=mesh2d");
        bench("configs/hermes64.yaml", "workloads/resnet9_cifar10.yaml", 8, "chip.replicate_fill=true");
        bench("configs/hermes64.yaml", "workloads/resnet32_cifar10.yaml", 4);
        bench("configs/hermes64.yaml", "workloads/mlp_mnist.yaml", 16);
        bench("configs/hermes64.yaml", "workloads/lstm_ptb.yaml", 1);
        bench("configs/hermes64.yaml", "workloads/lstm_ptb.yaml", 1, "", true);
        bench("configs/hermes64.yaml", "workloads/lstm_ptb.yaml", 64);
        bench("configs/hermes64.yaml", "workloads/resnet9_cifar10.yaml", 8, "", true);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_chip: %s\n", e.what());
        return 1;
    }
    return 0;
}
