// Multi-chip systems (src/system/): ResNet-18 and ResNet-50 (ImageNet) on systems of
// 64-core chips, timing only: latency, throughput and energy per inference, with the
// wall time of each run; and a 64-chip system (4,096 tiles) with its peak memory.
//   build/bench/bench_system            (ResNet-18 and -50 on 4 and 8 chips)
//   build/bench/bench_system big        (ResNet-50 over 64 chips, split by column blocks; peak RSS)
#include <sys/resource.h>

#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "aimcsim/core/config.h"
#include "aimcsim/core/error.h"
#include "src/app/run_config.h"
#include "src/import/layer_list.h"
#include "src/system/system_run.h"

#include <systemc>

using namespace aimcsim;

namespace {

std::string source(const std::string& path) { return std::string(AIMCSIM_SOURCE_DIR) + "/" + path; }

double peak_rss_mb() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_maxrss) / 1024.0;  // kB on Linux
}

void bench(const std::string& workload, int chips, int batch, const std::vector<std::string>& extra = {}) {
    ConfigNode root = load_config_file(source("configs/system_4x64.yaml"));
    apply_override(root, "system.chips=" + std::to_string(chips));
    for (const std::string& o : extra) apply_override(root, o);
    const RunConfig rc = resolve_run_config(std::move(root));
    const Network net = load_layer_list_file(source(workload), 1);
    ChipRunOptions opts;
    opts.seed = rc.seed;
    opts.batch = batch;
    try {
        const SystemRunResult s = run_system(rc.tile, rc.system, net, opts);
        const ChipRunResult& r = s.run;
        std::printf(
            "%-32s %2d chips (%s) batch %d: %3d tiles, latency %8.1f us, %7.0f inf/s, %9.1f uJ/inference, "
            "%.3f TOPS/W, links %.2f %% of energy, inter-chip bits %llu (predicted %llu) | wall %.3f s "
            "(sc_start %.3f s), peak RSS %.0f MB\n",
            workload.c_str(), chips, s.link_topology.c_str(), batch, r.mapping.tiles_used(), r.latency_ns * 1e-3,
            r.throughput_inferences_per_s, r.energy_per_inference_nj * 1e-3, r.tops_per_w,
            100.0 * s.chip_link_energy_pj() / r.energy_pj.total(),
            static_cast<unsigned long long>(s.simulated_inter_chip_bits),
            static_cast<unsigned long long>(s.predicted_inter_chip_bits), r.wall_s, r.simulate_wall_s, peak_rss_mb());
    } catch (const InputError& e) {
        std::printf("%-32s %2d chips: %s\n", workload.c_str(), chips, e.what());
    }
    std::fflush(stdout);
}

}  // namespace

// libsystemc provides main(); entry points of programs linked with it are sc_main.
int sc_main(int argc, char** argv) {
    try {
        if (argc > 1 && std::strcmp(argv[1], "big") == 0) {
            bench("workloads/resnet50_imagenet.yaml", 64, 1, {"system.split_layers=true"});
            return 0;
        }
        for (int chips : {4, 8}) {
            bench("workloads/resnet18_imagenet.yaml", chips, 1);
            bench("workloads/resnet18_imagenet.yaml", chips, 8);
            bench("workloads/resnet50_imagenet.yaml", chips, 1);
            bench("workloads/resnet50_imagenet.yaml", chips, 8);
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_system: %s\n", e.what());
        return 1;
    }
    return 0;
}
