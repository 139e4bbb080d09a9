// The native half of the Python package `aimcsim` (python/aimcsim/__init__.py is the
// other): thin wrappers over the application layer the command line uses, so a
// Python run gives the CLI's report.json, errors and numerics. Reports and schemas
// cross as JSON text (json.loads gives the same dict as reading report.json); tensors
// as float32 NumPy arrays.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "aimcsim/core/error.h"
#include "aimcsim/plugin.h"
#include "src/app/infer.h"
#include "src/app/model_listing.h"
#include "src/app/run.h"
#include "src/app/version.h"
#include "src/sweep/sweep_runner.h"

namespace py = pybind11;
using namespace aimcsim;

// libsystemc.so refers to sc_main (its own main() calls it); a module never starts
// SystemC through main(), so this one only satisfies the dynamic linker.
extern "C" __attribute__((visibility("default"))) int sc_main(int, char*[]) { return 0; }

namespace {

// SystemC has one simulation context per process, and the worker pool of the batched
// paths is shared: runs from several Python threads (which release the GIL while
// simulating) take turns.
std::mutex& simulation_mutex() {
    static std::mutex m;
    return m;
}

using FloatArray = py::array_t<float, py::array::c_style | py::array::forcecast>;

std::vector<std::size_t> shape_of(const FloatArray& a) {
    return std::vector<std::size_t>(a.shape(), a.shape() + a.ndim());
}

std::string run_json(const std::string& config, const std::vector<std::string>& overrides, const std::string& out) {
    RunOptions o;
    o.config_path = config;
    o.overrides = overrides;
    o.out_dir = out;
    o.quiet = true;
    RunOutput r;
    {
        const py::gil_scoped_release release;
        const std::lock_guard<std::mutex> lock(simulation_mutex());
        r = run_simulation(o);
    }
    return r.report.dump();
}

FloatArray infer(const std::string& model, const FloatArray& x, const std::string& config,
                 const std::vector<std::string>& overrides, const std::optional<FloatArray>& calibration) {
    InferRequest q;
    q.model = model;
    q.config = config;
    q.overrides = overrides;
    q.input.shape = shape_of(x);
    q.input.data.assign(x.data(), x.data() + x.size());
    q.input_name = "x";
    q.calibration_name = "calibration";
    if (calibration) {
        const FloatArray& c = *calibration;
        if (c.ndim() < 2 || c.shape(0) < 1) {
            throw InputError("infer: calibration must be an array of images, shape (M, ...) with M >= 1");
        }
        const auto per_image = static_cast<std::size_t>(c.size() / c.shape(0));
        for (py::ssize_t i = 0; i < c.shape(0); ++i) {
            q.calibration.emplace_back(c.data() + i * per_image, c.data() + (i + 1) * per_image);
        }
    }
    InferTensorResult r;
    {
        const py::gil_scoped_release release;
        const std::lock_guard<std::mutex> lock(simulation_mutex());
        r = infer_tensor(q);
    }
    FloatArray y(r.output.shape);
    std::copy(r.output.data.begin(), r.output.data.end(), y.mutable_data());
    return y;
}

int sweep_points(const std::string& spec, const std::string& out, const std::vector<std::string>& sets, int jobs,
                 bool resume, const std::string& progress, const std::string& exe) {
    sweep::SweepOptions o;
    o.spec_path = spec;
    o.out_dir = out;
    o.sets = sets;
    o.jobs = jobs;
    o.resume = resume;
    o.progress = progress;
    o.exe = exe;
    const py::gil_scoped_release release;
    return sweep::run_sweep(o);
}

}  // namespace

PYBIND11_MODULE(_aimcsim, m) {
    m.doc() = "aimcsim's native module; use the package `aimcsim`";
    // As the CLI: no SystemC banner (unless the user asks for it), log lines on stderr.
    setenv("SC_COPYRIGHT_MESSAGE", "DISABLE", 0);
    spdlog::set_default_logger(
        std::make_shared<spdlog::logger>("", std::make_shared<spdlog::sinks::stderr_color_sink_mt>()));
    spdlog::set_level(spdlog::level::warn);

    py::register_exception<InputError>(m, "InputError", PyExc_ValueError);

    m.def("version", &version, "the project version");
    m.def("git_hash", &git_hash, "the git commit this module was configured from");
    m.def("run_json", &run_json, py::arg("config"), py::arg("overrides"), py::arg("out"),
          "run a config with overrides (KEY.PATH=VALUE); the report as JSON text");
    m.def("infer", &infer, py::arg("model"), py::arg("x"), py::arg("config"), py::arg("overrides"),
          py::arg("calibration"), "one or N inputs through the configured chip's analog numerics");
    m.def("sweep", &sweep_points, py::arg("spec"), py::arg("out"), py::arg("sets"), py::arg("jobs"), py::arg("resume"),
          py::arg("progress"), py::arg("exe"), "run a sweep spec into out; 0 if every point succeeded");
    m.def(
        "models_json", [](const std::string& axis) { return models_json(axis).dump(); }, py::arg("axis"),
        "the registered models and their parameter schemas as JSON text");
    m.def(
        "load_plugin", [](const std::string& path) { load_plugin(path); }, py::arg("path"), "load a plugin's models");
    m.def(
        "set_log_level",
        [](const std::string& level) {
            const auto l = spdlog::level::from_str(level);
            if (l == spdlog::level::off && level != "off") {
                throw InputError("log level: unknown level '" + level +
                                 "'; expected trace|debug|info|warn|error|critical|off");
            }
            spdlog::set_level(l);
        },
        py::arg("level"));
}
