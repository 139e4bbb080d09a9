// Speed benchmark of the chip model: wall time and simulated tile-MVMs per wall
// second, timing-only and functional, on the shipped workloads; the modelled
// figures (latency, throughput, TOPS/W) are printed beside them.
//   build/bench/bench_chip [quick]     (each row the best of three runs; quick: ResNet-18 and functional ResNet-9 only)
//   build/bench/bench_chip placement   (snake vs traffic placement: bit-hops, bytes, stalls, latency, search time)
//   build/bench/bench_chip scaling     (CSV: wall time vs batch size and vs grid size, for docs/performance.md)
//   build/bench/bench_chip one CONFIG WORKLOAD BATCH [OVERRIDE|-] [functional] [REPEATS]
//                                      (one row, repeated: for profiling, e.g. under perf record)
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <utility>

#include <systemc>

#include "aimcsim/core/config.h"
#include "src/chip/chip_params.h"
#include "src/chip/chip_run.h"
#include "src/import/layer_list.h"

using namespace aimcsim;

namespace {

std::string source(const std::string& path) { return std::string(AIMCSIM_SOURCE_DIR) + "/" + path; }

// One row: the run of `repeats` with the least simulation CPU time (a single run of a
// few tens of ms swings by 1.5x on a shared machine).
void bench(const std::string& config, const std::string& workload, int batch, const std::string& overrides = "",
           bool functional = false, int repeats = 1) {
    ConfigNode root = load_config_file(source(config));
    if (!overrides.empty()) apply_override(root, overrides);
    const ChipParams chip = parse_chip_params(root.at("chip"));
    const Network net = load_layer_list_file(source(workload), 1);
    ChipRunOptions opts;
    opts.batch = batch;
    opts.functional = functional;
    ChipRunResult r = run_chip(TileConfig::parse(root.at("tile")), chip, net, opts);
    for (int i = 1; i < repeats; ++i) {
        ChipRunResult again = run_chip(TileConfig::parse(root.at("tile")), chip, net, opts);
        if (again.simulate_cpu_s < r.simulate_cpu_s) r = std::move(again);
    }
    std::printf(
        "%-12s %-28s %-22s %-36s batch %2d: %3d tiles, latency %9.1f us, %9.0f inf/s, %5.2f TOPS/W | wall %.3f s, "
        "sc_start %.3f s (cpu %.3f s), %llu MVMs, %.2f M MVM/s (per cpu s %.2f M)\n",
        functional ? "functional" : "timing-only", workload.c_str(), config.c_str(),
        overrides.empty() ? "-" : overrides.c_str(), batch, r.mapping.tiles_used(), r.latency_ns * 1e-3,
        r.throughput_inferences_per_s, r.tops_per_w, r.wall_s, r.simulate_wall_s, r.simulate_cpu_s,
        static_cast<unsigned long long>(r.tile_mvms), r.tile_mvms / r.simulate_wall_s * 1e-6,
        r.tile_mvms / r.simulate_cpu_s * 1e-6);
}

// One timing-only run with chip.placement = `method`: what the placement changes.
void bench_placement(const std::string& config, const std::string& workload, int batch, const std::string& method) {
    ConfigNode root = load_config_file(source(config));
    apply_override(root, "chip.placement=" + method);
    const ChipParams chip = parse_chip_params(root.at("chip"));
    const Network net = load_layer_list_file(source(workload), 1);
    const ChipRunResult r = run_chip(TileConfig::parse(root.at("tile")), chip, net, 1, batch);
    const PlacementSummary& p = r.placement;
    std::printf(
        "%-28s %-22s batch %d %-7s: cost %12llu bit-hops/inf (snake %12llu), simulated %12llu bit-hops, "
        "%12.0f bytes, %9llu stall cycles, latency %8.2f us, %8.0f inf/s | search %.3f s (%d passes, %d moves, %s)\n",
        workload.c_str(), config.c_str(), batch, method.c_str(), static_cast<unsigned long long>(p.cost_bit_hops),
        static_cast<unsigned long long>(p.snake_cost_bit_hops), static_cast<unsigned long long>(r.net_totals.bit_hops),
        r.net_totals.bytes(), static_cast<unsigned long long>(r.net_totals.stall_cycles), r.latency_ns * 1e-3,
        r.throughput_inferences_per_s, p.search_wall_s, p.search.passes, p.search.moves,
        p.method == PlacementMethod::Snake ? "-"
        : p.search.converged               ? "converged"
                                           : "budget spent");
    std::string hist;
    for (std::uint64_t n : r.net_totals.hop_histogram) hist += " " + std::to_string(n);
    std::printf("    hop histogram (packets by hops 0..):%s\n", hist.c_str());
}

// CSV rows: how the cost grows with the batch (ResNet-9, 8x8) and with the grid
// (ResNet-9 batch 8, replicas filling the free tiles so that the bigger grid works).
void bench_scaling() {
    std::printf(
        "sweep,workload,grid,batch,tiles_used,tile_mvms,wall_s,simulate_wall_s,simulate_cpu_s,mvms_per_cpu_s\n");
    const auto row = [](const char* sweep, const std::string& workload, int grid, int batch, const std::string& extra) {
        ConfigNode root = load_config_file(source("configs/hermes64.yaml"));
        apply_override(root, "chip.rows=" + std::to_string(grid));
        apply_override(root, "chip.cols=" + std::to_string(grid));
        if (!extra.empty()) apply_override(root, extra);
        const ChipParams chip = parse_chip_params(root.at("chip"));
        const Network net = load_layer_list_file(source(workload), 1);
        ChipRunOptions opts;
        opts.batch = batch;
        const ChipRunResult r = run_chip(TileConfig::parse(root.at("tile")), chip, net, opts);
        std::printf("%s,%s,%dx%d,%d,%d,%llu,%.4f,%.4f,%.4f,%.0f\n", sweep, net.name.c_str(), grid, grid, batch,
                    r.mapping.tiles_used(), static_cast<unsigned long long>(r.tile_mvms), r.wall_s, r.simulate_wall_s,
                    r.simulate_cpu_s, r.simulate_cpu_s > 0 ? r.tile_mvms / r.simulate_cpu_s : 0.0);
        std::fflush(stdout);
    };
    for (int batch : {1, 2, 4, 8, 16, 32, 64}) row("batch", "workloads/resnet9_cifar10.yaml", 8, batch, "");
    for (int grid : {8, 16, 32}) row("grid", "workloads/resnet9_cifar10.yaml", grid, 8, "chip.replicate_fill=true");
}

}  // namespace

