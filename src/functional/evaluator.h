// Accuracy of a mapped network on a labelled dataset: the float reference and the
// analog chip at every configured time after programming, with and without global
// drift compensation. Device noise is drawn once (programming); drift and 1/f noise
// are applied per time; per-read noise is keyed per image, so results do not depend
// on the thread count.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "aimcsim/core/params.h"
#include "aimcsim/tile.h"
#include "src/import/idx_dataset.h"
#include "src/import/user_dataset.h"
#include "aimcsim/network.h"
#include "src/mapping/mapper.h"

namespace aimcsim {

enum class AccuracyEngine { Gemm, PerPixel };

struct AccuracySettings {
    static ParamSchema schema();
    static AccuracySettings from(const Params& p);

    bool enabled = false;
    std::string dataset = "fashion_mnist";  // or "user": the files of user_dataset
    std::string dataset_dir;
    UserDatasetSpec user;
    std::size_t samples = 10000;            // 0: the whole test split
    std::size_t calibration_samples = 256;  // from the training split
    double adc_range_scale = 1.0;
    // Fixed-point bits of the transformer ops' digital arithmetic (0: float32); see
    // DigitalRounding in src/network/transformer_kernels.h.
    int digital_bits = 0;
    bool compare_gdc = true;  // also evaluate with GDC off
    // gemm: chunks of images through the batched engine (AnalogNetwork::forward_batch,
    // float reference on sgemm); per_pixel: image by image, one MVM per pixel, the
    // numerics the SystemC chip runs (AnalogNetwork::forward, forward_float).
    AccuracyEngine engine = AccuracyEngine::Gemm;
};

struct AccuracyPoint {
    double t_inference_s = 0.0;
    bool gdc = true;
    double top1 = 0.0;
};

struct AccuracyResult {
    std::string dataset;
    std::size_t samples = 0;
    double top1_float = 0.0;
    std::vector<AccuracyPoint> vs_time;
    double wall_s = 0.0;
    double images_per_s = 0.0;  // analog evaluations, all times together
};

struct AccuracyJob {
    const Network* net = nullptr;
    const Mapping* map = nullptr;
    const TileConfig* tile = nullptr;
    std::uint64_t seed = 1;
    std::vector<double> times_s;
    bool gdc_enabled = true;  // the tile config's setting: the main result uses it
    int threads = 0;
};

[[nodiscard]] AccuracyResult evaluate_accuracy(const AccuracyJob& job, const AccuracySettings& settings);

// Index of the largest value (first on ties).
[[nodiscard]] int argmax(const std::vector<float>& v);

}  // namespace aimcsim
