#include "src/app/report/report_files.h"

#include <filesystem>
#include <fstream>

#include "aimcsim/core/error.h"
#include "src/app/report/chip_trace.h"

namespace aimcsim {

using nlohmann::json;

void put_report_header(json& report, const RunConfig& rc) {
    report["schema"] = kReportSchema;
    report["name"] = rc.name;
    report["seed"] = rc.seed;
}

void write_outputs(const std::string& dir, const json& report, const std::string& text, const std::string& layers_csv,
                   const RunConfig& rc, const std::string& html) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw InputError("cannot create output folder '" + dir + "': " + ec.message());
    auto write = [&](const std::string& name, const std::string& content) {
        const std::string path = dir + "/" + name;
        std::ofstream f(path);
        f << content;
        if (!f) throw InputError("cannot write '" + path + "'");
    };
    write("report.json", report.dump(2) + "\n");
    write("report.txt", text);
    write("resolved_config.yaml", rc.root.to_yaml());
    if (!layers_csv.empty()) write("layers.csv", layers_csv);
    if (!html.empty()) write("report.html", html);
}

void write_trace(const std::string& path, const ChipRunResult& r) {
    std::ofstream trace(path);
    trace << chip_trace_json(r).dump() << "\n";
    if (!trace) throw InputError("cannot write trace file '" + path + "'");
}

}  // namespace aimcsim
