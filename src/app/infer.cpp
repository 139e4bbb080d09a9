#include "src/app/infer.h"

#include <algorithm>
#include <cmath>
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
#include "src/core/parallel.h"
#include "src/mapping/mapper.h"
#include "src/app/run_config.h"
#include "src/import/npy.h"
#include "src/import/tensor_pb.h"

namespace aimcsim {

namespace {

const char* kInferUsage =
    "usage: aimcsim infer MODEL.onnx --input X.npy|X.pb --output Y.npy|Y.pb [--calibration C.npy|C.pb]\n"
    "                     [--config C] [--seed N] [--set KEY.PATH=VALUE]... [--reference]\n"
    "  runs float32 samples through the configured chip's analog numerics and writes the outputs. X holds\n"
    "  one sample (the model's input shape) or N samples (a leading batch dim: N free for a symbolic batch,\n"
    "  the declared one for a fixed batch); the devices are programmed once and every sample gets its own\n"
    "  per-read noise. .npy is a NumPy file, .pb an ONNX TensorProto (as in ONNX test data: input_0.pb),\n"
    "  told apart by the extension. --calibration: the samples that set the input scales and ADC ranges\n"
    "  (default: Fashion-MNIST training images for a 1x28x28 model when installed, else X itself);\n"
    "  --seed N (the devices' noise draws) overrides the config's seed and any --set seed=...\n"
    "  --reference: the network's float reference executor instead (no chip numerics, nothing calibrated):\n"
    "  what the ONNX model computes in float32, to compare the chip's outputs with\n";

// The dims a tensor of `s` is written with: (C, H, W), or (N,) for a flat vector.
std::vector<std::size_t> dims_of(const Shape& s) {
    if (s.h == 1 && s.w == 1) return {static_cast<std::size_t>(s.c)};
    return {static_cast<std::size_t>(s.c), static_cast<std::size_t>(s.h), static_cast<std::size_t>(s.w)};
}

// The dims a sample of the model's input or output is read and written with: as the
// ONNX graph declares them after the batch dim (a token sequence [N, T, D]: (T, D)),
// else dims_of() the network's shape.
std::vector<std::size_t> sample_dims(const std::vector<int>& onnx, const Shape& s) {
    if (onnx.empty()) return dims_of(s);
    return std::vector<std::size_t>(onnx.begin(), onnx.end());
}

bool takes_fashion_mnist(const Network& net) {
    const Shape& in = net.input_shape();
    return in.size() == 784 && (in.c == 784 || (in.c == 1 && in.h == 28 && in.w == 28));
}

// The run config of --config (or the defaults) with the overrides applied.
RunConfig infer_config(const std::string& config, const std::vector<std::string>& overrides) {
    if (!config.empty()) return load_run_config(config, overrides);
    ConfigNode root = ConfigNode::parse_yaml("{}", "<defaults>");
    for (const auto& s : overrides) apply_override(root, s);
    return resolve_run_config(std::move(root));
}

}  // namespace

InputSamples split_samples(const NpyArray& x, const std::string& name, const Network& net,
                           const std::vector<int>& dims_in) {
    // The ONNX dims (a leading batch dim or not); the network's own dims_of() are read too.
    std::vector<std::size_t> dims = sample_dims(dims_in, net.input_shape());
    const auto with_batch_of = [&x](const std::vector<std::size_t>& d) {
        return x.shape.size() == d.size() + 1 && std::equal(d.begin(), d.end(), x.shape.begin() + 1);
    };
    const std::vector<std::size_t> own = dims_of(net.input_shape());
    if (x.shape != dims && !with_batch_of(dims) && (x.shape == own || with_batch_of(own))) dims = own;
    const bool batched = with_batch_of(dims);
    if (x.shape != dims && !batched) {
        std::vector<std::size_t> with_batch = dims;
        with_batch.insert(with_batch.begin(), 1);
        std::string batch_text = npy_shape_str(with_batch);
        batch_text.replace(1, 1, "N");  // any number of samples
        throw InputError("'" + name + "': " + (is_tensor_pb_path(name) ? "dims " : "shape ") + x.shape_str() +
                         " does not match the input of model '" + net.name + "': expected " + npy_shape_str(dims) +
                         " or " + batch_text);
    }
    const std::size_t n = batched ? x.shape.front() : 1;
    const std::size_t per = net.input_shape().size();
    if (n == 0) throw InputError("'" + name + "': holds no samples (batch dim 0)");
    if (x.data.size() != n * per)
        throw InputError("'" + name + "': " + std::to_string(x.data.size()) + " values for shape " + x.shape_str());
    InputSamples s;
    s.batched = batched;
    for (std::size_t i = 0; i < n; ++i) {
        const float* begin = x.data.data() + i * per;
        for (std::size_t k = 0; k < per; ++k) {
            if (!std::isfinite(begin[k])) {
                throw InputError("'" + name + "': sample " + std::to_string(i) + ", value " + std::to_string(k) +
                                 " is " + (std::isnan(begin[k]) ? "NaN" : "infinite") + "; inputs must be finite");
            }
        }
        s.items.emplace_back(begin, begin + per);
    }
    return s;
}

namespace {

// The output's dims: the ONNX output's (a token sequence (T, D)), else the network's own,
// after the input's leading batch dim if it had one, as ONNX writes it ((N, T, D)).
std::vector<std::size_t> output_dims(const Network& net, const std::vector<int>& dims_out, const InputSamples& x) {
    std::vector<std::size_t> d = sample_dims(dims_out, net.output_shape());
    if (x.batched) d.insert(d.begin(), x.items.size());
    return d;
}

}  // namespace

InferTensorResult infer_tensor(const InferRequest& q) {
    if (q.model.empty()) throw InputError("infer: missing MODEL (an ONNX file)");
    const RunConfig rc = infer_config(q.config, q.overrides);
    OnnxSampleDims io;
    const Network net = load_onnx(q.model, &io);
    const InputSamples x = split_samples(q.input, q.input_name, net, io.input);

    const AccuracySettings& acc = rc.accuracy;
    InferTensorResult r;
    r.samples = x.items.size();
    if (q.reference) {
        for (const Layer& l : net.layers) {
            if (l.has_weights_matrix() && l.weights.empty()) throw InputError("layer '" + l.name + "' has no weights");
        }
        for (const auto& sample : x.items) {
            const std::vector<float> y = forward_float(net, sample);
            r.output.data.insert(r.output.data.end(), y.begin(), y.end());
        }
        r.calibrated_on = "nothing (the float reference executor)";
        r.output.shape = output_dims(net, io.output, x);
        return r;
    }
    std::vector<std::vector<float>> calib = q.calibration;
    const std::size_t per = net.input_shape().size();
    for (std::size_t i = 0; i < calib.size(); ++i) {
        if (calib[i].size() != per) {
            throw InputError("infer: calibration sample " + std::to_string(i) + " of " + q.calibration_name + " has " +
                             std::to_string(calib[i].size()) + " values; the input of model '" + net.name + "' has " +
                             std::to_string(per));
        }
    }
    if (!calib.empty()) {
        r.calibrated_on = std::to_string(calib.size()) + " samples of " + q.calibration_name;
    } else if (takes_fashion_mnist(net) &&
               std::filesystem::exists(std::filesystem::path(acc.dataset_dir) / "train-images-idx3-ubyte.gz")) {
        const Dataset train = load_fashion_mnist(acc.dataset_dir, "train", acc.calibration_samples);
        for (std::size_t i = 0; i < train.count; ++i) calib.push_back(train.image(i));
        r.calibrated_on = std::to_string(calib.size()) + " Fashion-MNIST training images";
    } else {
        calib = x.items;
        r.calibrated_on = "the input itself (" + std::to_string(calib.size()) +
                          " samples; pass --calibration with representative data for a deployed chip's ranges)";
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
    analog.set_digital_bits(acc.digital_bits);
    // Sample i is image i of the per-read noise streams: results do not depend on threads.
    std::vector<std::vector<float>> outputs(x.items.size());
    parallel_for(x.items.size(), rc.simulation.threads,
                 [&](std::size_t i) { outputs[i] = analog.forward(x.items[i], i, true); });
    for (const auto& y : outputs) r.output.data.insert(r.output.data.end(), y.begin(), y.end());
    r.output.shape = output_dims(net, io.output, x);
    return r;
}

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
    const auto read_tensor = [](const std::string& path) {
        return is_tensor_pb_path(path) ? read_tensor_pb(path) : read_npy(path);
    };
    InferRequest q;
    q.model = o.model;
    q.config = o.config;
    q.overrides = o.overrides;
    q.input = read_tensor(o.input);
    q.input_name = o.input;
    q.reference = o.reference;
    if (o.reference && !o.calibration.empty())
        throw InputError("infer: --reference runs no chip numerics, so --calibration has nothing to calibrate");
    if (!o.calibration.empty()) {
        OnnxSampleDims io;
        const Network net = load_onnx(o.model, &io);
        q.calibration = split_samples(read_tensor(o.calibration), o.calibration, net, io.input).items;
        q.calibration_name = o.calibration;
    }
    const InferTensorResult t = infer_tensor(q);
    if (is_tensor_pb_path(o.output)) {
        write_tensor_pb(o.output, t.output.shape, t.output.data, "output");
    } else {
        write_npy(o.output, t.output.shape, t.output.data);
    }
    InferResult r;
    r.output = t.output.data;
    r.samples = t.samples;
    r.calibrated_on = t.calibrated_on;
    r.calibration_images = t.calibration_images;
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
        } else if (a == "--calibration") {
            o.calibration = value(i, a);
        } else if (a == "--config") {
            o.config = value(i, a);
        } else if (a == "--reference") {
            o.reference = true;
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
    std::cout << "wrote " << o.output << " (" << r.samples << (r.samples == 1 ? " sample, " : " samples, ")
              << r.output.size() << " values; calibrated on " << r.calibrated_on << ")\n";
    return 0;
}

}  // namespace aimcsim
