// The batched (GEMM) analog engine: TileModel::mvm_batch and AnalogNetwork::forward_batch
// against the per-pixel path they replace in the accuracy evaluation. Exact where the
// arithmetic is exact (ideal parts, integer weights), the same statistics where noise
// enters, and results that do not depend on the chunk size or the thread count.
#include <catch2/catch.hpp>

#include <cmath>

#include "aimcsim/core/registry.h"
#include "aimcsim/tile.h"
#include "tests/tile_test_support.h"
#include "src/core/parallel.h"
#include "src/functional/analog_network.h"
#include "src/functional/evaluator.h"
#include "src/import/idx_dataset.h"
#include "src/import/onnx_import.h"
#include "src/network/batch_forward.h"
#include "tests/test_support.h"

using namespace aimcsim;

namespace {

std::unique_ptr<TileModel> make_tile(const std::string& yaml) {
    return Registry<TileModel>::instance().create(ConfigNode::parse_yaml(yaml, "tile.yaml"));
}

using test::random_block;

// The first n Fashion-MNIST test images, each a CHW vector.
std::vector<std::vector<float>> fmnist_test_images(std::size_t n) {
    const Dataset test = load_fashion_mnist(kFashionMnistDir, "t10k", n);
    std::vector<std::vector<float>> images;
    for (std::size_t i = 0; i < test.count; ++i) images.push_back(test.image(i));
    return images;
}

// n input vectors of `rows` codes, row-major.
std::vector<std::int8_t> random_inputs(int n, int rows, std::uint64_t seed) {
    Rng rng(seed, Stream::Inputs, {});
    std::vector<std::int8_t> x(static_cast<std::size_t>(n) * rows);
    for (auto& v : x) v = static_cast<std::int8_t>(rng.uniform_int(-127, 127));
    return x;
}

// Per-column mean and standard deviation of the error y - W x over n reads.
struct ColumnStats {
    std::vector<double> mean, sd;
};

ColumnStats error_stats(const std::vector<float>& y, int n, const WeightBlock& b, const std::int8_t* x) {
    ColumnStats s;
    s.mean.assign(b.cols, 0.0);
    s.sd.assign(b.cols, 0.0);
    for (int j = 0; j < b.cols; ++j) {
        double exact = 0.0;
        for (int i = 0; i < b.rows; ++i) exact += static_cast<double>(b.weights[i * b.cols + j]) * x[i];
        double sum = 0.0, sq = 0.0;
        for (int k = 0; k < n; ++k) {
            const double e = y[static_cast<std::size_t>(k) * b.cols + j] - exact;
            sum += e;
            sq += e * e;
        }
        s.mean[j] = sum / n;
        s.sd[j] = std::sqrt(std::max(0.0, (sq - n * s.mean[j] * s.mean[j]) / (n - 1)));
    }
    return s;
}

// A tile that does not override mvm_batch (as a plugin built before it existed):
// y_j = sum of the codes + j + one uniform draw of the noise stream.
class SumTile : public TileModel {
public:
    int rows() const override { return 3; }
    int cols() const override { return 2; }
    double clock_ghz() const override { return 1.0; }
    int input_bits() const override { return 8; }
    MvmPhases phases() const override { return {}; }
    double static_power_mw() const override { return 0.0; }
    void program(const WeightBlock&, const TileKey&) override {}
    void set_time(double) override {}
    void mvm(const std::int8_t* x, float* y, MvmEnergy& energy, Rng* noise) const override {
        for (int j = 0; j < 2; ++j)
            y[j] = static_cast<float>(x[0] + x[1] + x[2] + j + (noise != nullptr ? noise->uniform() : 0.0));
        energy.array_pj += 1.0;
    }
    MvmEnergy reference_mvm_energy() const override { return {}; }
};

}  // namespace

TEST_CASE("mvm_batch of a tile without its own is mvm() per input with the stream of its id", "[gemm]") {
    const SumTile tile;
    const std::vector<std::int8_t> x = {1, 2, 3, -4, 5, 6};  // two inputs, ldx 3
    const std::uint64_t ids[2] = {7, 9};
    const RngKeyPrefix key = Rng::prefix(5, Stream::MvmNoise, {3});
    std::vector<float> y(4);
    MvmEnergy e;
    tile.mvm_batch(x.data(), 2, 3, y.data(), 2, &e, &key, ids);
    Rng first(key, {7}), second(key, {9});
    const double u0 = first.uniform(), u1 = second.uniform();
    CHECK(y[0] == static_cast<float>(6 + u0));
    CHECK(y[2] == static_cast<float>(7 + u1));
    CHECK(e.array_pj == 2.0);
    tile.mvm_batch(x.data(), 2, 3, y.data(), 2, &e, nullptr, nullptr);
    CHECK(y[1] == 7.0F);
    CHECK(y[3] == 8.0F);
}

