// The resource guard's estimate against what runs really hold: each shipped workload
// runs in its own process (aimcsim run), whose report gives its peak resident memory
// (simulation.peak_rss_mb, VmHWM); the estimate for the same run must be within 2x.
#include <catch2/catch.hpp>

#include <fstream>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "src/app/run_config.h"
#include "src/app/run_memory.h"
#include "src/import/layer_list.h"
#include "src/import/onnx_import.h"
#include "test_support.h"

namespace {

struct Case {
    std::string config;
    std::string workload;
    int batch;
    bool functional;
};

double measured_peak_mb(const Case& c, const test::TempDir& dir) {
    const std::string out = dir.str() + "/run";
    const test::CommandResult r = test::run_cli("run " + test::source_path(c.config) + " --workload " +
                                                test::source_path(c.workload) + " --batch " + std::to_string(c.batch) +
                                                (c.functional ? " --set simulation.functional=true" : "") +
                                                " --set accuracy.enabled=false -q --out " + out);
    REQUIRE(r.exit_code == 0);
    const nlohmann::json report = nlohmann::json::parse(test::slurp(out + "/report.json"));
    return report.at("simulation").at("peak_rss_mb").get<double>();
}

}  // namespace

TEST_CASE("resource guard: the estimate is within 2x of the measured peak memory", "[resource_guard][slow]") {
    const Case cases[] = {
        {"configs/hermes64.yaml", "workloads/resnet9_cifar10.yaml", 8, false},
        {"configs/hermes64.yaml", "workloads/mlp_mnist.yaml", 20000, false},
        {"configs/hermes_large.yaml", "workloads/resnet18_imagenet.yaml", 1, false},
        {"configs/hermes64.yaml", "workloads/onnx/fmnist_cnn_hwa.onnx", 2, true},
    };
    const test::TempDir dir;
    for (const Case& c : cases) {
        const aimcsim::RunConfig rc = aimcsim::load_run_config(test::source_path(c.config), {"accuracy.enabled=false"});
        const std::unique_ptr<aimcsim::TileModel> tile = rc.tile.create();
        const std::string path = test::source_path(c.workload);
        const aimcsim::Network net = path.size() > 5 && path.substr(path.size() - 5) == ".onnx"
                                         ? aimcsim::load_onnx(path)
                                         : aimcsim::load_layer_list_file(path, rc.seed);
        aimcsim::RunShape shape;
        shape.net = &net;
        shape.chip_tiles = rc.chip.tiles();
        shape.batch = c.batch;
        shape.functional = c.functional;
        const double estimate_mb = aimcsim::estimate_run_memory(*tile, shape, &rc.accuracy).total_bytes() / (1 << 20);
        const double peak_mb = measured_peak_mb(c, dir);
        INFO(c.workload << " batch " << c.batch << ": estimate " << estimate_mb << " MB, peak " << peak_mb << " MB");
        CHECK(peak_mb > 0);
        CHECK(estimate_mb <= 2 * peak_mb);
        CHECK(estimate_mb >= 0.5 * peak_mb);
    }
}
