// The SDK as a user sees it: install this build into a temporary prefix, build the
// three example plugins (examples/plugins/*) out of tree against it with
// find_package(aimcsim) + aimcsim::aimcsim, load them by config into the installed
// CLI and check that each has the effect its physics predicts.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/test_support.h"

using Catch::Matchers::Contains;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

test::CommandResult shell(const std::string& cmd) { return test::run_command(cmd); }

std::string quote(const std::string& s) { return "'" + s + "'"; }

const char* const kExamples[] = {"projected_pcm", "sar_adc", "photonic_tile", "telegraph_pcm"};

// Installs once and builds the examples once per test process.
struct Sdk {
    test::TempDir root;
    fs::path prefix = root.path / "prefix";
    std::string cli = (prefix / "bin" / "aimcsim").string();
    std::string config;  // hermes_core + the three plugins, by relative path

    Sdk() {
        const std::string cmake = quote(AIMCSIM_CMAKE_COMMAND);
        auto r = shell(cmake + " --install " + quote(AIMCSIM_BINARY_DIR) + " --prefix " + quote(prefix.string()));
        INFO(r.output);
        REQUIRE(r.exit_code == 0);
        for (const char* name : kExamples) {
            const fs::path build = root.path / "build" / name;
            std::string configure = cmake + " -S " + quote(test::source_path(std::string("examples/plugins/") + name)) +
                                    " -B " + quote(build.string()) + " -G " + quote(AIMCSIM_CMAKE_GENERATOR) +
                                    " -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH=" + quote(prefix.string()) +
                                    " -DCMAKE_CXX_COMPILER=" + quote(AIMCSIM_CXX_COMPILER);
            if (std::string(AIMCSIM_CXX_COMPILER_LAUNCHER).size() > 0) {
                configure += " -DCMAKE_CXX_COMPILER_LAUNCHER=" + quote(AIMCSIM_CXX_COMPILER_LAUNCHER);
            }
            r = shell(configure);
            INFO(r.output);
            REQUIRE(r.exit_code == 0);
            r = shell(cmake + " --build " + quote(build.string()) + " -j 2");
            INFO(r.output);
            REQUIRE(r.exit_code == 0);
        }
        config = root.file("plugins.yaml", "base: " + test::source_path("configs/hermes_core.yaml") +
                                               "\nplugins:\n"
                                               "  - build/projected_pcm/libprojected_pcm.so\n"
                                               "  - build/sar_adc/libsar_adc.so\n"
                                               "  - build/photonic_tile/libphotonic_tile.so\n"
                                               "  - build/telegraph_pcm/libtelegraph_pcm.so\n");
    }

    json run(const std::string& sets) const {
        test::TempDir out;
        const auto r = shell(quote(cli) + " run " + quote(config) + " " + sets + " -q --out " + quote(out.str()));
        INFO(sets << "\n" << r.output);
        REQUIRE(r.exit_code == 0);
        std::ifstream in(out.path / "report.json");
        return json::parse(in);
    }
};

Sdk& sdk() {
    static Sdk s;
    return s;
}

// Replaces the tile's ADC section (a merge would keep the CCO's keys).
// hermes_core's devices read asymmetrically in one-phase mode (docs/physics.md): the SAR
// checks compare ADC resolutions, so they use symmetric devices.
std::string sar(const std::string& params) {
    return "--set 'tile.adc={model: sar, " + params +
           "}' --set tile.device.read_asymmetry_mean=1 --set tile.device.read_asymmetry_sigma=0";
}

double mvm_error(const json& j) { return j["mvm_error"]["relative_rms"].get<double>(); }

}  // namespace