TEST_CASE("noiseless mvm_batch gives the exact integer product in one-phase and four-phase mode", "[gemm]") {
    // Integer weights in [-7, 7], codes in [-127, 127]: a 24-bit ADC over output_range 256
    // resolves 256/8388607*7*127 = 0.027 < 0.5 of the integer result (test_tile's bound).
    for (const char* mode : {"one_phase", "four_phase"}) {
        auto tile = make_tile(std::string("device: {model: ideal}\nadc: {model: ideal, bits: 24}\noutput_range: "
                                          "256\ngdc: {enabled: false}\ninput: {mode: ") +
                              mode + "}\n");
        const WeightBlock b = random_block(200, 70, 3, 7);
        tile->program(b, TileKey{1, 0});
        tile->set_time(86400.0);
        const int n = 300;  // more than one group of the batch (256)
        const std::vector<std::int8_t> x = random_inputs(n, 256, 11);
        std::vector<float> y(static_cast<std::size_t>(n) * 80);
        MvmEnergy e;
        tile->mvm_batch(x.data(), n, 256, y.data(), 80, &e, nullptr, nullptr);
        long wrong = 0;
        for (int k = 0; k < n; ++k) {
            for (int j = 0; j < b.cols; ++j) {
                long exact = 0;
                for (int i = 0; i < b.rows; ++i)
                    exact += static_cast<long>(b.weights[i * b.cols + j]) * x[static_cast<std::size_t>(k) * 256 + i];
                wrong += std::lround(y[static_cast<std::size_t>(k) * 80 + j]) != exact ? 1 : 0;
            }
        }
        INFO(mode);
        CHECK(wrong == 0);
    }
}

TEST_CASE("mvm_batch charges every MVM the energy mvm() charges it", "[gemm]") {
    for (const char* mode : {"one_phase", "four_phase"}) {
        auto tile = make_tile(std::string("device: {model: pcm}\ninput: {mode: ") + mode + "}\n");
        const WeightBlock b = random_block(100, 40, 5, 0);
        tile->program(b, TileKey{1, 2});
        tile->set_time(3600.0);
        const int n = 50;
        std::vector<std::int8_t> x = random_inputs(n, 100, 12);
        for (int i = 0; i < 100; i += 3) x[static_cast<std::size_t>(i)] = 0;  // some rows without a pulse
        std::vector<float> y(static_cast<std::size_t>(n) * 40);
        MvmEnergy batch, single;
        tile->mvm_batch(x.data(), n, 100, y.data(), 40, &batch, nullptr, nullptr);
        for (int k = 0; k < n; ++k) tile->mvm(&x[static_cast<std::size_t>(k) * 100], y.data(), single, nullptr);
        INFO(mode);
        CHECK(batch.input_pj == Approx(single.input_pj).epsilon(1e-12));
        CHECK(batch.pwm_pj == Approx(single.pwm_pj).epsilon(1e-12));
        CHECK(batch.array_pj == Approx(single.array_pj).epsilon(1e-12));
        // The ADC's count-dependent energy sees counts that may differ by one LSB where
        // the column sum's rounding crosses a step: 1e-4 of the total.
        CHECK(batch.adc_pj == Approx(single.adc_pj).epsilon(1e-4));
        CHECK(batch.ldpu_pj == Approx(single.ldpu_pj).epsilon(1e-12));
    }
}

TEST_CASE("mvm_batch without an energy gives the same outputs, bit for bit", "[gemm]") {
    // The energy is bookkeeping only: skipping it (accuracy runs) must not move a result.
    for (const char* mode : {"one_phase", "four_phase"}) {
        auto tile = make_tile(std::string("device: {model: pcm}\ninput: {mode: ") + mode + "}\n");
        const WeightBlock b = random_block(100, 40, 5, 0);
        tile->program(b, TileKey{1, 2});
        tile->set_time(3600.0);
        const int n = 40;
        const std::vector<std::int8_t> x = random_inputs(n, 100, 12);
        std::vector<std::uint64_t> ids(static_cast<std::size_t>(n));
        for (int k = 0; k < n; ++k) ids[static_cast<std::size_t>(k)] = static_cast<std::uint64_t>(3 * k + 1);
        const RngKeyPrefix key = Rng::prefix(1, Stream::MvmNoise, {2});
        std::vector<float> with(static_cast<std::size_t>(n) * 40), without(with.size());
        MvmEnergy e;
        tile->mvm_batch(x.data(), n, 100, with.data(), 40, &e, &key, ids.data());
        tile->mvm_batch(x.data(), n, 100, without.data(), 40, nullptr, &key, ids.data());
        INFO(mode);
        CHECK(e.total_pj() > 0.0);
        CHECK(with == without);
    }
}