// libsystemc provides main(); entry points of programs linked with it are sc_main.
int sc_main(int argc, char** argv) {
    const bool quick = argc > 1 && std::strcmp(argv[1], "quick") == 0;
    const bool placement = argc > 1 && std::strcmp(argv[1], "placement") == 0;
    try {
        if (argc > 1 && std::strcmp(argv[1], "scaling") == 0) {
            bench_scaling();
            return 0;
        }
        if (argc >= 5 && std::strcmp(argv[1], "one") == 0) {
            const std::string overrides = argc > 5 && std::strcmp(argv[5], "-") != 0 ? argv[5] : "";
            const bool functional = argc > 6 && std::strcmp(argv[6], "functional") == 0;
            const int repeats = argc > 7 ? std::stoi(argv[7]) : 1;
            for (int i = 0; i < repeats; ++i) bench(argv[2], argv[3], std::stoi(argv[4]), overrides, functional);
            return 0;
        }
        constexpr int kBestOf = 3;  // the shipped workloads' rows: best of three runs
        if (placement) {
            for (const char* method : {"snake", "traffic"})
                bench_placement("configs/hermes64.yaml", "workloads/resnet9_cifar10.yaml", 8, method);
            for (const char* method : {"snake", "traffic"})
                bench_placement("configs/hermes_large.yaml", "workloads/resnet18_imagenet.yaml", 1, method);
            return 0;
        }
        bench("configs/hermes_large.yaml", "workloads/resnet18_imagenet.yaml", 1, "", false, kBestOf);
        bench("configs/hermes64.yaml", "workloads/resnet9_cifar10.yaml", 1, "", true, kBestOf);
        if (quick) return 0;
        bench("configs/hermes64.yaml", "workloads/resnet9_cifar10.yaml", 1, "", false, kBestOf);
        bench("configs/hermes64.yaml", "workloads/resnet9_cifar10.yaml", 8, "", false, kBestOf);
        bench("configs/hermes64.yaml", "workloads/resnet9_cifar10.yaml", 8, "chip.interconnect.model=ideal", false, kBestOf);
        bench("configs/hermes64.yaml", "workloads/resnet9_cifar10.yaml", 8, "chip.interconnect.model=mesh2d", false, kBestOf);
        bench("configs/hermes64.yaml", "workloads/resnet9_cifar10.yaml", 8, "chip.replicate_fill=true", false, kBestOf);
        bench("configs/hermes64.yaml", "workloads/resnet32_cifar10.yaml", 4, "", false, kBestOf);
        bench("configs/hermes64.yaml", "workloads/mlp_mnist.yaml", 16, "", false, kBestOf);
        bench("configs/hermes64.yaml", "workloads/lstm_ptb.yaml", 1, "", false, kBestOf);
        bench("configs/hermes64.yaml", "workloads/lstm_ptb.yaml", 1, "", true, kBestOf);
        bench("configs/hermes64.yaml", "workloads/lstm_ptb.yaml", 64, "", false, kBestOf);
        bench("configs/hermes64.yaml", "workloads/resnet9_cifar10.yaml", 8, "", true, kBestOf);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_chip: %s\n", e.what());
        return 1;
    }
    return 0;
}
