// Benchmark of the accuracy evaluation (not a test), measured in one run:
//  1. the full Fashion-MNIST evaluation of the CNN as a user runs it (float reference,
//     calibration, programming, one analog time), with the default (gemm) engine;
//  2. for the CNN and the MLP, on 1 and 2 threads: the noisy analog evaluation's rate
//     (hermes64 tile: PCM, CCO ADC, GDC; 1 h after programming) in GMAC/s, next to a
//     plain OpenBLAS sgemm over the same layer shapes (the chunk's pixels x rows x cols
//     of every weight layer), timed in alternating runs (best of five each), and the
//     per-pixel engine for reference.
// Usage: bench_accuracy [samples of part 1 (10000; 0 skips it)] [images of part 2 (2000)]
#include <systemc>

#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <tuple>
#include <utility>

#include "src/app/run_config.h"
#include "src/core/parallel.h"
#include "src/functional/analog_network.h"
#include "src/functional/evaluator.h"
#include "src/import/idx_dataset.h"
#include "src/import/onnx_import.h"
#include "src/network/batch_forward.h"

using namespace aimcsim;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Best of `rounds` timings of fn(): the cores are shared, the fastest run is the machine's rate.
template <class Fn> double best_of(int rounds, Fn fn) {
    double best = 1e300;
    for (int r = 0; r < rounds; ++r) {
        const auto t = Clock::now();
        fn();
        best = std::min(best, seconds_since(t));
    }
    return best;
}

// The best of `rounds` timings of a() and of b(), their runs alternating: a load that
// comes and goes on the shared cores then weighs on both sides of a ratio alike.
template <class A, class B> std::pair<double, double> best_alternating(int rounds, A a, B b) {
    std::pair<double, double> best{1e300, 1e300};
    for (int r = 0; r < rounds; ++r) {
        best.first = std::min(best.first, best_of(1, a));
        best.second = std::min(best.second, best_of(1, b));
    }
    return best;
}

// The shapes one chunk of `chunk` images gives the weight layers: M = pixels x chunk, K, N.
struct GemmShape {
    int m, k, n;
};

std::vector<GemmShape> chunk_shapes(const Network& net, int chunk) {
    std::vector<GemmShape> shapes;
    for (const Layer& l : net.layers) {
        if (!l.has_weights_matrix()) continue;
        const Shape& so = net.shape(l.output);
        const int pixels = l.op == Op::Conv ? so.h * so.w : (l.op == Op::Lstm ? so.w : 1);
        shapes.push_back({pixels * chunk, l.rows, l.cols});
    }
    return shapes;
}

// A run of plain sgemm over every chunk's shapes, chunks spread over the threads like the
// engine's: calls fn(run) with the run to time.
template <class Fn> void with_sgemm_run(const Network& net, std::size_t images, int chunk, int threads, Fn fn) {
    const std::vector<GemmShape> shapes = chunk_shapes(net, chunk);
    std::size_t a = 0, b = 0, c = 0;
    for (const GemmShape& s : shapes) {
        a = std::max(a, static_cast<std::size_t>(s.m) * s.k);
        b = std::max(b, static_cast<std::size_t>(s.k) * s.n);
        c = std::max(c, static_cast<std::size_t>(s.m) * s.n);
    }
    const std::size_t chunks = (images + chunk - 1) / chunk;
    openblas_set_num_threads(1);
    // Inputs and weights are read only; each thread writes its own output buffer and
    // takes a contiguous share of the chunks, as parallel_for deals them.
    const std::vector<float> x(a, 0.5F), w(b, 0.25F);
    const int workers = std::min<int>(resolve_threads(threads), static_cast<int>(chunks));
    std::vector<std::vector<float>> y(static_cast<std::size_t>(workers), std::vector<float>(c));
    fn([&] {
        parallel_for(static_cast<std::size_t>(workers), threads, [&](std::size_t t) {
            for (std::size_t ch = t * chunks / workers; ch < (t + 1) * chunks / workers; ++ch) {
                for (const GemmShape& s : shapes)
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, s.m, s.n, s.k, 1.0F, x.data(), s.k, w.data(),
                                s.n, 0.0F, y[t].data(), s.n);
            }
        });
    });
}

