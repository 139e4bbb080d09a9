// `aimcsim infer`: .npy in, the chip's numerics, .npy out; and the .npy reader's errors.
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include "aimcsim/core/error.h"
#include "aimcsim/workload/idx_dataset.h"
#include "aimcsim/workload/onnx_import.h"
#include "src/workload/npy.h"
#include "tests/test_support.h"

using namespace aimcsim;

namespace {

// A .npy file with a hand-written header (for the bad cases).
std::string raw_npy(const test::TempDir& dir, const std::string& name, const std::string& header, std::size_t values) {
    std::string h = header;
    while ((10 + h.size() + 1) % 64 != 0) h += ' ';
    h += '\n';
    std::string bytes = std::string("\x93NUMPY\x01\x00", 8);
    bytes += static_cast<char>(h.size() & 0xff);
    bytes += static_cast<char>(h.size() >> 8);
    bytes += h;
    bytes.append(values * 4, '\0');
    return dir.file(name, bytes);
}

}  // namespace

TEST_CASE("npy: round trip, shapes and clear errors", "[infer]") {
    const test::TempDir dir;
    const std::string p = (dir.path / "a.npy").string();
    write_npy(p, {2, 3}, {1, 2, 3, 4, 5, -6.5f});
    const NpyArray a = read_npy(p);
    CHECK(a.shape == std::vector<std::size_t>{2, 3});
    CHECK(a.data == std::vector<float>{1, 2, 3, 4, 5, -6.5f});
    CHECK(a.shape_str() == "(2, 3)");
    CHECK(npy_shape_str({10}) == "(10,)");
    {
        std::ifstream in(p, std::ios::binary);
        std::string head(10, '\0');
        in.read(head.data(), 10);
        const std::size_t len = static_cast<unsigned char>(head[8]) | (static_cast<unsigned char>(head[9]) << 8);
        CHECK((10 + len) % 64 == 0);  // data aligned as NumPy writes it
    }
    CHECK_THROWS_WITH(read_npy(dir.file("bad.npy", "hello, not numpy")), Catch::Contains("bad.npy") && Catch::Contains("bad magic"));
    CHECK_THROWS_WITH(read_npy(raw_npy(dir, "f8.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", 6)),
                      Catch::Contains("f8.npy") && Catch::Contains("'<f8'") && Catch::Contains("'<f4'"));
    CHECK_THROWS_WITH(read_npy(raw_npy(dir, "fo.npy", "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", 4)),
                      Catch::Contains("fo.npy") && Catch::Contains("Fortran"));
    CHECK_THROWS_WITH(read_npy(raw_npy(dir, "short.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }", 2)),
                      Catch::Contains("short.npy") && Catch::Contains("bytes"));
    CHECK_THROWS_WITH(read_npy((dir.path / "missing.npy").string()), Catch::Contains("missing.npy"));
    const NpyArray s = read_npy(raw_npy(dir, "scalar.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", 1));
    CHECK(s.shape.empty());
    CHECK(s.data.size() == 1);
}

TEST_CASE("infer: the float preset reproduces forward_float and bad .npy files exit 2 naming the file", "[infer]") {
    const test::TempDir dir;
    const std::string model = test::source_path("workloads/models/fmnist_cnn.onnx");
    const Network net = load_onnx(model);
    const Dataset test = load_fashion_mnist(kFashionMnistDir, "t10k", 1);
    const std::vector<float> x = test.image(0);
    const std::string in = (dir.path / "x.npy").string();
    const std::string out = (dir.path / "y.npy").string();
    write_npy(in, {1, 1, 28, 28}, x);

    const std::string ideal = " --config " + test::source_path("configs/hermes64.yaml") +
                              " --set 'tile.device={model: ideal}' --set 'tile.adc={model: ideal, bits: 24}'"
                              " --set tile.gdc.enabled=false --set accuracy.calibration_samples=64";
    const test::CommandResult r = test::run_cli("infer " + model + " --input " + in + " --output " + out + ideal);
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.output, Catch::Contains("64 Fashion-MNIST training images"));
    const NpyArray y = read_npy(out);
    CHECK(y.shape == std::vector<std::size_t>{1, 10});  // leading batch 1 kept
    const std::vector<float> ref = forward_float(net, x);
    REQUIRE(y.data.size() == ref.size());
    double err2 = 0, ref2 = 0;
    for (std::size_t i = 0; i < ref.size(); ++i) {
        err2 += (y.data[i] - ref[i]) * (y.data[i] - ref[i]);
        ref2 += ref[i] * ref[i];
    }
    const double rel = std::sqrt(err2 / ref2);
    INFO("relative rms error vs float " << rel);
    CHECK(rel < 0.05);

    // Without the batch dimension; the default config (hermes tile, PCM, 8x8 grid);
    // no dataset, so calibrated on the input itself.
    const std::string in3 = (dir.path / "x3.npy").string();
    write_npy(in3, {1, 28, 28}, x);
    const test::CommandResult d = test::run_cli("infer " + model + " --input " + in3 + " --output " + out +
                                                " --set accuracy.dataset_dir=" + dir.str() + "/no_dataset");
    INFO(d.output);
    REQUIRE(d.exit_code == 0);
    CHECK_THAT(d.output, Catch::Contains("calibrated on the input itself"));
    const NpyArray yd = read_npy(out);
    CHECK(yd.shape == std::vector<std::size_t>{10});
    CHECK(yd.data != y.data);  // PCM noise

    // Bad input files: exit 2, one line naming the file.
    const std::string wrong_shape = (dir.path / "wrong_shape.npy").string();
    write_npy(wrong_shape, {28, 28}, x);
    const std::string f8 = raw_npy(dir, "double.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 28, 28), }", 1568);
    const std::string fortran = raw_npy(dir, "fortran.npy", "{'descr': '<f4', 'fortran_order': True, 'shape': (1, 28, 28), }", 784);
    const std::string magic = dir.file("magic.npy", "PK\x03\x04 a zip, not an npy");
    for (const auto& [file, what] : std::vector<std::pair<std::string, std::string>>{
             {wrong_shape, "expected (1, 28, 28) or (1, 1, 28, 28)"},
             {f8, "'<f4'"},
             {fortran, "Fortran"},
             {magic, "bad magic"},
             {(dir.path / "absent.npy").string(), "cannot open"}}) {
        const test::CommandResult b = test::run_cli("infer " + model + " --input " + file + " --output " + out);
        INFO(b.output);
        CHECK(b.exit_code == 2);
        CHECK_THAT(b.output, Catch::Contains(file) && Catch::Contains(what));
    }
    const test::CommandResult no_model = test::run_cli("infer --input " + in + " --output " + out);
    CHECK(no_model.exit_code == 2);
    CHECK_THAT(no_model.output, Catch::Contains("missing MODEL"));
}