TEST_CASE("mvm_batch and mvm() have the same error statistics per column over many noisy reads", "[gemm]") {
    // One tile (its device draws fixed), one input, R reads per path with independent
    // per-read noise streams. Per column, the mean error agrees within 5 standard errors
    // of the difference of means, sigma within 5 standard errors of the difference of
    // sample sigmas (SE of a sample sigma ~ sigma / sqrt(2 (R - 1))).
    const int rows = 128, cols = 32, reads = 2000;
    // The third device reads asymmetrically (one-phase rows of either input sign see
    // other conductances): the batched path must split the inputs by sign as mvm() does.
    for (const char* device : {"pcm", "hermes_pcm", "pcm, read_asymmetry_mean: 1.03, read_asymmetry_sigma: 0.05"}) {
        for (const char* mode : {"one_phase", "four_phase"}) {
            auto tile = make_tile(std::string("device: {model: ") + device + "}\ninput: {mode: " + mode + "}\n");
            const WeightBlock b = random_block(rows, cols, 21, 0);
            tile->program(b, TileKey{1, 4});
            tile->set_time(86400.0);
            const std::vector<std::int8_t> x = random_inputs(1, rows, 13);
            const RngKeyPrefix key = Rng::prefix(1, Stream::MvmNoise, {4});
            std::vector<float> per_read(static_cast<std::size_t>(reads) * cols), batched(per_read.size());
            std::vector<std::int8_t> xs;
            std::vector<std::uint64_t> ids;
            MvmEnergy e;
            for (int k = 0; k < reads; ++k) {
                Rng noise(key, {static_cast<std::uint64_t>(k)});
                tile->mvm(x.data(), &per_read[static_cast<std::size_t>(k) * cols], e, &noise);
                xs.insert(xs.end(), x.begin(), x.end());
                ids.push_back(static_cast<std::uint64_t>(reads + k));  // other streams than per_read's
            }
            tile->mvm_batch(xs.data(), reads, rows, batched.data(), cols, &e, &key, ids.data());
            const ColumnStats a = error_stats(per_read, reads, b, x.data());
            const ColumnStats g = error_stats(batched, reads, b, x.data());
            INFO(device << " " << mode);
            int failed = 0;
            double sd_sum = 0.0;
            for (int j = 0; j < cols; ++j) {
                const double se_mean = std::sqrt((a.sd[j] * a.sd[j] + g.sd[j] * g.sd[j]) / reads);
                const double se_sd = std::sqrt((a.sd[j] * a.sd[j] + g.sd[j] * g.sd[j]) / (2.0 * (reads - 1)));
                failed += std::fabs(a.mean[j] - g.mean[j]) > 5 * se_mean + 1e-9 ? 1 : 0;
                failed += std::fabs(a.sd[j] - g.sd[j]) > 5 * se_sd + 1e-9 ? 1 : 0;
                sd_sum += a.sd[j];
            }
            CHECK(failed == 0);
            CHECK(sd_sum > 0.0);  // the reads are noisy: the comparison above is not vacuous
        }
    }
}

TEST_CASE("the batched network engine gives each image the same bits in any chunk and on any thread count",
          "[gemm][accuracy]") {
    const Network net = load_onnx(test::source_path("workloads/onnx/fmnist_cnn_hwa.onnx"));
    const Mapping map = map_network(net, 256, 256, 8, 8);
    const std::vector<std::vector<float>> images = fmnist_test_images(13);
    const TileConfig tile = TileConfig::parse(ConfigNode::parse_yaml("model: hermes\ndevice: {model: pcm}\n", "t"));
    AnalogNetwork chip(net, map, tile, 3, std::vector<std::vector<float>>(images.begin(), images.begin() + 4), 1.0, 2);
    chip.set_time(3600.0);
    std::vector<std::uint64_t> ids(images.size());
    for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = 100 + i;
    const auto whole = chip.forward_batch(images, ids.data(), true);
    for (std::size_t chunk : {std::size_t{1}, std::size_t{3}, std::size_t{5}}) {
        for (int threads : {1, 2}) {
            std::vector<std::vector<float>> out(images.size());
            const std::size_t chunks = (images.size() + chunk - 1) / chunk;
            parallel_for(chunks, threads, [&](std::size_t c) {
                const std::size_t i0 = c * chunk, n = std::min(chunk, images.size() - i0);
                const std::vector<std::vector<float>> part(images.begin() + i0, images.begin() + i0 + n);
                const auto y = chip.forward_batch(part, ids.data() + i0, true);
                for (std::size_t k = 0; k < n; ++k) out[i0 + k] = y[k];
            });
            for (std::size_t i = 0; i < images.size(); ++i) {
                INFO("chunk " << chunk << ", threads " << threads << ", image " << i);
                CHECK(test::identical(out[i], whole[i]));
            }
        }
    }
}

