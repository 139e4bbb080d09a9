#include "src/app/infer.h"

#include <filesystem>
#include <iostream>
#include <memory>

#include "aimcsim/core/config.h"
#include "aimcsim/core/error.h"
#include "aimcsim/core/registry.h"
#include "aimcsim/tile.h"
#include "src/import/idx_dataset.h"
#include "src/import/onnx_import.h"
#include "src/functional/analog_network.h"
#include "src/functional/evaluator.h"
#include "src/chip/chip_mapping.h"
#include "src/chip/chip_params.h"
#include "src/mapping/mapper.h"
#include "src/app/run_config.h"
#include "src/import/npy.h"
#include "src/import/tensor_pb.h"

namespace aimcsim {

namespace {

const char* kInferUsage =
    "usage: aimcsim infer MODEL.onnx --input X.npy|X.pb --output Y.npy|Y.pb [--config C] [--seed N]\n"
    "                     [--set KEY.PATH=VALUE]...\n"
    "  runs one float32 tensor (the model's input shape, optionally with a leading batch 1) through the\n"
    "  configured chip's analog numerics and writes the output tensor; .npy is a NumPy file, .pb an ONNX\n"
    "  TensorProto (as in ONNX test data: input_0.pb), told apart by the extension; --seed N (the devices'\n"
    "  noise draws) overrides the config's seed and any --set seed=...\n";

// The dims a tensor of `s` is written with: (C, H, W), or (N,) for a flat vector.
std::vector<std::size_t> dims_of(const Shape& s) {
    if (s.h == 1 && s.w == 1) return {static_cast<std::size_t>(s.c)};
    return {static_cast<std::size_t>(s.c), static_cast<std::size_t>(s.h), static_cast<std::size_t>(s.w)};
}

// The run config of --config (or the defaults) with the overrides applied.
RunConfig infer_config(const InferOptions& o) {
    if (!o.config.empty()) return load_run_config(o.config, o.overrides);
    ConfigNode root = ConfigNode::parse_yaml("{}", "<defaults>");
    for (const auto& s : o.overrides) apply_override(root, s);
    return resolve_run_config(std::move(root));
}

}  // namespace

InferResult run_infer(const InferOptions& o) {
    if (o.model.empty()) throw InputError("infer: missing MODEL (an ONNX file)");
    if (o.input.empty()) throw InputError("infer: missing --input X.npy (or X.pb)");
    if (o.output.empty()) throw InputError("infer: missing --output Y.npy (or Y.pb)");
    // The extension says the format: anything but .npy or .pb would be written as one
    // thing under the name of another.
    const auto has_ext = [](const std::string& p, const std::string& e) {
        return p.size() >= e.size() && p.compare(p.size() - e.size(), e.size(), e) == 0;
    };
    if (!has_ext(o.output, ".npy") && !is_tensor_pb_path(o.output))
        throw InputError("infer: --output '" + o.output +
                         "': expected a file name ending in .npy (NumPy array) or .pb (ONNX TensorProto), which "
                         "says the format written");
    const RunConfig rc = infer_config(o);
    const Network net = load_onnx(o.model);

    const bool pb_input = is_tensor_pb_path(o.input);
    const NpyArray x = pb_input ? read_tensor_pb(o.input) : read_npy(o.input);
    const std::vector<std::size_t> dims = dims_of(net.input_shape());
    std::vector<std::size_t> batched = dims;
    batched.insert(batched.begin(), 1);
    const bool has_batch = x.shape == batched;
    if (x.shape != dims && !has_batch) {
        throw InputError("'" + o.input + "': " + (pb_input ? "dims " : "shape ") + x.shape_str() +
                         " does not match the input of model '" + net.name + "': expected " + npy_shape_str(dims) +
                         " or " + npy_shape_str(batched));
    }

    const AccuracySettings& acc = rc.accuracy;
    InferResult r;
    std::vector<std::vector<float>> calib;
    const Shape& in = net.input_shape();
    const bool fmnist_input = in.size() == 784 && (in.c == 784 || (in.c == 1 && in.h == 28 && in.w == 28));
    if (fmnist_input &&
        std::filesystem::exists(std::filesystem::path(acc.dataset_dir) / "train-images-idx3-ubyte.gz")) {
        const Dataset train = load_fashion_mnist(acc.dataset_dir, "train", acc.calibration_samples);
        for (std::size_t i = 0; i < train.count; ++i) calib.push_back(train.image(i));
        r.calibrated_on_dataset = true;
    } else {
        calib.push_back(x.data);
    }
    r.calibration_images = calib.size();

    const ChipParams& chip = rc.chip;
    const std::unique_ptr<TileModel> probe = rc.tile.create();
    const Mapping map = map_on_chip(net, probe->rows(), probe->cols(), chip).mapping;  // the chip's tiles: its noise
    for (const Layer& l : net.layers) {
        if (l.has_weights_matrix() && l.weights.empty()) throw InputError("layer '" + l.name + "' has no weights");
    }
    AnalogNetwork analog(net, map, rc.tile, rc.seed, calib, acc.adc_range_scale, rc.simulation.threads);
    analog.set_time(rc.simulation.t_inference_s.front());
    r.output = analog.forward(x.data, 0, true);

    std::vector<std::size_t> out_dims = dims_of(net.output_shape());
    if (has_batch) out_dims.insert(out_dims.begin(), 1);
    if (is_tensor_pb_path(o.output)) {
        write_tensor_pb(o.output, out_dims, r.output, "output");
    } else {
        write_npy(o.output, out_dims, r.output);
    }
    return r;
}

int run_infer_command(const std::vector<std::string>& args) {
    InferOptions o;
    std::string seed;  // applied after every --set, so it wins
    auto value = [&](std::size_t& i, const std::string& flag) -> std::string {
        if (i + 1 >= args.size()) throw InputError("infer: " + flag + " needs a value");
        return args[++i];
    };
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--help" || a == "-h") {
            std::cout << kInferUsage;
            return 0;
        } else if (a == "--input") {
            o.input = value(i, a);
        } else if (a == "--output" || a == "-o") {
            o.output = value(i, a);
        } else if (a == "--config") {
            o.config = value(i, a);
        } else if (a == "--set") {
            o.overrides.push_back(value(i, a));
        } else if (a == "--seed") {
            const std::string v = value(i, a);
            if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos || v.size() > 19) {
                throw InputError("infer: --seed expects a non-negative integer, got '" + v + "'");
            }
            seed = v;
        } else if (a.rfind("--", 0) == 0) {
            throw InputError("infer: unknown option '" + a + "'\n" + kInferUsage);
        } else if (o.model.empty()) {
            o.model = a;
        } else {
            throw InputError("infer: unexpected argument '" + a + "'\n" + kInferUsage);
        }
    }
    if (!seed.empty()) o.overrides.push_back("seed=" + seed);
    const InferResult r = run_infer(o);
    std::cout << "wrote " << o.output << " (" << r.output.size() << " values; calibrated on "
              << (r.calibrated_on_dataset ? std::to_string(r.calibration_images) + " Fashion-MNIST training images"
                                          : std::string("the input itself"))
              << ")\n";
    return 0;
}

}  // namespace aimcsim
