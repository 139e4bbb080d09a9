// `aimcsim train` from the outside: a training sweep (`command: train`, per-epoch results),
// its bad input, and Ctrl-C (a real SIGINT) leaving a complete report of the finished epochs.
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "src/sweep/sweep_results.h"
#include "tests/test_support.h"

using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

const std::string kTrainConfig = test::source_path("configs/training_fmnist.yaml");
const std::string kMlp = test::source_path("workloads/onnx/fmnist_mlp.onnx");

// The `training` section of one epoch of the MLP on `samples` images (20 test images, no
// drift evaluation), run through the CLI.
nlohmann::json mlp_epoch_report(int samples) {
    test::TempDir dir;
    const auto r = test::run_cli("train " + kTrainConfig + " --workload " + kMlp + " --epochs 1 --samples " +
                                 std::to_string(samples) +
                                 " --set training.test_samples=20 --set training.drift_times_s=[] -q --out " +
                                 dir.str());
    REQUIRE(r.exit_code == 0);
    return nlohmann::json::parse(test::slurp(dir.str() + "/report.json"))["training"];
}

}  // namespace

TEST_CASE("sweep metrics: a key through an array gives the array of its elements' values", "[sweep][training]") {
    const nlohmann::json report = nlohmann::json::parse(
        R"({"training": {"epochs": [{"epoch": 1, "test_accuracy": 0.5}, {"epoch": 2, "test_accuracy": 0.75}],
            "drift": []}})");
    const auto m = aimcsim::sweep::extract_metrics(
        report, {"training.epochs.test_accuracy", "training.epochs.nope", "training.drift.gdc"});
    REQUIRE(m.size() == 3);
    CHECK(m[0].second.dump() == "[0.5,0.75]");
    CHECK(m[1].second.is_null());  // an element without the key: no value
    CHECK(m[2].second.is_null());  // an empty array: no value
}

TEST_CASE("training sweep: command train runs every rule with per-epoch results, bad input exits 2 first",
          "[sweep][training]") {
    test::TempDir dir;
    const std::string head = "config: " + kTrainConfig + "\n";
    const std::string set = "set:\n  workload.file: " + kMlp +
                            "\n  training.epochs: 2\n  training.samples: 64\n  training.test_samples: 20\n"
                            "  training.drift_times_s: []\n";
    // A misspelled command, and a misspelled training key of a train sweep: exit 2, nothing run.
    const std::string out = dir.str() + "/out";
    auto r = test::run_cli("sweep " + dir.file("cmd.yaml", head + "command: trian\n" + set +
                                                               "parameters:\n  training.rule: [float]\n") +
                           " --out " + out);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Contains("cmd.yaml:2:10") && Contains("expected run or train"));
    r = test::run_cli("sweep " + dir.file("key.yaml", head + "command: train\n" + set +
                                                          "parameters:\n  training.rulee: [float]\n") +
                      " --out " + out);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Contains("rulee") && Contains("did you mean 'rule'"));
    r = test::run_cli("sweep " + dir.file("val.yaml", head + "command: train\n" + set +
                                                          "parameters:\n  training.rule: [float, analogue]\n") +
                      " --out " + out);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Contains("val.yaml:10:26") && Contains("analog_sgd"));
    CHECK_FALSE(fs::exists(out));

    const std::string f = dir.file("ok.yaml", head + "command: train\n" + set +
                                                  "parameters:\n  training.rule: [float, mixed_precision]\n");
    r = test::run_cli("sweep " + f + " --out " + out + " --jobs 2 -q");
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    std::istringstream jl(test::slurp(out + "/results.jsonl"));
    int rows = 0;
    for (std::string line; std::getline(jl, line);) {
        const auto j = nlohmann::json::parse(line);
        ++rows;
        CHECK(j["status"] == "ok");
        const auto& m = j["metrics"];
        CHECK(m["training.epochs.epoch"] == nlohmann::json::array({1, 2}));
        REQUIRE(m["training.epochs.test_accuracy"].size() == 2);
        const bool analog = j["params"]["training.rule"] == "mixed_precision";
        CHECK((m["training.epochs.pulses"][1].get<double>() > 0) == analog);
        CHECK(fs::exists(out + "/" + j["run_dir"].get<std::string>() + "/report.txt"));
    }
    CHECK(rows == 2);
}

