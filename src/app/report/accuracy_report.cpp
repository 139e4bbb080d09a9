#include "src/app/report/accuracy_report.h"

#include <cstdio>
#include <sstream>

#include "src/app/report/stat_report.h"

namespace aimcsim {

using nlohmann::json;

json accuracy_json(const AccuracyResult& a) {
    json vs = json::array();
    for (const auto& p : a.vs_time)
        vs.push_back({{"t_inference_s", p.t_inference_s}, {"gdc", p.gdc}, {"top1", p.top1}});
    return {{"dataset", a.dataset},
            {"samples", a.samples},
            {"top1_float", a.top1_float},
            {"top1_analog", a.vs_time.front().top1},
            {"t_inference_s", a.vs_time.front().t_inference_s},
            {"gdc", a.vs_time.front().gdc},
            {"vs_time", vs},
            {"wall_s", a.wall_s},
            {"analog_images_per_s", a.images_per_s}};
}

json accuracy_not_evaluated_json(const std::string& reason) { return {{"evaluated", false}, {"reason", reason}}; }

std::string accuracy_text(const json& a) {
    std::ostringstream o;
    o << "\nAccuracy on " << a["dataset"].get<std::string>() << " (" << a["samples"] << " test images)\n";
    o << "  float reference:   " << significant(100.0 * a["top1_float"].get<double>(), 4) << " %\n";
    o << "  t after programming    GDC    top-1\n";
    for (const auto& p : a["vs_time"]) {
        char line[128];
        std::snprintf(line, sizeof line, "  %12.6g s       %-5s  %6.2f %%\n", p["t_inference_s"].get<double>(),
                      p["gdc"].get<bool>() ? "on" : "off", 100.0 * p["top1"].get<double>());
        o << line;
    }
    return o.str();
}

}  // namespace aimcsim
