// Accuracy of the Fashion-MNIST ViTs on the analog chip (not a test: minutes of CPU).
// For each model, the float top-1 and the analog top-1 at each time after programming,
// with and without global drift compensation, on the config's tile (default hermes64:
// PCM, CCO ADC, GDC) mapped onto its grid: the projections, the FFN, the patch
// embedding and the classifier on tiles; attention, LayerNorm, GELU in float.
// The chip timing of the transformer ops is not simulated here (accuracy only).
// Usage: bench_vit_accuracy [samples (10000)] [config (configs/hermes64.yaml)] [models...]
//        (models default to workloads/onnx/fmnist_vit.onnx and fmnist_vit_hwa.onnx)
#include <systemc>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "src/app/run_config.h"
#include "src/chip/chip_mapping.h"
#include "src/functional/evaluator.h"
#include "src/import/idx_dataset.h"
#include "src/import/onnx_import.h"

using namespace aimcsim;

// libsystemc provides main(); entry points of programs linked with it are sc_main.
int sc_main(int argc, char** argv) {
    const std::string dir = AIMCSIM_SOURCE_DIR;
    const std::size_t samples = argc > 1 ? std::stoul(argv[1]) : 10000;
    const std::string config = argc > 2 ? argv[2] : dir + "/configs/hermes64.yaml";
    std::vector<std::string> models;
    for (int i = 3; i < argc; ++i) models.emplace_back(argv[i]);
    if (models.empty())
        models = {dir + "/workloads/onnx/fmnist_vit.onnx", dir + "/workloads/onnx/fmnist_vit_hwa.onnx"};
    try {
        const RunConfig rc = load_run_config(config, {});
        for (const std::string& model : models) {
            const Network net = load_onnx(model);
            const ChipMapping cm = map_on_chip(net, 256, 256, rc.chip);
            const std::vector<double> times = rc.simulation.t_inference_s;
            AccuracyJob job{&net, &cm.mapping, &rc.tile, rc.seed, times, true, rc.simulation.threads};
            AccuracySettings settings = rc.accuracy;
            settings.samples = samples;
            settings.compare_gdc = true;
            const auto t0 = std::chrono::steady_clock::now();
            const AccuracyResult r = evaluate_accuracy(job, settings);
            const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            std::printf("%s: %zu images, %zu tiles, %zu MACs/image, %.0f s wall; top-1 float %.4f\n", net.name.c_str(),
                        r.samples, cm.mapping.blocks.size(), net.macs_per_inference(), wall, r.top1_float);
            for (const AccuracyPoint& p : r.vs_time)
                std::printf("  t = %g s, GDC %s: top-1 %.4f\n", p.t_inference_s, p.gdc ? "on " : "off", p.top1);
            std::fflush(stdout);
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 2;
    }
    return 0;
}