TEST_CASE("train: SIGINT stops after the current batch, the report holds the finished epochs, exit 130",
          "[training]") {
    test::TempDir dir;
    const std::string out = dir.str() + "/out";
    // Many short epochs of the float rule: the signal comes mid-run.
    const pid_t pid = test::spawn_cli({"train", kTrainConfig, "--workload", kMlp, "--rule", "float", "--epochs", "1000",
                                       "--samples", "256", "--set", "training.test_samples=20", "--out", out});
    REQUIRE(pid >= 0);
    // Signal once the first epoch's report is written (bounded wait).
    const std::string report = out + "/report.json";
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (std::chrono::steady_clock::now() < deadline && !fs::exists(report))
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    kill(pid, SIGINT);
    int status = 0;
    waitpid(pid, &status, 0);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 130);
    const auto t = nlohmann::json::parse(test::slurp(report))["training"];
    CHECK(t["interrupted"] == true);
    const auto& epochs = t["epochs"];
    REQUIRE(epochs.size() >= 1);
    CHECK(epochs.size() < 1000);
    for (std::size_t e = 0; e < epochs.size(); ++e) {
        CHECK(epochs[e]["epoch"] == static_cast<int>(e + 1));  // every finished epoch, none partial
        CHECK(epochs[e]["train_loss"].get<double>() > 0.0);
        CHECK(epochs[e]["test_accuracy"].is_number());
    }
}

TEST_CASE("train: the SystemC chip's forward time of a batch is within the analytic model's bounds",
          "[training]") {
    const auto t = mlp_epoch_report(64);
    const double model = t["forward_batch_ns"].get<double>();
    const double chip = t["chip_forward_batch_ns"].get<double>();
    // The model runs the 32 images' three layers one MVM after another; the chip pipelines
    // them: faster, but never below one layer's MVMs for every image, which is at least a
    // third of the serial time of the three (less the LDPU's 2 of ~132 cycles the array
    // overlaps with the next MVM).
    CHECK(model > 0.0);
    CHECK(chip < model);
    CHECK(chip > model / 3.0 * 0.95);
}

TEST_CASE("train: the SystemC chip's training step lies within the bounds argued from the MLP's shapes",
          "[training]") {
    const auto t = mlp_epoch_report(320);
    const auto& chip = t["chip_step_phases_ns"];
    const auto& model = t["model_step_phases_ns"];
    const double forward = chip["forward"].get<double>();
    const double step = t["chip_step_ns"].get<double>();
    CHECK(forward == t["chip_forward_batch_ns"].get<double>());
    CHECK(step == Approx(forward + chip["backward"].get<double>() + chip["update"].get<double>() +
                         chip["programming"].get<double>()));
    // hermes64 at 1 GHz, 256x256 tiles, batch 32: after the forward pass the chip must at
    // least run fc3's 32 transposed MVMs on its one tile (133 array cycles each), fc2's
    // for the last image (134 with its LDPU), then the update of one of fc1's 256-row
    // blocks: (32 + 1) x 256 x 256 / 128 = 16,896 cycles. And the slowest tile's pulses
    // come after the forward pass too.
    CHECK(step >= forward + 32 * 133 + 134 + 16896);
    CHECK(step >= forward + model["programming"].get<double>());
    // The model runs every image, layer and phase one after another (the per-layer update
    // spread evenly over the layer's tiles); the chip pipelines images and layers and
    // overlaps a layer's update and pulses with the backward pass below it: faster.
    CHECK(step < t["model_step_ns"].get<double>());
    // Every step of the epoch is timed on the chip.
    const auto& e = t["epochs"][0];
    CHECK(e["chip_latency_per_batch_ns"].get<double>() >= forward + 32 * 133 + 134 + 16896);
    CHECK(e["chip_latency_per_batch_ns"].get<double>() < e["latency_per_batch_ns"].get<double>());
}