TEST_CASE("batched and per-pixel engines differ far less than two noise draws do", "[gemm][accuracy]") {
    // Same per-read noise streams: the engines differ only where a column sum's rounding
    // moves an ADC count. Other streams (another image id) move every count by the noise.
    for (const char* mode : {"one_phase", "four_phase"}) {
        const Network net = load_onnx(test::source_path("workloads/onnx/fmnist_mlp_hwa.onnx"));
        const Mapping map = map_network(net, 256, 256, 8, 8);
        const std::vector<std::vector<float>> images = fmnist_test_images(40);
        const TileConfig tile = TileConfig::parse(ConfigNode::parse_yaml(
            std::string("model: hermes\ndevice: {model: hermes_pcm}\ninput: {mode: ") + mode + "}\n", "t"));
        AnalogNetwork chip(net, map, tile, 2, images, 1.0, 2);
        chip.set_time(86400.0);
        std::vector<std::uint64_t> ids(images.size());
        for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = i;
        const auto batched = chip.forward_batch(images, ids.data(), true);
        double engines = 0.0, draws = 0.0;
        int agree = 0;
        for (std::size_t i = 0; i < images.size(); ++i) {
            const auto same = chip.forward(images[i], i, true);
            const auto other = chip.forward(images[i], 1000 + i, true);
            for (std::size_t k = 0; k < same.size(); ++k) {
                engines += std::fabs(batched[i][k] - same[k]);
                draws += std::fabs(other[k] - same[k]);
            }
            agree += argmax(batched[i]) == argmax(same) ? 1 : 0;
        }
        INFO(mode << ": engines " << engines << ", noise draws " << draws);
        CHECK(draws > 0.0);
        CHECK(engines < 0.2 * draws);
        CHECK(agree >= 38);
    }
}

TEST_CASE("the batched executor with a per-row float kernel gives forward_float's bits", "[gemm]") {
    // Same arithmetic per row (matvec_float), so only the executor differs: im2col rows,
    // bias, scatter and the digital layers must match the per-image executor exactly.
    for (const char* model : {"fmnist_cnn_hwa", "fmnist_mlp_hwa"}) {
        const Network net = load_onnx(test::source_path(std::string("workloads/onnx/") + model + ".onnx"));
        const std::vector<std::vector<float>> images = fmnist_test_images(5);
        const auto out =
            forward_network_batch(net, images, [&](int layer, int n, const float* x, float* y, const int*, const int*) {
                const Layer& l = net.layers[static_cast<std::size_t>(layer)];
                for (int k = 0; k < n; ++k)
                    matvec_float(l, x + static_cast<std::size_t>(k) * l.rows, y + static_cast<std::size_t>(k) * l.cols);
            });
        for (std::size_t i = 0; i < images.size(); ++i) {
            INFO(model << " image " << i);
            CHECK(test::identical(out[i], forward_float(net, images[i])));
        }
    }
}

TEST_CASE("quantising each layer input once and gathering codes gives the bits of quantising every gathered row",
          "[gemm]") {
    // forward_batch runs the code kernel (each input tensor quantised once, im2col on codes);
    // a float kernel calling layer_mvm_batch quantises every im2col row (padding included).
    const Network net = load_onnx(test::source_path("workloads/onnx/fmnist_cnn_hwa.onnx"));
    const Mapping map = map_network(net, 256, 256, 8, 8);
    const std::vector<std::vector<float>> images = fmnist_test_images(6);
    const TileConfig tile = TileConfig::parse(ConfigNode::parse_yaml("model: hermes\ndevice: {model: pcm}\n", "t"));
    AnalogNetwork chip(net, map, tile, 5, images, 1.0, 1);
    chip.set_time(3600.0);
    std::vector<std::uint64_t> images_ids(images.size());
    for (std::size_t i = 0; i < images.size(); ++i) images_ids[i] = 50 + i;
    const auto codes = chip.forward_batch(images, images_ids.data(), true);
    std::vector<std::uint64_t> ids;
    const auto rows = forward_network_batch(
        net, images, [&](int layer, int n, const float* x, float* y, const int* input, const int* pixel) {
            ids.resize(static_cast<std::size_t>(n));
            for (int k = 0; k < n; ++k)
                ids[static_cast<std::size_t>(k)] = mvm_noise_id(images_ids[static_cast<std::size_t>(input[k])], pixel[k]);
            chip.layer_mvm_batch(layer, x, n, y, ids.data(), true, nullptr);
        });
    REQUIRE(rows.size() == codes.size());
    for (std::size_t i = 0; i < rows.size(); ++i) CHECK(test::identical(rows[i], codes[i]));
}
