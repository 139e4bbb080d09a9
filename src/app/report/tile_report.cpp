#include "src/app/report/tile_report.h"

#include <cstdio>
#include <sstream>

#include "src/app/report/stat_report.h"

#include "src/app/report/report_files.h"

namespace aimcsim {

using nlohmann::json;

namespace {

json breakdown(const MvmEnergy& e, double static_pj) {
    return json{{"input", e.input_pj}, {"pwm", e.pwm_pj},   {"array", e.array_pj},
                {"adc", e.adc_pj},     {"ldpu", e.ldpu_pj}, {"static", static_pj}};
}

}  // namespace

json stats_json(const StatGroup& group) {
    json j = json::object();
    for (const auto& s : group.stats()) {
        j[s.name()] = {{"value", s.value()}, {"unit", s.unit()}, {"description", s.description()}};
    }
    return j;
}

json tile_bench_report(const RunConfig& rc, const TileBenchResult& r) {
    const double period_ns = 1.0 / r.clock_ghz;
    const double ops_per_mvm = 2.0 * r.tile_rows * r.tile_cols;  // peak counts every cell
    const double interval_ns = r.phases.array_busy() * period_ns;
    // ops per ns = GOPS; / 1000 = TOPS.
    const double peak_tops = ops_per_mvm / interval_ns / 1000.0;
    // One MVM at the reference point plus the static energy of one MVM interval
    // (mW * ns = pJ); ops per pJ = TOPS/W.
    const double ref_static_pj = r.static_power_mw * interval_ns;
    const double ref_energy_pj = r.reference.total_pj() + ref_static_pj;

    const double run_static_pj = r.static_power_mw * r.simulated_ns;
    const double run_energy_pj = r.dynamic.total_pj() + run_static_pj;
    const double run_ops = 2.0 * r.rows * r.cols * static_cast<double>(r.mvms);

    json j;
    put_report_header(j, rc);
    j["workload"] = {{"name", "mvm_random"}, {"mvms", r.mvms}, {"rows", r.rows}, {"cols", r.cols}};
    j["tile"] = {
        {"rows", r.tile_rows},
        {"cols", r.tile_cols},
        {"clock_ghz", r.clock_ghz},
        {"phases_cycles",
         {{"input_load", r.phases.input_load},
          {"integrate", r.phases.integrate},
          {"convert", r.phases.convert},
          {"readout", r.phases.readout},
          {"ldpu", r.phases.ldpu}}},
        {"mvm_latency_cycles", r.phases.latency()},
        {"mvm_latency_ns", r.phases.latency() * period_ns},
        {"mvm_interval_cycles", r.phases.array_busy()},
        {"mvm_interval_ns", interval_ns},
        {"peak_tops", peak_tops},
        {"reference_mvm_energy_pj", ref_energy_pj},
        {"reference_energy_breakdown_pj", breakdown(r.reference, ref_static_pj)},
        {"peak_tops_per_w", ops_per_mvm / ref_energy_pj},
        {"mvm_energy_pj", r.mvms ? run_energy_pj / static_cast<double>(r.mvms) : 0.0},
        {"static_power_mw", r.static_power_mw},
        {"input_passes", r.input_passes},
    };
    // Area by component (null when the tile model does not declare it); peak density
    // counts every cell busy, as peak_tops does.
    json area_breakdown = json::object();
    for (const auto& [component, mm2] : r.area.components_mm2) area_breakdown[component] = mm2;
    j["tile"]["area_mm2"] = r.area.declared() ? json(r.area.total_mm2()) : json(nullptr);
    j["tile"]["area_breakdown_mm2"] = area_breakdown;
    j["tile"]["peak_tops_per_mm2"] = r.area.declared() ? json(peak_tops / r.area.total_mm2()) : json(nullptr);
    json effects = json::object();
    for (const auto& [name, on] : r.effects) effects[name] = on;
    j["tile"]["effects"] = effects;
    j["performance"] = {
        {"mvms", r.mvms},
        {"first_mvm_latency_ns", r.first_result_ns},
        {"throughput_mvms_per_s", r.simulated_ns > 0 ? r.mvms / (r.simulated_ns * 1e-9) : 0.0},
        {"tops", r.simulated_ns > 0 ? run_ops / r.simulated_ns / 1000.0 : 0.0},
        {"tops_per_w", run_energy_pj > 0 ? run_ops / run_energy_pj : 0.0},
        {"energy_pj", run_energy_pj},
        {"energy_breakdown_pj", breakdown(r.dynamic, run_static_pj)},
    };
    const auto metric = [&](std::optional<double> v) { return r.functional && v ? json(*v) : json(nullptr); };
    j["mvm_error"] = {{"relative_rms", r.functional ? json(r.relative_rms_error) : json(nullptr)},
                      {"relative_l2", metric(r.error.relative_l2)},
                      {"linear_relative_l2", metric(r.error.linear_relative_l2)},
                      {"residual_relative_l2", metric(r.error.residual_relative_l2)},
                      {"std_full_scale", metric(r.error.std_full_scale)},
                      {"t_inference_s", r.t_inference_s},
                      {"gdc_factor", r.gdc_factor}};
    j["simulation"] = {{"functional", r.functional}, {"simulated_ns", r.simulated_ns}};
    j["stats"] = {{r.tile_stats.name(), stats_json(r.tile_stats)}};
    return j;
}

std::string tile_report_text(const json& j) {
    std::ostringstream o;
    o << "aimcsim report: " << j.value("name", "") << "   (seed " << j.value("seed", 0) << ")\n";
    if (j.contains("workload")) {
        const auto& w = j["workload"];
        o << "workload: " << w.value("name", "");
        if (w.contains("mvms")) o << ", " << w["mvms"] << " MVMs of " << w["rows"] << "x" << w["cols"];
        o << "\n";
    }
    if (j.contains("tile")) {
        const auto& t = j["tile"];
        const auto& ph = t["phases_cycles"];
        o << "\nTile " << t["rows"] << "x" << t["cols"] << " @ " << significant(t["clock_ghz"].get<double>())
          << " GHz\n";
        o << "  phases (cycles):   load " << ph["input_load"] << " + integrate " << ph["integrate"] << " + convert "
          << ph["convert"] << " + readout " << ph["readout"] << " + LDPU " << ph["ldpu"] << "\n";
        o << "  MVM latency:       " << significant(t["mvm_latency_ns"].get<double>()) << " ns ("
          << t["mvm_latency_cycles"] << " cycles); new MVM every " << significant(t["mvm_interval_ns"].get<double>())
          << " ns\n";
        const int passes = t.value("input_passes", 1);
        o << "  peak:              " << significant(t["peak_tops"].get<double>()) << " TOPS, "
          << significant(t["peak_tops_per_w"].get<double>()) << " TOPS/W (uniform random 8-bit data"
          << (passes > 1 ? ", inputs sent in " + std::to_string(passes) + " passes" : std::string()) << ")\n";
        o << "  energy per MVM:    " << significant(t["mvm_energy_pj"].get<double>()) << " pJ (this run)\n";
    }
    if (j.contains("performance")) {
        const auto& p = j["performance"];
        o << "\nPerformance\n";
        if (p.contains("tops"))
            o << "  throughput:        " << significant(p["tops"].get<double>()) << " TOPS, "
              << significant(p["tops_per_w"].get<double>()) << " TOPS/W\n";
        if (p.contains("energy_breakdown_pj")) {
            double total = 0.0;
            for (const auto& kv : p["energy_breakdown_pj"].items()) total += kv.value().get<double>();
            o << "  energy breakdown:  ";
            for (const auto& kv : p["energy_breakdown_pj"].items()) {
                o << kv.key() << " " << significant(100.0 * kv.value().get<double>() / (total > 0 ? total : 1), 3)
                  << "%  ";
            }
            o << "\n";
        }
    }
    if (j.contains("mvm_error") && !j["mvm_error"]["relative_rms"].is_null()) {
        const auto& e = j["mvm_error"];
        o << "\nMVM error vs exact product at t = " << significant(e["t_inference_s"].get<double>())
          << " s: " << significant(100.0 * e["relative_rms"].get<double>(), 3)
          << " % relative RMS (drift compensation x" << significant(e["gdc_factor"].get<double>()) << ")\n";
        if (e.contains("relative_l2") && !e["relative_l2"].is_null())
            o << "  mean ||y - y_fp|| / ||y_fp||: " << significant(100.0 * e["relative_l2"].get<double>(), 3)
              << " %; std of error / full scale: " << significant(100.0 * e["std_full_scale"].get<double>(), 3)
              << " %\n";
    }
    if (j.contains("simulation")) {
        const auto& s = j["simulation"];
        o << "\nsimulated " << significant(s["simulated_ns"].get<double>(), 6) << " ns";
        if (s.contains("wall_s")) o << " in " << significant(s["wall_s"].get<double>(), 3) << " s wall";
        o << "\n";
    }
    return o.str();
}

}  // namespace aimcsim