TEST_CASE("the installed SDK builds the example plugins out of tree and runs them", "[plugin][sdk]") {
    Sdk& s = sdk();

    SECTION("the installed headers are the public ones only") {
        for (const auto& e : fs::recursive_directory_iterator(s.prefix / "include")) {
            if (!e.is_regular_file()) continue;
            std::ifstream in(e.path());
            std::stringstream text;
            text << in.rdbuf();
            INFO(e.path());
            for (const char* internal :
                 {"\"src/", "\"tiles/", "\"models/", "\"adc/", "\"digital/", "\"interconnect/", "yaml-cpp"}) {
                CHECK(text.str().find(std::string("#include ") + internal) == std::string::npos);
            }
        }
        CHECK(fs::exists(s.prefix / "include" / "aimcsim" / "plugin.h"));
        CHECK(fs::exists(s.prefix / "lib" / "cmake" / "aimcsim" / "aimcsimConfig.cmake"));
    }

    SECTION("models lists each plugin's model with the file it came from") {
        const auto r =
            shell(quote(s.cli) + " models --plugin " + quote((s.root.path / "build/sar_adc/libsar_adc.so").string()) +
                  " --plugin " + quote((s.root.path / "build/projected_pcm/libprojected_pcm.so").string()) +
                  " --plugin " + quote((s.root.path / "build/photonic_tile/libphotonic_tile.so").string()));
        REQUIRE(r.exit_code == 0);
        for (const std::string line : {"tile model 'photonic'", "device model 'projected_pcm'", "adc model 'sar'"}) {
            CHECK_THAT(r.output, Contains(line));
        }
        CHECK_THAT(r.output, Contains("libphotonic_tile.so]"));
        CHECK_THAT(r.output, Contains("symbol_rate_gbaud (real, GBd) default 14"));
        CHECK_THAT(r.output, Contains("nu_mean (real) default 0.005"));
        CHECK_THAT(r.output, Contains("cycles_per_bit (int, cycles) default 1"));
    }

    SECTION("projected_pcm drifts less than pcm: its MVM error at 1 day is clearly lower") {
        for (const char* gdc : {"true", "false"}) {
            INFO("gdc " << gdc);
            const std::string at_1_day =
                " --set simulation.t_inference_s=[86400] --set tile.gdc.enabled=" + std::string(gdc);
            const double pcm = mvm_error(s.run("--set tile.device.model=pcm" + at_1_day));
            const double ppcm = mvm_error(s.run("--set tile.device.model=projected_pcm" + at_1_day));
            // Measured: with GDC 0.089 vs 0.032 (the ADC's own floor is about 0.03); without, 0.34 vs 0.053.
            CHECK(ppcm < 0.5 * pcm);
        }
        // Its drift is small: the GDC factor at 1 day is ((86400+20)/20)^nu with nu ~ 0.005, about 1.04
        // (pcm: about 1.46).
        const json j = s.run("--set tile.device.model=projected_pcm --set simulation.t_inference_s=[86400]");
        CHECK(j["mvm_error"]["gdc_factor"].get<double>() == Approx(std::pow(86420.0 / 20.0, 0.005)).epsilon(0.01));
    }

    SECTION("sar's latency follows its bit count") {
        // One-phase HERMES tile at 1 GHz: input load 1 + window 128 + SAR (1 sample + bits * cycles_per_bit)
        // + readout 1, then LDPU 2. 8 bits: 141 cycles; 6 bits: 139; each bit one cycle more.
        const json b8 = s.run(sar("bits: 8"));
        const json b6 = s.run(sar("bits: 6"));
        CHECK(b8["tile"]["phases_cycles"]["convert"] == 9);
        CHECK(b8["tile"]["mvm_latency_cycles"] == 141);
        CHECK(b6["tile"]["mvm_latency_cycles"] == 139);
        CHECK(b8["tile"]["mvm_latency_ns"].get<double>() - b6["tile"]["mvm_latency_ns"].get<double>() == Approx(2.0));
        // 2 cycles per bit and 4 columns per SAR: 4 * (1 + 8 * 2) = 68 conversion cycles.
        const json shared = s.run(sar("bits: 8, cycles_per_bit: 2, columns_per_adc: 4"));
        CHECK(shared["tile"]["mvm_latency_cycles"] == 132 + 68 + 0);
        // The measured run follows: 1000 back-to-back MVMs end after 999 intervals + one latency.
        CHECK(b8["simulation"]["simulated_ns"].get<double>() == Approx(999 * 139 + 141));
        // Energy: Walden FoM 5 fJ * 2^bits per conversion, 256 per MVM.
        CHECK(b8["performance"]["energy_breakdown_pj"]["adc"].get<double>() == Approx(1000 * 256 * 5e-3 * 256));
        CHECK(b6["performance"]["energy_breakdown_pj"]["adc"].get<double>() == Approx(1000 * 256 * 5e-3 * 64));
        // Fewer bits, coarser outputs: 6-bit (LSB 16/31 of a column value) is clearly worse.
        CHECK(mvm_error(b6) > 1.15 * mvm_error(b8));
        // Without mismatch and noise the SAR rounds exactly like the ideal ADC of the same bits.
        const std::string exact = " --set tile.device.model=ideal";
        const json clean = s.run(sar("bits: 8, cap_mismatch_sigma: 0, noise_lsb: 0, offset_sigma_lsb: 0") + exact);
        const json ideal = s.run("--set 'tile.adc={model: ideal, bits: 8}'" + exact);
        // (the ideal device is symmetric: both runs read exact weights)
        CHECK(mvm_error(clean) == mvm_error(ideal));
    }

    SECTION("telegraph_pcm wraps pcm: without RTN devices it is pcm bit for bit, with them it is noisier") {
        // The wrapper forwards the cell, the block and every site to the wrapped model and
        // draws nothing of the read stream for a device without RTN.
        const auto rtn = [](double fraction) {
            return "--set " + quote("tile.device={model: telegraph_pcm, fraction: " + std::to_string(fraction) +
                                    ", amplitude: 0.1, inner: {model: pcm, g_max_us: 25}}");
        };
        const json pcm = s.run("--set 'tile.device={model: pcm, g_max_us: 25}'");
        const json none = s.run(rtn(0.0));
        CHECK(mvm_error(none) == mvm_error(pcm));
        CHECK(none["mvm_error"]["gdc_factor"] == pcm["mvm_error"]["gdc_factor"]);
        // Half the devices +-10% (std of the amplitude): a per-device error of about 0.5 * 0.1^2 in
        // variance on top of pcm's, clearly visible in the MVM error.
        CHECK(mvm_error(s.run(rtn(0.5))) > 1.2 * mvm_error(pcm));
    }

    SECTION("the photonic tile runs with its own size and a latency set by its symbol rate") {
        const std::string tile = "--set " + quote("tile={model: photonic, adc: {model: ideal, bits: 8}}");
        const json fast = s.run(tile);
        const json slow = s.run(tile + " --set tile.symbol_rate_gbaud=7");
        CHECK(fast["tile"]["rows"] == 16);
        CHECK(fast["tile"]["cols"] == 16);
        CHECK(fast["tile"]["clock_ghz"].get<double>() == Approx(14.0));
        // 1 DAC load + 2 symbols (positive, negative input part) + ideal ADC readout 1 + LDPU 1 = 5 symbols.
        CHECK(fast["tile"]["mvm_latency_cycles"] == 5);
        CHECK(fast["tile"]["mvm_latency_ns"].get<double>() == Approx(5.0 / 14.0));
        CHECK(slow["tile"]["mvm_latency_ns"].get<double>() == Approx(5.0 / 7.0));
        // Peak: 2*16*16 ops every 4 symbols (array busy) = 512 / (4/14 ns) = 1.792 TOPS.
        CHECK(fast["tile"]["peak_tops"].get<double>() == Approx(1.792));
        // Noisy but usable: detector noise, 5-bit weights, 8-bit ADC give a few percent.
        CHECK(mvm_error(fast) > 0.01);
        CHECK(mvm_error(fast) < 0.1);
        // Detector noise scales with the square root of the bandwidth: less at the lower rate,
        // and 10x the noise density makes it clearly worse.
        CHECK(mvm_error(slow) < mvm_error(fast));
        const json noisy = s.run(tile + " --set tile.detector_noise_pa_per_rthz=100");
        CHECK(mvm_error(noisy) > 2 * mvm_error(fast));
    }

    SECTION("the photonic tile runs ResNet-9 through the mapper on a chip, with its own timing") {
        const std::string chip =
            " --set chip.rows=8 --set chip.cols=8 --set simulation.functional=false --set workload.file=" +
            quote(test::source_path("workloads/resnet9_cifar10.yaml"));
        const json photonic = s.run(
            "--set " + quote("tile={model: photonic, rows: 256, cols: 256, adc: {model: ideal, bits: 8}}") + chip);
        const json hermes = s.run(chip);
        // Same 256x256 blocks, so the same tile map; only the tile's timing differs.
        CHECK(photonic["mapping"]["tiles_used"] == hermes["mapping"]["tiles_used"]);
        // Array busy 4 symbols at 14 GBd (see the section above) vs 130 cycles at 1 GHz.
        CHECK(photonic["chip"]["mvm_interval_ns"].get<double>() == Approx(4.0 / 14.0));
        CHECK(hermes["chip"]["mvm_interval_ns"].get<double>() == Approx(130.0));
        CHECK(photonic["performance"]["latency_ns"].get<double>() <
              0.2 * hermes["performance"]["latency_ns"].get<double>());
    }
}
