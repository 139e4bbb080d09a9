#include "src/functional/evaluator.h"

#include <algorithm>
#include <chrono>

#include <spdlog/spdlog.h>

#include "src/functional/analog_network.h"
#include "src/core/parallel.h"
#include "src/network/batch_forward.h"

namespace aimcsim {

ParamSchema AccuracySettings::schema() {
    ParamSchema s;
    s.boolean("enabled", false, "evaluate top-1 accuracy on the dataset");
    s.string("dataset", "fashion_mnist", "labelled test set: fashion_mnist, or user (the files of user_dataset)")
        .choices({"fashion_mnist", "user"});
    ParamSchema user;
    user.string("images", "", ".npy (float32/uint8), IDX, or a folder of ONNX .pb tensors");
    user.string("labels", "", ".npy of class indices (N,), or IDX labels");
    user.string("layout", "NCHW", "layout of .npy images").choices({"NCHW", "NHWC"});
    user.reals("mean", {}, "", "subtracted per channel (after uint8 / 255)");
    user.reals("std", {}, "", "divides per channel after the mean");
    user.string("calibration", "",
                "images that set input scales and ADC ranges (default: the first "
                "calibration_samples of images)");
    s.section("user_dataset", "a user's labelled dataset (dataset: user)", user);
    s.string("dataset_dir", kFashionMnistDir,
             "folder with the gzipped IDX files (Debian package dataset-fashion-mnist)");
    // More than the test split has would be cut silently: refused, naming the split's size.
    s.integer("samples", 10000, "", "test images evaluated (0: all); the fashion_mnist test split has 10000")
        .range(0, 10000);
    s.integer("calibration_samples", 256, "", "training images used to set input scales and ADC ranges")
        .range(1, 60000);
    s.real("adc_range_scale", 1.0, "", "ADC full scale of a block = largest calibration column value times this")
        .positive();
    // assumed: the GDPUs' number format is not published; 0 keeps float32.
    s.integer("digital_bits", 0, "bits",
              "signed fixed point of the transformer ops' digital arithmetic (attention products, softmax, "
              "LayerNorm, GELU, residual adds), one power-of-two step per tensor from its largest magnitude on "
              "the calibration data; 0: float32")
        .range(0, 24);
    s.boolean("compare_gdc", true, "also evaluate with global drift compensation off");
    s.string("engine", "gemm",
             "gemm: chunks of images through one matrix product per tile (fast); per_pixel: one MVM per pixel as "
             "the SystemC chip runs them (same statistics, not the same bits)")
        .choices({"gemm", "per_pixel"});
    return s;
}

AccuracySettings AccuracySettings::from(const Params& p) {
    AccuracySettings a;
    a.enabled = p.flag("enabled");
    a.dataset = p.str("dataset");
    a.dataset_dir = p.str("dataset_dir");
    const Params& u = p.sub("user_dataset");
    a.user.images = u.str("images");
    a.user.labels = u.str("labels");
    a.user.layout = u.str("layout");
    a.user.mean = u.reals("mean");
    a.user.std = u.reals("std");
    a.user.calibration = u.str("calibration");
    if (a.dataset == "user" && (a.user.images.empty() || a.user.labels.empty()))
        throw p.error("dataset", "dataset: user needs user_dataset.images and user_dataset.labels");
    a.samples = static_cast<std::size_t>(p.integer("samples"));
    a.calibration_samples = static_cast<std::size_t>(p.integer("calibration_samples"));
    a.adc_range_scale = p.real("adc_range_scale");
    a.digital_bits = static_cast<int>(p.integer("digital_bits"));
    if (a.digital_bits == 1)
        throw p.error("digital_bits", "digital_bits is 1; a signed fixed point needs 2 to 24 bits (0: float32)");
    a.compare_gdc = p.flag("compare_gdc");
    a.engine = p.str("engine") == "per_pixel" ? AccuracyEngine::PerPixel : AccuracyEngine::Gemm;
    return a;
}

int argmax(const std::vector<float>& v) {
    int best = 0;
    for (int i = 1; i < static_cast<int>(v.size()); ++i) {
        if (v[i] > v[best]) best = i;
    }
    return best;
}

namespace {

// Tensors of one chunk of images in the gemm engine, per thread: small enough that a
// layer's outputs for the whole chunk stay in a core's L2 cache between the layers.
constexpr std::size_t kChunkBytes = std::size_t{2} << 20;

// correct[i] = 1 where outputs_of(images) ranks image i's label first, for every test
// image, in chunks of the gemm engine or image by image (chunk 0). outputs_of takes
// the images of a chunk and the index of its first.
template <class Outputs>
void count_correct(const Dataset& test, std::size_t chunk, int threads, std::vector<int>& correct, Outputs outputs_of) {
    const std::size_t chunks = (test.count + chunk - 1) / chunk;
    parallel_for(chunks, threads, [&](std::size_t c) {
        const std::size_t i0 = c * chunk, n = std::min(chunk, test.count - i0);
        std::vector<std::vector<float>> images(n);
        for (std::size_t k = 0; k < n; ++k) images[k] = test.image(i0 + k);
        const std::vector<std::vector<float>> out = outputs_of(images, i0);
        for (std::size_t k = 0; k < n; ++k) correct[i0 + k] = argmax(out[k]) == test.labels[i0 + k] ? 1 : 0;
    });
}

double fraction(const std::vector<int>& correct) {
    std::size_t sum = 0;
    for (int c : correct) sum += static_cast<std::size_t>(c);
    return correct.empty() ? 0.0 : static_cast<double>(sum) / static_cast<double>(correct.size());
}

}  // namespace

AccuracyResult evaluate_accuracy(const AccuracyJob& job, const AccuracySettings& settings) {
    const auto t0 = std::chrono::steady_clock::now();
    const bool user = settings.dataset == "user";
    const Shape& want = job.net->input_shape();
    const Dataset test = user ? load_user_dataset(settings.user, want, settings.samples)
                              : load_fashion_mnist(settings.dataset_dir, "t10k", settings.samples);
    if (test.image_size() != want.size()) {
        throw InputError("dataset images have " + std::to_string(test.image_size()) + " values but network '" +
                         job.net->name + "' expects input " + want.str() +
                         " (give your own data with accuracy.dataset: user and accuracy.user_dataset)");
    }
    const int classes = static_cast<int>(job.net->output_shape().size());
    for (std::size_t i = 0; i < test.count; ++i)
        if (test.labels[i] >= classes)
            throw InputError((user ? settings.user.labels : settings.dataset_dir) + ": label " + std::to_string(i) +
                             " is " + std::to_string(test.labels[i]) + " but network '" + job.net->name + "' has " +
                             std::to_string(classes) + " outputs");
    AccuracyResult r;
    r.dataset = settings.dataset;
    r.samples = test.count;

    const bool gemm = settings.engine == AccuracyEngine::Gemm;
    const std::size_t chunk = gemm ? static_cast<std::size_t>(batch_chunk_size(*job.net, kChunkBytes)) : 1;
    std::vector<int> correct(test.count, 0);
    count_correct(test, chunk, job.threads, correct, [&](const std::vector<std::vector<float>>& images, std::size_t) {
        if (gemm) {
            return forward_network_batch(*job.net, images,
                                         [&](int layer, int n, const float* x, float* y, const int*, const int*) {
                                             matmul_float(job.net->layers[static_cast<std::size_t>(layer)], n, x, y);
                                         });
        }
        return std::vector<std::vector<float>>{forward_float(*job.net, images[0])};
    });
    r.top1_float = fraction(correct);

    std::vector<std::vector<float>> calib;
    if (user) {
        calib = load_user_images(settings.user.calibration.empty() ? settings.user.images : settings.user.calibration,
                                 settings.user, want, settings.calibration_samples);
    } else {
        const Dataset train = load_fashion_mnist(settings.dataset_dir, "train", settings.calibration_samples);
        for (std::size_t i = 0; i < train.count; ++i) calib.push_back(train.image(i));
    }
    AnalogNetwork chip(*job.net, *job.map, *job.tile, job.seed, calib, settings.adc_range_scale, job.threads);
    chip.set_digital_bits(settings.digital_bits);

    std::size_t analog_images = 0;
    const auto ta = std::chrono::steady_clock::now();
    for (double t : job.times_s) {
        chip.set_time(t);
        std::vector<bool> modes{job.gdc_enabled};
        if (settings.compare_gdc && job.gdc_enabled) modes.push_back(false);
        for (bool gdc : modes) {
            count_correct(test, chunk, job.threads, correct,
                          [&](const std::vector<std::vector<float>>& images, std::size_t first) {
                              if (!gemm) return std::vector<std::vector<float>>{chip.forward(images[0], first, gdc)};
                              std::vector<std::uint64_t> ids(images.size());
                              for (std::size_t k = 0; k < ids.size(); ++k) ids[k] = first + k;
                              return chip.forward_batch(images, ids.data(), gdc);
                          });
            r.vs_time.push_back({t, gdc, fraction(correct)});
            analog_images += test.count;
            spdlog::info("accuracy at t = {} s, gdc {}: {:.4f}", t, gdc, r.vs_time.back().top1);
        }
    }
    const auto t1 = std::chrono::steady_clock::now();
    r.wall_s = std::chrono::duration<double>(t1 - t0).count();
    const double analog_s = std::chrono::duration<double>(t1 - ta).count();
    r.images_per_s = analog_s > 0 ? static_cast<double>(analog_images) / analog_s : 0.0;
    return r;
}

}  // namespace aimcsim
