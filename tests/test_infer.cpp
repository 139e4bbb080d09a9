// `aimcsim infer`: .npy in, the chip's numerics, .npy out; and the .npy reader's errors.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "aimcsim/core/error.h"
#include "src/import/idx_dataset.h"
#include "src/import/onnx_import.h"
#include "src/import/npy.h"
#include "src/import/tensor_pb.h"
#include "tests/onnx_model_builder.h"
#include "tests/test_support.h"

#include <onnx/onnx_pb.h>

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
    CHECK_THROWS_WITH(read_npy(dir.file("bad.npy", "hello, not numpy")),
                      Catch::Contains("bad.npy") && Catch::Contains("bad magic"));
    CHECK_THROWS_WITH(read_npy(raw_npy(dir, "f8.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", 6)),
                      Catch::Contains("f8.npy") && Catch::Contains("'<f8'") && Catch::Contains("'<f4'"));
    CHECK_THROWS_WITH(read_npy(raw_npy(dir, "fo.npy", "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", 4)),
                      Catch::Contains("fo.npy") && Catch::Contains("Fortran"));
    CHECK_THROWS_WITH(
        read_npy(raw_npy(dir, "short.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }", 2)),
        Catch::Contains("short.npy") && Catch::Contains("bytes"));
    CHECK_THROWS_WITH(read_npy((dir.path / "missing.npy").string()), Catch::Contains("missing.npy"));
    const NpyArray s =
        read_npy(raw_npy(dir, "scalar.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", 1));
    CHECK(s.shape.empty());
    CHECK(s.data.size() == 1);
}