void bench_model(const std::string& file, const TileConfig& tile, const Dataset& test, int grid_rows, int grid_cols) {
    const Network net = load_onnx(file);
    const Mapping map = map_network(net, 256, 256, grid_rows, grid_cols);
    std::vector<std::vector<float>> images;
    for (std::size_t i = 0; i < test.count; ++i) images.push_back(test.image(i));
    const std::vector<std::vector<float>> calib(images.begin(), images.begin() + 64);
    AnalogNetwork chip(net, map, tile, 1, calib, 1.0, 0);
    chip.set_time(3600.0);
    const int chunk = batch_chunk_size(net, std::size_t{2} << 20);  // as evaluate_accuracy
    const std::size_t chunks = (images.size() + chunk - 1) / chunk;
    const double macs = static_cast<double>(net.macs_per_inference()) * static_cast<double>(images.size());
    std::printf("%s: %.2f MMAC per image, %zu images, chunks of %d\n", net.name.c_str(), net.macs_per_inference() / 1e6,
                images.size(), chunk);
    for (int threads : {1, 2}) {
        const auto analog = [&] {
            parallel_for(chunks, threads, [&](std::size_t c) {
                const std::size_t i0 = c * chunk, n = std::min<std::size_t>(chunk, images.size() - i0);
                const std::vector<std::vector<float>> part(images.begin() + i0, images.begin() + i0 + n);
                std::vector<std::uint64_t> ids(n);
                for (std::size_t k = 0; k < n; ++k) ids[k] = i0 + k;
                (void)chip.forward_batch(part, ids.data(), true);
            });
        };
        double analog_s = 0.0, sgemm_s = 0.0;
        with_sgemm_run(net, images.size(), chunk, threads,
                       [&](auto sgemm) { std::tie(analog_s, sgemm_s) = best_alternating(5, analog, sgemm); });
        // The per-pixel engine on a fifth of the images (it is slow), scaled.
        const std::size_t few = std::max<std::size_t>(1, images.size() / 5);
        const double pixel_s = best_of(
            1, [&] { parallel_for(few, threads, [&](std::size_t i) { (void)chip.forward(images[i], i, true); }); });
        std::printf("  %d thread%s: analog gemm engine %.2f GMAC/s, OpenBLAS sgemm %.2f GMAC/s, ratio %.2f; "
                    "per-pixel engine %.2f GMAC/s\n",
                    threads, threads > 1 ? "s" : "", macs / analog_s / 1e9, macs / sgemm_s / 1e9, sgemm_s / analog_s,
                    macs * few / images.size() / pixel_s / 1e9);
    }
}

}  // namespace

// libsystemc provides main(); entry points of programs linked with it are sc_main.
int sc_main(int argc, char** argv) {
    // A count, or a usage message and exit 2 (std::stoul alone accepts "12abc" and throws on "-h").
    auto count_arg = [&](int i, std::size_t fallback) -> std::size_t {
        if (argc <= i) return fallback;
        const std::string s = argv[i];
        if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos || s.size() > 9) {
            std::fprintf(stderr, "bench_accuracy: argument %d is '%s', expected a count of images\n"
                                 "usage: bench_accuracy [samples of part 1 (10000; 0 skips it)] [images of part 2 (2000)]\n",
                         i, s.c_str());
            std::exit(2);
        }
        return std::stoul(s);
    };
    const std::size_t samples = count_arg(1, 10000);
    const std::size_t images = count_arg(2, 2000);
    const std::string dir = AIMCSIM_SOURCE_DIR;
    try {
        const RunConfig rc = load_run_config(dir + "/configs/hermes64.yaml", {});
        const int grid_rows = 8, grid_cols = 8;
        if (samples > 0) {
            const Network net = load_onnx(dir + "/workloads/onnx/fmnist_cnn_hwa.onnx");
            const Mapping map = map_network(net, 256, 256, grid_rows, grid_cols);
            AccuracyJob job{&net, &map, &rc.tile, 1, {3600.0}, true, 0};
            AccuracySettings settings;
            settings.samples = samples;
            settings.dataset_dir = kFashionMnistDir;
            settings.compare_gdc = false;
            const auto t0 = Clock::now();
            const AccuracyResult r = evaluate_accuracy(job, settings);
            std::printf("evaluation of %s, %zu images, %d threads: %.2f s wall (float + calibration + programming + "
                        "analog), analog %.0f images/s; top-1 float %.4f, analog (1 h, GDC) %.4f\n",
                        net.name.c_str(), r.samples, resolve_threads(0), seconds_since(t0), r.images_per_s,
                        r.top1_float, r.vs_time[0].top1);
        }
        const Dataset test = load_fashion_mnist(kFashionMnistDir, "t10k", images);
        for (const char* model : {"fmnist_cnn_hwa", "fmnist_mlp_hwa"})
            bench_model(dir + "/workloads/onnx/" + model + ".onnx", rc.tile, test, grid_rows, grid_cols);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_accuracy: %s\n", e.what());
        return 2;
    }
    return 0;
}
