// A user's dataset (accuracy.dataset: user): Fashion-MNIST saved as .npy gives
// exactly the built-in path's accuracy; a CIFAR-shaped network runs on 3x32x32 user
// images in NCHW and NHWC; bad files are refused with the shapes named.
#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>

#include <unistd.h>

#include "aimcsim/core/error.h"
#include "src/app/run_config.h"
#include "src/functional/evaluator.h"
#include "src/import/npy.h"
#include "src/import/onnx_import.h"
#include "tests/test_support.h"

using namespace aimcsim;
namespace fs = std::filesystem;

namespace {

fs::path scratch(const std::string& name) {
    const fs::path d = fs::temp_directory_path() / ("aimcsim_user_dataset_" + std::to_string(::getpid()) + "_" + name);
    fs::create_directories(d);
    return d;
}

// A version 1.0 .npy of int64 labels, as numpy writes np.int64 arrays.
void write_labels_i8(const std::string& path, const std::vector<int>& labels) {
    std::string header =
        "{'descr': '<i8', 'fortran_order': False, 'shape': (" + std::to_string(labels.size()) + ",), }";
    while ((10 + header.size() + 1) % 64 != 0) header += ' ';
    header += '\n';
    std::ofstream f(path, std::ios::binary);
    f.write("\x93NUMPY\x01\x00", 8);
    const auto len = static_cast<std::uint16_t>(header.size());
    f.put(static_cast<char>(len & 0xff));
    f.put(static_cast<char>(len >> 8));
    f << header;
    for (int l : labels) {
        const auto v = static_cast<std::int64_t>(l);
        f.write(reinterpret_cast<const char*>(&v), sizeof v);
    }
}

TileConfig ideal_tile() {
    return TileConfig::parse(ConfigNode::parse_yaml(
        "model: hermes\ndevice: {model: ideal}\nadc: {model: ideal, bits: 24}\ngdc: {enabled: false}\n", "tile.yaml"));
}

}  // namespace

TEST_CASE("Fashion-MNIST saved as a user .npy dataset gives exactly the built-in accuracy", "[accuracy][dataset]") {
    const Network net = load_onnx(test::source_path("workloads/onnx/fmnist_cnn.onnx"));
    const Mapping map = map_network(net, 256, 256, 8, 8);
    const TileConfig tile = TileConfig::parse(ConfigNode::parse_yaml("model: hermes\n", "tile.yaml"));
    AccuracySettings builtin;
    builtin.dataset_dir = kFashionMnistDir;
    builtin.samples = 200;
    builtin.calibration_samples = 32;
    builtin.compare_gdc = false;

    // The same images as files: pixels / 255 in NCHW float32, labels int64, and the
    // built-in path's calibration images (the first training images).
    const fs::path dir = scratch("fmnist");
    const Dataset test = load_fashion_mnist(kFashionMnistDir, "t10k", builtin.samples);
    const Dataset train = load_fashion_mnist(kFashionMnistDir, "train", builtin.calibration_samples);
    write_npy((dir / "x.npy").string(), {test.count, 1, 28, 28}, test.images);
    write_npy((dir / "calib.npy").string(), {train.count, 1, 28, 28}, train.images);
    write_labels_i8((dir / "y.npy").string(), test.labels);
    AccuracySettings user = builtin;
    user.dataset = "user";
    user.user.images = (dir / "x.npy").string();
    user.user.labels = (dir / "y.npy").string();
    user.user.calibration = (dir / "calib.npy").string();

    AccuracyJob job;
    job.net = &net;
    job.map = &map;
    job.tile = &tile;
    job.seed = 3;
    job.times_s = {3600.0};
    job.threads = 2;
    const AccuracyResult a = evaluate_accuracy(job, builtin);
    const AccuracyResult b = evaluate_accuracy(job, user);
    REQUIRE(a.samples == 200);
    REQUIRE(b.samples == 200);
    CHECK(a.top1_float == b.top1_float);
    REQUIRE(a.vs_time.size() == b.vs_time.size());
    CHECK(a.vs_time[0].top1 == b.vs_time[0].top1);
    CHECK(a.vs_time[0].top1 > 0.8);  // a trained model: not a degenerate agreement
    fs::remove_all(dir);
}

