// Benchmark of the batched accuracy path (not a test): the full Fashion-MNIST
// evaluation of a CNN on hermes tiles with PCM noise, and the analog MVM rate with
// noise against a plain float GEMM of the same shapes, measured in one run.
// Usage: bench_accuracy [MODEL.onnx] [samples] [threads]
#include <systemc>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>

#include "src/import/idx_dataset.h"
#include "src/import/onnx_import.h"
#include "src/functional/analog_network.h"
#include "src/functional/evaluator.h"
#include "src/core/parallel.h"

using namespace aimcsim;
using Clock = std::chrono::steady_clock;

static double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// libsystemc provides main(); entry points of programs linked with it are sc_main.
int sc_main(int argc, char** argv) {
    const std::string model =
        argc > 1 && argv[1][0] != 0 ? argv[1] : std::string(AIMCSIM_SOURCE_DIR) + "/workloads/onnx/fmnist_cnn_hwa.onnx";
    const std::size_t samples = argc > 2 ? std::stoul(argv[2]) : 10000;
    const int threads = argc > 3 ? std::stoi(argv[3]) : 0;
    try {
        const Network net = load_onnx(model);
        const Mapping map = map_network(net, 256, 256, 8, 8);
        const TileConfig tile =
            TileConfig::parse(ConfigNode::parse_yaml("model: hermes\ndevice: {model: pcm}\n", "bench"));

        // 1. The whole evaluation as a user runs it: float reference + one analog time.
        AccuracyJob job{&net, &map, &tile, 1, {3600.0}, true, threads};
        AccuracySettings settings;
        settings.samples = samples;
        settings.dataset_dir = kFashionMnistDir;
        settings.compare_gdc = false;
        const auto t0 = Clock::now();
        const AccuracyResult r = evaluate_accuracy(job, settings);
        const double total_s = seconds_since(t0);
        std::printf("model %s, %zu images, %d threads\n", net.name.c_str(), r.samples, resolve_threads(threads));
        std::printf("  evaluation: %.2f s wall (float + calibration + programming + analog), analog %.0f images/s\n",
                    total_s, r.images_per_s);
        std::printf("  top-1 float %.4f, analog (pcm, 1 h, GDC) %.4f\n", r.top1_float, r.vs_time[0].top1);

        // 2. Analog MVMs with noise vs float GEMM over the same layer shapes and inputs.
        const Dataset test = load_fashion_mnist(kFashionMnistDir, "t10k", 2000);
        std::vector<std::vector<float>> calib;
        for (std::size_t i = 0; i < 64; ++i) calib.push_back(test.image(i));
        AnalogNetwork chip(net, map, tile, 1, calib, 1.0, threads);
        chip.set_time(3600.0);
        // Analog and float passes alternate, three rounds, and the fastest of each
        // counts: the cores may be shared, and both sides get the same chance.
        double analog_s = 1e300, float_s = 1e300;
        for (int round = 0; round < 3; ++round) {
            const auto ta = Clock::now();
            parallel_for(test.count, threads, [&](std::size_t i) { (void)chip.forward(test.image(i), i, true); });
            analog_s = std::min(analog_s, seconds_since(ta));
            const auto tf = Clock::now();
            parallel_for(test.count, threads, [&](std::size_t i) { (void)forward_float(net, test.image(i)); });
            float_s = std::min(float_s, seconds_since(tf));
        }
        const double macs = static_cast<double>(net.macs_per_inference()) * static_cast<double>(test.count);
        const double cores = resolve_threads(threads);
        std::printf("  analog MVMs with noise: %.2f GMAC/s; float GEMM: %.2f GMAC/s; ratio %.2f\n",
                    macs / analog_s / 1e9, macs / float_s / 1e9, float_s / analog_s);
        std::printf("  per core: analog %.0f images/s, float %.0f images/s (%zu images, best of 3)\n",
                    test.count / analog_s / cores, test.count / float_s / cores, test.count);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_accuracy: %s\n", e.what());
        return 2;
    }
    return 0;
}