TEST_CASE("infer: the float preset reproduces forward_float and bad .npy files exit 2 naming the file", "[infer]") {
    const test::TempDir dir;
    const std::string model = test::source_path("workloads/onnx/fmnist_cnn.onnx");
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
    const std::string f8 =
        raw_npy(dir, "double.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 28, 28), }", 1568);
    const std::string fortran =
        raw_npy(dir, "fortran.npy", "{'descr': '<f4', 'fortran_order': True, 'shape': (1, 28, 28), }", 784);
    const std::string magic = dir.file("magic.npy", "PK\x03\x04 a zip, not an npy");
    for (const auto& [file, what] :
         std::vector<std::pair<std::string, std::string>>{{wrong_shape, "expected (1, 28, 28) or (N, 1, 28, 28)"},
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

namespace {

// Serializes a TensorProto built with the protobuf API, as ONNX's numpy_helper does.
std::string write_proto(const test::TempDir& dir, const std::string& name, const onnx::TensorProto& t) {
    std::string bytes;
    REQUIRE(t.SerializeToString(&bytes));
    return dir.file(name, bytes);
}

onnx::TensorProto float_tensor(const std::vector<std::int64_t>& dims, const std::vector<float>& values, bool raw) {
    onnx::TensorProto t;
    t.set_name("input");
    t.set_data_type(onnx::TensorProto::FLOAT);
    for (auto d : dims) t.add_dims(d);
    if (raw) {
        std::string bytes(values.size() * 4, '\0');
        std::memcpy(bytes.data(), values.data(), bytes.size());  // little-endian host, as in ONNX files
        t.set_raw_data(bytes);
    } else {
        for (float v : values) t.add_float_data(v);
    }
    return t;
}

}  // namespace

TEST_CASE("tensor .pb: raw_data and float_data read back, round trip, clear errors", "[infer]") {
    const test::TempDir dir;
    const std::vector<float> v = {1.0F, -2.5F, 3.25F, 0.0F, 1e-30F, -7.0F};
    const NpyArray raw = read_tensor_pb(write_proto(dir, "raw.pb", float_tensor({2, 3}, v, true)));
    CHECK(raw.shape == std::vector<std::size_t>{2, 3});
    CHECK(raw.data == v);
    const NpyArray fd = read_tensor_pb(write_proto(dir, "fd.pb", float_tensor({6}, v, false)));
    CHECK(fd.shape == std::vector<std::size_t>{6});
    CHECK(fd.data == v);
    const std::string out = (dir.path / "out.pb").string();
    write_tensor_pb(out, {1, 6}, v, "y");
    const NpyArray back = read_tensor_pb(out);
    CHECK(back.shape == std::vector<std::size_t>{1, 6});
    CHECK(back.data == v);
    CHECK(is_tensor_pb_path("a/input_0.pb"));
    CHECK(is_tensor_pb_path("X.PB"));
    CHECK_FALSE(is_tensor_pb_path("x.npy"));
    CHECK_FALSE(is_tensor_pb_path("pb"));

    onnx::TensorProto dbl;
    dbl.set_data_type(onnx::TensorProto::DOUBLE);
    dbl.add_dims(2);
    dbl.add_double_data(1.0);
    dbl.add_double_data(2.0);
    onnx::TensorProto both = float_tensor({6}, v, true);
    for (float x : v) both.add_float_data(x);
    onnx::TensorProto external = float_tensor({6}, v, false);
    external.clear_float_data();
    external.set_data_location(onnx::TensorProto::EXTERNAL);
    onnx::TensorProto negative = float_tensor({-1}, {}, false);
    for (const auto& [file, what] : std::vector<std::pair<std::string, std::string>>{
             {write_proto(dir, "double.pb", dbl), "data type DOUBLE (11), expected FLOAT (1)"},
             {write_proto(dir, "short_raw.pb", float_tensor({2, 4}, v, true)), "need 32 bytes of raw_data, it has 24"},
             {write_proto(dir, "short_fd.pb", float_tensor({7}, v, false)), "need 7 values, float_data has 6"},
             {write_proto(dir, "empty_fd.pb", float_tensor({3}, {}, false)), "no raw_data"},
             {write_proto(dir, "both.pb", both), "both raw_data and float_data"},
             {write_proto(dir, "external.pb", external), "external file"},
             {write_proto(dir, "negative.pb", negative), "negative dimension -1"},
             {dir.file("garbage.pb", std::string("\xff\xff\xff\xff\x0f not a protobuf", 20)), "do not parse"},
             {dir.file("empty.pb", ""), "data type UNDEFINED (0)"},
             {(dir.path / "absent.pb").string(), "cannot open"}}) {
        INFO(file);
        CHECK_THROWS_AS(read_tensor_pb(file), InputError);
        CHECK_THROWS_WITH(read_tensor_pb(file), Catch::Contains(file) && Catch::Contains(what));
    }
}

TEST_CASE("infer: an ONNX TensorProto input gives the .npy input's output, bad .pb files exit 2", "[infer]") {
    const test::TempDir dir;
    const std::string model = test::source_path("workloads/onnx/fmnist_cnn_hwa.onnx");
    const Dataset test = load_fashion_mnist(kFashionMnistDir, "t10k", 1);
    const std::vector<float> x = test.image(0);
    const std::string npy_in = (dir.path / "x.npy").string();
    write_npy(npy_in, {1, 1, 28, 28}, x);
    // The layout of ONNX test data: test_data_set_0/input_0.pb with raw_data, and float_data too.
    const std::string pb_raw = write_proto(dir, "input_0.pb", float_tensor({1, 1, 28, 28}, x, true));
    const std::string pb_fd = write_proto(dir, "input_fd.pb", float_tensor({1, 28, 28}, x, false));
    const std::string opts = " --config " + test::source_path("configs/hermes64.yaml") +
                             " --set accuracy.calibration_samples=16 --set simulation.threads=1";

    const std::string y_npy = (dir.path / "y.npy").string();
    const test::CommandResult a = test::run_cli("infer " + model + " --input " + npy_in + " --output " + y_npy + opts);
    INFO(a.output);
    REQUIRE(a.exit_code == 0);
    const NpyArray ya = read_npy(y_npy);

    const std::string y_pb_npy = (dir.path / "y_pb.npy").string();
    const test::CommandResult b =
        test::run_cli("infer " + model + " --input " + pb_raw + " --output " + y_pb_npy + opts);
    INFO(b.output);
    REQUIRE(b.exit_code == 0);
    const NpyArray yb = read_npy(y_pb_npy);
    CHECK(yb.shape == ya.shape);
    CHECK(yb.data == ya.data);  // same tensor, same numerics: bit for bit

    // float_data without the batch dimension, output as a TensorProto too.
    const std::string y_pb = (dir.path / "output_0.pb").string();
    const test::CommandResult c = test::run_cli("infer " + model + " --input " + pb_fd + " --output " + y_pb + opts);
    INFO(c.output);
    REQUIRE(c.exit_code == 0);
    const NpyArray yc = read_tensor_pb(y_pb);
    CHECK(yc.shape == std::vector<std::size_t>{10});
    CHECK(yc.data == ya.data);

    onnx::TensorProto dbl;
    dbl.set_data_type(onnx::TensorProto::DOUBLE);
    for (auto d : {1, 1, 28, 28}) dbl.add_dims(d);
    for (float v : x) dbl.add_double_data(v);
    for (const auto& [file, what] : std::vector<std::pair<std::string, std::string>>{
             {write_proto(dir, "wrong_shape.pb", float_tensor({1, 1, 28, 27}, std::vector<float>(756, 0.0F), true)),
              "dims (1, 1, 28, 27) does not match the input of model 'fmnist_cnn_hwa': expected (1, 28, 28) or (N, 1, "
              "28, 28)"},
             {write_proto(dir, "double.pb", dbl), "expected FLOAT (1)"},
             {write_proto(dir, "truncated.pb", float_tensor({1, 1, 28, 28}, std::vector<float>(700, 0.0F), true)),
              "need 3136 bytes of raw_data, it has 2800"},
             {dir.file("corrupt.pb", std::string("\x0a\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 11)),
              "do not parse"}}) {
        const test::CommandResult r = test::run_cli("infer " + model + " --input " + file + " --output " + y_pb_npy);
        INFO(r.output);
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.output, Catch::Contains(file) && Catch::Contains(what));
    }
}

TEST_CASE("infer: --seed picks the noise draws and wins over --set seed, bad values exit 2", "[infer]") {
    const test::TempDir dir;
    const std::string model = test::source_path("workloads/onnx/fmnist_cnn_hwa.onnx");
    const Dataset test = load_fashion_mnist(kFashionMnistDir, "t10k", 1);
    const std::string in = (dir.path / "x.npy").string();
    write_npy(in, {1, 1, 28, 28}, test.image(0));
    const std::string opts = " --config " + test::source_path("configs/hermes64.yaml") +
                             " --set accuracy.calibration_samples=16 --set simulation.threads=1";
    auto run = [&](const std::string& name, const std::string& extra) {
        const std::string out = (dir.path / name).string();
        const test::CommandResult r =
            test::run_cli("infer " + model + " --input " + in + " --output " + out + opts + extra);
        INFO(r.output);
        REQUIRE(r.exit_code == 0);
        return read_npy(out).data;
    };
    const std::vector<float> s5 = run("s5.npy", " --seed 5");
    const std::vector<float> set5 = run("set5.npy", " --set seed=5");
    const std::vector<float> s6 = run("s6.npy", " --set seed=5 --seed 6");
    CHECK(test::identical(s5, set5));
    CHECK_FALSE(test::identical(s5, s6));
    for (const std::string bad : {"-1", "abc", "1.5", "99999999999999999999"}) {
        const test::CommandResult r = test::run_cli("infer " + model + " --input " + in + " --output " +
                                                    (dir.path / "bad.npy").string() + " --seed " + bad);
        CAPTURE(bad, r.output);
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.output, Catch::Contains("--seed"));
    }
}

TEST_CASE("infer: N samples of a symbolic-batch model, each its own noise, NaN inputs, --calibration", "[infer]") {
    const test::TempDir dir;
    // The shipped MLP (declared batch 1) re-declared with a symbolic batch "N".
    const std::string fixed = test::source_path("workloads/onnx/fmnist_mlp.onnx");
    onnx::ModelProto m;
    {
        std::ifstream in(fixed, std::ios::binary);
        REQUIRE(m.ParseFromIstream(&in));
    }
    test::onnx_model::set_symbolic_batch(m);
    const std::string model = (dir.path / "mlp_any_batch.onnx").string();
    {
        std::ofstream out(model, std::ios::binary);
        REQUIRE(m.SerializeToOstream(&out));
    }
    const Network net = load_onnx(model);
    CHECK(net.declared_batch == 0);
    const std::size_t per = net.input_shape().size();
    const Dataset images = load_fashion_mnist(kFashionMnistDir, "t10k", 3);
    std::vector<float> three;
    for (std::size_t i = 0; i < 3; ++i) {
        const std::vector<float> image = images.image(i);
        three.insert(three.end(), image.begin(), image.end());
    }
    const std::vector<std::size_t> batch_dims = {3, 1, 28, 28};  // the MLP takes 1x28x28 and flattens
    const std::string x3 = dir.file("x3.npy", "");
    write_npy(x3, batch_dims, three);
    const std::string out = (dir.path / "y.npy").string();
    const std::string base =
        " --config " + test::source_path("configs/hermes64.yaml") + " --set accuracy.calibration_samples=32";

    // PCM: row 0 is the one-sample run (image id 0) bit for bit; rows 1, 2 get their own
    // per-read noise, so the same image as sample 0 and as sample 1 reads differently.
    auto run = [&](const std::string& input, const std::string& extra = "") {
        const test::CommandResult r =
            test::run_cli("infer " + model + " --input " + input + " --output " + out + base + extra);
        INFO(r.output);
        REQUIRE(r.exit_code == 0);
        return std::make_pair(read_npy(out), r.output);
    };
    const auto [y3, text3] = run(x3);
    CHECK(y3.shape == std::vector<std::size_t>{3, 10});
    CHECK_THAT(text3, Catch::Contains("3 samples, 30 values"));
    const std::string x0 = (dir.path / "x0.npy").string();
    write_npy(x0, {1, 1, 28, 28}, images.image(0));
    const auto [y0, text0] = run(x0);
    CHECK(std::vector<float>(y3.data.begin(), y3.data.begin() + 10) == y0.data);
    std::vector<float> same_twice = images.image(0);
    same_twice.insert(same_twice.end(), same_twice.begin(), same_twice.end());
    const std::string xx = (dir.path / "xx.npy").string();
    write_npy(xx, {2, 1, 28, 28}, same_twice);
    const auto [yy, textx] = run(xx);
    CHECK(std::vector<float>(yy.data.begin(), yy.data.begin() + 10) == y0.data);
    CHECK(std::vector<float>(yy.data.begin() + 10, yy.data.end()) != y0.data);

    // --calibration: the samples named set the ranges, and the output says so.
    const auto [yc, textc] = run(x0, " --calibration " + x3);
    CHECK_THAT(textc, Catch::Contains("calibrated on 3 samples of " + x3));
    CHECK(yc.data != y0.data);

    // A NaN value exits 2 naming file, sample and value. The network describes one sample,
    // so the original model (a fixed batch of 1) runs the 3 samples the same way.
    std::vector<float> bad = three;
    bad[per + 5] = std::nanf("");
    const std::string xnan = (dir.path / "nan.npy").string();
    write_npy(xnan, batch_dims, bad);
    test::CommandResult r = test::run_cli("infer " + model + " --input " + xnan + " --output " + out);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains(xnan + "': sample 1, value 5 is NaN"));
    r = test::run_cli("infer " + fixed + " --input " + x3 + " --output " + out + base);
    CHECK(r.exit_code == 0);
    CHECK(read_npy(out).data == y3.data);
}