TEST_CASE("a CIFAR-shaped network runs on 3x32x32 user images, NCHW and NHWC alike", "[accuracy][dataset]") {
    std::mt19937 rng(5);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    Network net;
    Window win;
    win.kernel_h = win.kernel_w = 3;
    win.pad_top = win.pad_left = win.pad_bottom = win.pad_right = 1;
    std::vector<float> wc(27 * 8), wd(8 * 4);
    for (float& v : wc) v = u(rng);
    for (float& v : wd) v = u(rng);
    int t = net.add_conv("conv", net.add_input("x", {3, 32, 32}), 8, win, wc, {});
    t = net.add_global_avg_pool("gap", net.add_relu("relu", t));
    net.add_dense("fc", t, 4, wd, {});
    const Mapping map = map_network(net, 256, 256, 8, 8);
    const TileConfig tile = ideal_tile();

    // Labels: the float network's own classes, so its top-1 must be exactly 1.
    const std::size_t n = 40;
    std::vector<float> nchw(n * 3 * 32 * 32), nhwc(nchw.size());
    for (float& v : nchw) v = u(rng);
    std::vector<int> labels;
    for (std::size_t i = 0; i < n; ++i) {
        const float* x = &nchw[i * 3072];
        for (int c = 0; c < 3; ++c)
            for (int p = 0; p < 1024; ++p) nhwc[i * 3072 + p * 3 + c] = x[c * 1024 + p];
        labels.push_back(argmax(forward_float(net, std::vector<float>(x, x + 3072))));
    }
    const fs::path dir = scratch("cifar");
    write_npy((dir / "nchw.npy").string(), {n, 3, 32, 32}, nchw);
    write_npy((dir / "nhwc.npy").string(), {n, 32, 32, 3}, nhwc);
    write_labels_i8((dir / "y.npy").string(), labels);

    AccuracySettings s;
    s.dataset = "user";
    s.samples = 0;
    s.calibration_samples = 16;
    s.compare_gdc = false;
    s.user.images = (dir / "nchw.npy").string();
    s.user.labels = (dir / "y.npy").string();
    AccuracyJob job;
    job.net = &net;
    job.map = &map;
    job.tile = &tile;
    job.times_s = {1.0};
    job.threads = 2;
    const AccuracyResult a = evaluate_accuracy(job, s);
    CHECK(a.samples == n);
    CHECK(a.top1_float == 1.0);
    CHECK(a.vs_time[0].top1 >= 0.9);  // ideal devices: only 8-bit inputs differ from float
    s.user.images = (dir / "nhwc.npy").string();
    s.user.layout = "NHWC";
    const AccuracyResult b = evaluate_accuracy(job, s);
    CHECK(b.top1_float == 1.0);
    CHECK(b.vs_time[0].top1 == a.vs_time[0].top1);

    // The NHWC file read as NCHW does not fit: the file, its shape and the wanted shape are named.
    s.user.layout = "NCHW";
    CHECK_THAT(
        test::error_of([&] { (void)evaluate_accuracy(job, s); }),
        Catch::Contains("nhwc.npy: images have shape (40, 32, 32, 3) but the model wants (N, 3, 32, 32) (NCHW)"));
    // Too few labels.
    write_labels_i8((dir / "short.npy").string(), {0, 1, 2});
    s.user.images = (dir / "nchw.npy").string();
    s.user.labels = (dir / "short.npy").string();
    CHECK_THAT(test::error_of([&] { (void)evaluate_accuracy(job, s); }),
               Catch::Contains("short.npy: (3,) labels for 40 images"));
    // A NaN image.
    nchw[5] = std::nanf("");
    write_npy((dir / "nan.npy").string(), {n, 3, 32, 32}, nchw);
    s.user.images = (dir / "nan.npy").string();
    s.user.labels = (dir / "y.npy").string();
    CHECK_THAT(test::error_of([&] { (void)evaluate_accuracy(job, s); }), Catch::Contains("NaN or infinite"));
    fs::remove_all(dir);
}

TEST_CASE("accuracy.dataset given as its files is the short form of dataset: user", "[accuracy][dataset]") {
    const auto config = [](const std::string& accuracy) {
        ConfigNode root = load_config_file(test::source_path("configs/hermes64.yaml"));
        root.set("accuracy", ConfigNode::parse_yaml(accuracy, "accuracy.yaml"));
        return resolve_run_config(root);
    };
    const RunConfig short_form = config("dataset: {images: x.npy, labels: y.npy, layout: NHWC}\n");
    CHECK(short_form.accuracy.dataset == "user");
    CHECK(short_form.accuracy.user.images == "x.npy");
    CHECK(short_form.accuracy.user.labels == "y.npy");
    CHECK(short_form.accuracy.user.layout == "NHWC");
    const RunConfig long_form = config("dataset: user\nuser_dataset: {images: x.npy, labels: y.npy, layout: NHWC}\n");
    CHECK(long_form.accuracy.user.images == short_form.accuracy.user.images);
    // Both forms at once, or a misspelt key inside the short form, name what is wrong.
    CHECK_THROWS_WITH(config("dataset: {images: x.npy, labels: y.npy}\nuser_dataset: {images: z.npy}\n"),
                      Catch::Contains("given twice"));
    CHECK_THROWS_WITH(config("dataset: {images: x.npy, labls: y.npy}\n"), Catch::Contains("labls"));
}
