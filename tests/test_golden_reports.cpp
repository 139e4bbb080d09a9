// Golden reports: every case of tests/golden/cases.txt rerun through the CLI must
// write the report.json, layers.csv and trace that the simulator wrote before the
// renovation (scripts/golden_reports.sh made them), wall-clock fields excepted.
// A refactoring that moves or drops one number fails here, naming the key; keys
// added since the golden run are allowed.
#include <catch2/catch.hpp>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/test_support.h"

namespace {

using nlohmann::json;

struct GoldenCase {
    std::string name, args;
};

std::vector<GoldenCase> golden_cases() {
    std::ifstream in(test::source_path("tests/golden/cases.txt"));
    REQUIRE(in.good());
    std::vector<GoldenCase> cases;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        const auto colon = line.find(": ");
        REQUIRE(colon != std::string::npos);
        cases.push_back({line.substr(0, colon), line.substr(colon + 2)});
    }
    return cases;
}

// Host-speed figures differ run to run, and the build's version and commit with every
// commit; everything else is simulated and must not.
void drop_wall_clock(json& j) {
    if (j.is_object()) {
        j.erase("wall_s");
        j.erase("git_hash");
        j.erase("version");
        j.erase("peak_rss_mb");
        j.erase("analog_images_per_s");
        for (auto& [key, value] : j.items()) drop_wall_clock(value);
    } else if (j.is_array()) {
        for (auto& value : j) drop_wall_clock(value);
    }
}

// Size and FNV-1a-64 of a file, as scripts/golden_reports.sh records a trace.
std::string digest(const std::string& bytes) {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (unsigned char b : bytes) h = (h ^ b) * 0x100000001b3ULL;
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
    return std::to_string(bytes.size()) + " " + hex;
}

// Every key of `expected` must be in `actual` with the same value; keys added since
// the golden run are allowed (a new report field is not a regression), array lengths
// must match. Appends the first few differing paths to `out`.
void missing_or_changed(const json& expected, const json& actual, const std::string& path, std::string& out,
                        int& shown) {
    if (shown >= 8) return;
    if (expected.is_object() && actual.is_object()) {
        for (const auto& [key, value] : expected.items()) {
            if (!actual.contains(key)) {
                out += "  missing " + path + "/" + key + " (was " + value.dump() + ")\n";
                ++shown;
            } else {
                missing_or_changed(value, actual.at(key), path + "/" + key, out, shown);
            }
        }
    } else if (expected.is_array() && actual.is_array() && expected.size() == actual.size()) {
        for (std::size_t i = 0; i < expected.size(); ++i)
            missing_or_changed(expected[i], actual[i], path + "/" + std::to_string(i), out, shown);
    } else if (expected != actual) {
        out += "  changed " + path + " = " + actual.dump() + " (was " + expected.dump() + ")\n";
        ++shown;
    }
}

}  // namespace

TEST_CASE("every golden case writes the report it wrote before the renovation", "[golden][cli]") {
    for (const GoldenCase& c : golden_cases()) {
        DYNAMIC_SECTION(c.name) {
            const std::string golden = test::source_path("tests/golden/" + c.name);
            test::TempDir dir;
            std::string args = c.args;
            const bool traced = args.find(" --trace") != std::string::npos;
            if (traced) args.replace(args.find(" --trace"), 8, " --trace " + dir.str() + "/trace.json");
            std::string cli;  // config and workload paths are relative to the repository
            std::istringstream words(args);
            for (std::string w; words >> w;) {
                if (w.rfind("configs/", 0) == 0 || w.rfind("workloads/", 0) == 0) w = test::source_path(w);
                cli += w + " ";
            }
            const auto r = test::run_cli("run " + cli + "-q --out " + dir.str());
            INFO(c.name << ": aimcsim run " << cli << "\n" << r.output);
            REQUIRE(r.exit_code == 0);

            json expected = json::parse(test::slurp(golden + "/report.json"));
            json actual = json::parse(test::slurp(dir.str() + "/report.json"));
            drop_wall_clock(expected);
            drop_wall_clock(actual);
            std::string differences;
            int shown = 0;
            missing_or_changed(expected, actual, "", differences, shown);
            INFO("report.json differs from " << golden << ":\n" << differences);
            CHECK(differences.empty());

            const std::string layers = test::slurp(golden + "/layers.csv");
            if (!layers.empty()) CHECK(test::slurp(dir.str() + "/layers.csv") == layers);
            if (traced) {
                std::string want = test::slurp(golden + "/trace.digest");
                while (!want.empty() && want.back() == '\n') want.pop_back();
                CHECK(digest(test::slurp(dir.str() + "/trace.json")) == want);
            }
        }
    }
}
