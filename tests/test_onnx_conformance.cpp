// ONNX's own conformance cases (Debian's libonnx-testdata: node, pytorch-converted,
// pytorch-operator and simple; each a model.onnx and test_data_set_*/input_0.pb,
// output_0.pb) through the importer and the float reference executor
// (forward_float: the digital op kernels `aimcsim infer` uses, with exact float
// MVMs). A case is "unsupported" when the importer refuses the model or its data is
// not one float input; otherwise it must match every expected output within
// |got - want| <= atol + rtol |want|, rtol 1e-3 and atol 1e-6 (ONNX's backend tests
// use rtol 1e-3, atol 1e-7; float32 sums in another order need the small absolute
// slack near zero). Every sample of a batch runs on its own. The cases that pass are
// listed in tests/data/onnx_conformance_passing.txt: a listed case that stops passing
// fails the test, so the count only grows (add new passing cases to the list).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "aimcsim/core/error.h"
#include "aimcsim/network.h"
#include "src/import/onnx_import.h"
#include "src/import/tensor_pb.h"

namespace fs = std::filesystem;
using namespace aimcsim;

namespace {

const fs::path kData = "/usr/include/onnx/backend/test/data";
constexpr double kRtol = 1e-3;
constexpr double kAtol = 1e-6;

enum class Outcome { Pass, Fail, Unsupported };

struct CaseResult {
    Outcome outcome = Outcome::Unsupported;
    std::string why;
};

std::vector<fs::path> sorted_dirs(const fs::path& dir, const std::string& prefix) {
    std::vector<fs::path> out;
    if (!fs::is_directory(dir)) return out;
    for (const auto& e : fs::directory_iterator(dir))
        if (e.is_directory() && e.path().filename().string().rfind(prefix, 0) == 0) out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

CaseResult run_case(const fs::path& dir) {
    Network net;
    try {
        net = load_onnx((dir / "model.onnx").string());
    } catch (const InputError& e) { return {Outcome::Unsupported, e.what()}; }
    const auto sets = sorted_dirs(dir, "test_data_set_");
    if (sets.empty()) return {Outcome::Unsupported, "no test data"};
    for (const fs::path& set : sets) {
        if (fs::exists(set / "input_1.pb") || fs::exists(set / "output_1.pb"))
            return {Outcome::Unsupported, "more than one input or output"};
        NpyArray x, want;
        try {
            x = read_tensor_pb((set / "input_0.pb").string());
            want = read_tensor_pb((set / "output_0.pb").string());
        } catch (const InputError& e) {
            return {Outcome::Unsupported, e.what()};  // not float32 data
        }
        const std::size_t per_in = net.input_shape().size(), per_out = net.output_shape().size();
        if (x.shape.empty() || x.data.size() % per_in != 0 || x.data.size() / per_in != x.shape.front())
            return {Outcome::Fail, set.string() + ": input " + x.shape_str() + " does not split into samples of " +
                                       net.input_shape().str()};
        const std::size_t n = x.shape.front();
        if (want.data.size() != n * per_out)
            return {Outcome::Fail, set.string() + ": expected output " + want.shape_str() + " but the network gives " +
                                       std::to_string(n) + " x " + net.output_shape().str()};
        for (std::size_t s = 0; s < n; ++s) {
            std::vector<float> got;
            try {
                got = forward_float(net,
                                    std::vector<float>(x.data.begin() + s * per_in, x.data.begin() + (s + 1) * per_in));
            } catch (const std::exception& e) { return {Outcome::Fail, set.string() + ": " + e.what()}; }
            for (std::size_t k = 0; k < per_out; ++k) {
                const double w = want.data[s * per_out + k], g = got[k];
                if (!(std::fabs(g - w) <= kAtol + kRtol * std::fabs(w)))
                    return {Outcome::Fail, set.string() + ": sample " + std::to_string(s) + " value " +
                                               std::to_string(k) + " is " + std::to_string(g) + ", expected " +
                                               std::to_string(w)};
            }
        }
    }
    return {Outcome::Pass, ""};
}

}  // namespace

TEST_CASE("ONNX conformance cases of supported ops all pass, and the passing list only grows", "[onnx][conformance]") {
    if (!fs::is_directory(kData)) {
        WARN("libonnx-testdata is not installed (" << kData << "): conformance cases skipped");
        return;
    }
    std::set<std::string> listed;
    {
        std::ifstream f(std::string(AIMCSIM_SOURCE_DIR) + "/tests/data/onnx_conformance_passing.txt");
        REQUIRE(f);
        for (std::string line; std::getline(f, line);)
            if (!line.empty() && line[0] != '#') listed.insert(line);
    }
    int pass = 0, fail = 0, unsupported = 0;
    std::set<std::string> passing;
    for (const char* suite : {"node", "pytorch-converted", "pytorch-operator", "simple"}) {
        for (const fs::path& dir : sorted_dirs(kData / suite, "test_")) {
            const std::string name = std::string(suite) + "/" + dir.filename().string();
            const CaseResult r = run_case(dir);
            if (r.outcome == Outcome::Pass) {
                ++pass;
                passing.insert(name);
            } else if (r.outcome == Outcome::Fail) {
                ++fail;
                UNSCOPED_INFO("FAIL " << name << ": " << r.why);
            } else {
                ++unsupported;
            }
        }
    }
    std::cout << "ONNX conformance (libonnx-testdata): " << pass << " passing, " << fail << " failing, " << unsupported
              << " unsupported\n";
    for (const std::string& name : listed) {
        INFO("listed in tests/data/onnx_conformance_passing.txt");
        CHECK(passing.count(name) == 1);
        if (!passing.count(name)) UNSCOPED_INFO("no longer passes: " << name);
    }
    CHECK(fail == 0);
    CHECK(pass >= static_cast<int>(listed.size()));
    if (pass > static_cast<int>(listed.size())) {
        std::cout << "  passing but not listed (add them to the list):\n";
        for (const std::string& name : passing)
            if (!listed.count(name)) std::cout << "    " << name << "\n";
    }
}
