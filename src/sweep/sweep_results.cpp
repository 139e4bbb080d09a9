#include "src/sweep/sweep_results.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "aimcsim/core/error.h"
#include "src/app/csv_cell.h"

namespace fs = std::filesystem;

namespace aimcsim::sweep {

namespace {

void flatten(const std::string& prefix, const nlohmann::json& v, std::vector<std::pair<std::string, ojson>>& out) {
    if (v.is_object()) {
        for (const auto& [k, sub] : v.items()) flatten(prefix + "." + k, sub, out);
        return;
    }
    out.emplace_back(prefix, ojson::parse(v.dump()));
}

std::string value_text(const ojson& v) {
    if (v.is_null()) return "";
    if (v.is_string()) return v.get<std::string>();
    return v.dump();
}

// A swept value as JSON: a number, a bool, or its YAML text.
ojson typed_value(const std::string& text) {
    if (text == "true" || text == "false") return text == "true";
    if (!text.empty()) {
        char* end = nullptr;
        errno = 0;
        if (text.find_first_not_of("+-0123456789") == std::string::npos) {
            const long long i = std::strtoll(text.c_str(), &end, 10);
            if (*end == '\0' && errno == 0) return i;
        }
        const double d = std::strtod(text.c_str(), &end);
        if (*end == '\0' && errno == 0 && text.find_first_of("0123456789") != std::string::npos) return d;
    }
    return text;
}

std::string one_line(std::string s) {
    for (char& c : s) {
        if (c == '\n' || c == '\r') c = ' ';
    }
    return s;
}

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

std::vector<std::pair<std::string, ojson>> extract_metrics(const nlohmann::json& report,
                                                           const std::vector<std::string>& keys) {
    std::vector<std::pair<std::string, ojson>> out;
    for (const auto& key : keys) {
        const nlohmann::json* v = &report;
        nlohmann::json mapped;  // a key through an array of objects: the array of the elements' values
        std::stringstream ss(key);
        for (std::string part; std::getline(ss, part, '.');) {
            if (v != nullptr && v->is_array() && !v->empty()) {
                nlohmann::json values = nlohmann::json::array();
                for (const auto& e : *v) {
                    if (!e.is_object() || !e.contains(part)) {
                        values = nullptr;
                        break;
                    }
                    values.push_back(e[part]);
                }
                if (values.is_null()) {
                    v = nullptr;
                    break;
                }
                mapped = std::move(values);
                v = &mapped;
                continue;
            }
            if (v == nullptr || !v->is_object() || !v->contains(part)) {
                v = nullptr;
                break;
            }
            v = &(*v)[part];
        }
        if (v == nullptr) {
            out.emplace_back(key, nullptr);
        } else {
            flatten(key, *v, out);
        }
    }
    return out;
}

std::string row_json_line(const PointResult& r, const std::vector<std::pair<std::string, std::string>>& values) {
    ojson j;
    j["point"] = r.index;
    j["id"] = r.id;
    ojson params = ojson::object();
    for (const auto& [k, v] : values) params[k] = typed_value(v);
    j["params"] = params;
    j["status"] = r.status;
    j["exit_code"] = r.exit_code;
    j["error"] = one_line(r.error);
    ojson m = ojson::object();
    for (const auto& [k, v] : r.metrics) m[k] = v;
    j["metrics"] = m;
    j["wall_s"] = r.wall_s;
    j["run_dir"] = r.run_dir;
    return j.dump() + "\n";
}

PointResult row_from_json(const ojson& j) {
    PointResult r;
    r.index = j.at("point").get<int>();
    r.id = j.at("id").get<std::string>();
    r.status = j.at("status").get<std::string>();
    r.exit_code = j.value("exit_code", 0);
    r.error = j.value("error", "");
    for (const auto& [k, v] : j.at("metrics").items()) r.metrics.emplace_back(k, v);
    r.wall_s = j.value("wall_s", 0.0);
    r.run_dir = j.value("run_dir", "");
    return r;
}

std::string render_csv(const SweepSpec& spec, std::vector<PointResult> rows) {
    std::sort(rows.begin(), rows.end(), [](const PointResult& a, const PointResult& b) { return a.index < b.index; });
    // Metric columns: every key of a listed metric that some row has (an explicit
    // metric keeps its column even when no report has it).
    std::vector<std::string> columns;
    std::set<std::string> seen;
    for (const auto& m : spec.metrics) {
        bool any = false;
        for (const auto& r : rows) {
            for (const auto& [k, v] : r.metrics) {
                const bool under =
                    k == m || (k.size() > m.size() && k.compare(0, m.size(), m) == 0 && k[m.size()] == '.');
                if (!under || v.is_null()) continue;
                any = true;
                if (seen.insert(k).second) columns.push_back(k);
            }
        }
        const bool required = std::find(spec.required.begin(), spec.required.end(), m) != spec.required.end();
        if (!any && required && seen.insert(m).second) columns.push_back(m);
    }
    std::string out = "point,id";
    for (const auto& p : spec.params) out += "," + csv_cell(p.key);
    out += ",status";
    for (const auto& c : columns) out += "," + csv_cell(c);
    out += ",wall_s,error,run_dir\n";
    for (const auto& r : rows) {
        std::map<std::string, const ojson*> by_key;
        for (const auto& [k, v] : r.metrics) by_key[k] = &v;
        out += std::to_string(r.index) + "," + csv_cell(r.id);
        if (r.index >= 0 && r.index < static_cast<int>(spec.points.size())) {
            for (const auto& [k, v] : spec.points[static_cast<size_t>(r.index)].values) out += "," + csv_cell(v);
        } else {
            for (size_t i = 0; i < spec.params.size(); ++i) out += ",";
        }
        out += "," + r.status;
        for (const auto& c : columns) {
            auto it = by_key.find(c);
            out += "," + (it == by_key.end() ? std::string() : csv_cell(value_text(*it->second)));
        }
        out += "," + ojson(r.wall_s).dump() + "," + csv_cell(one_line(r.error)) + "," + csv_cell(r.run_dir) + "\n";
    }
    return out;
}

std::vector<PointResult> read_rows(const std::string& jsonl_path, int* dropped) {
    std::vector<PointResult> rows;
    int bad = 0;
    const std::string text = read_text(jsonl_path);
    size_t pos = 0;
    while (pos < text.size()) {
        const size_t nl = text.find('\n', pos);
        if (nl == std::string::npos) {  // cut by a kill mid-write
            ++bad;
            break;
        }
        const std::string line = text.substr(pos, nl - pos);
        pos = nl + 1;
        if (line.empty()) continue;
        try {
            rows.push_back(row_from_json(ojson::parse(line)));
        } catch (const std::exception&) { ++bad; }
    }
    if (dropped != nullptr) *dropped = bad;
    return rows;
}

void write_file_atomic(const std::string& path, const std::string& text) {
    const std::string tmp = path + ".tmp." + std::to_string(getpid());
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out << text;
        out.flush();
        if (!out) throw InputError("cannot write '" + tmp + "'");
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        throw InputError("cannot rename '" + tmp + "' to '" + path + "': " + std::strerror(errno));
    }
}

RowAppender::RowAppender(const std::string& path) : path_(path) {
    fd_ = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw InputError("cannot open '" + path + "': " + std::strerror(errno));
}

RowAppender::~RowAppender() {
    if (fd_ >= 0) ::close(fd_);
}

void RowAppender::append(const std::string& line) {
    // One write(2) for the whole line: readers and a kill see all of it or none
    // (a rare short write is detected by read_rows as a line without newline).
    const ssize_t n = ::write(fd_, line.data(), line.size());
    if (n != static_cast<ssize_t>(line.size())) {
        throw std::runtime_error("short write to '" + path_ + "': " + (n < 0 ? std::strerror(errno) : "disk full?"));
    }
}

ojson spec_json(const SweepSpec& spec, const std::string& shard) {
    ojson j;
    j["schema"] = "aimcsim.sweep/1";
    j["name"] = spec.name;
    j["sweep_file"] = spec.file;
    j["config"] = spec.config;
    j["fingerprint"] = spec.fingerprint();
    j["combine"] = spec.combine == Combine::Zip ? "zip" : "product";
    j["shard"] = shard;
    j["parameters"] = spec.param_keys();
    j["metrics"] = spec.metrics;
    j["required_metrics"] = spec.required;
    ojson pts = ojson::array();
    for (const auto& p : spec.points) {
        ojson pj;
        pj["index"] = p.index;
        pj["id"] = p.id;
        ojson vals = ojson::object();
        for (const auto& [k, v] : p.values) vals[k] = v;
        pj["values"] = vals;
        pj["overrides"] = p.overrides;
        pts.push_back(pj);
    }
    j["points"] = pts;
    return j;
}

SweepSpec spec_from_json(const ojson& j) {
    SweepSpec s;
    s.name = j.at("name").get<std::string>();
    s.file = j.value("sweep_file", "");
    s.config = j.at("config").get<std::string>();
    s.combine = j.value("combine", "product") == "zip" ? Combine::Zip : Combine::Product;
    for (const auto& k : j.at("parameters")) {
        SweepParam p;
        p.key = k.get<std::string>();
        s.params.push_back(p);
    }
    s.metrics = j.at("metrics").get<std::vector<std::string>>();
    s.required = j.value("required_metrics", std::vector<std::string>{});
    for (const auto& pj : j.at("points")) {
        SweepPoint p;
        p.index = pj.at("index").get<int>();
        p.id = pj.at("id").get<std::string>();
        for (const auto& [k, v] : pj.at("values").items()) p.values.emplace_back(k, v.get<std::string>());
        p.overrides = pj.at("overrides").get<std::vector<std::string>>();
        s.points.push_back(std::move(p));
    }
    return s;
}

int merge_results(const std::vector<std::string>& dirs, const std::string& out, bool quiet) {
    if (dirs.empty()) throw InputError("sweep merge: name at least one sweep folder");
    SweepSpec spec;
    std::string fingerprint;
    std::map<int, PointResult> best;
    for (const auto& dir : dirs) {
        const std::string meta = (fs::path(dir) / "sweep.json").string();
        if (!fs::is_regular_file(meta))
            throw InputError("sweep merge: '" + dir + "' holds no sweep.json (not a sweep output folder)");
        ojson j;
        try {
            j = ojson::parse(read_text(meta));
        } catch (const std::exception& e) {
            throw InputError("sweep merge: '" + meta + "' is not valid JSON: " + e.what());
        }
        const std::string fp = j.value("fingerprint", "");
        if (fingerprint.empty()) {
            fingerprint = fp;
            spec = spec_from_json(j);
        } else if (fp != fingerprint) {
            throw InputError("sweep merge: '" + dir + "' is from another sweep (its points differ from those of '" +
                             dirs.front() + "')");
        }
        int dropped = 0;
        for (PointResult r : read_rows((fs::path(dir) / "results.jsonl").string(), &dropped)) {
            if (r.index < 0 || r.index >= static_cast<int>(spec.points.size())) continue;
            // Run folders are named relative to the merged results.
            if (!r.run_dir.empty()) {
                r.run_dir = fs::absolute(fs::path(dir) / r.run_dir)
                                .lexically_normal()
                                .lexically_relative(fs::absolute(out).lexically_normal())
                                .string();
            }
            auto it = best.find(r.index);
            if (it == best.end() || (!it->second.ok() && r.ok())) best[r.index] = r;
        }
        if (dropped > 0 && !quiet)
            std::cerr << "sweep merge: " << dir << ": ignored " << dropped << " incomplete row(s)\n";
    }
    fs::create_directories(out);
    std::vector<PointResult> rows;
    std::string jsonl;
    for (const auto& [i, r] : best) {
        rows.push_back(r);
        jsonl += row_json_line(r, spec.points[static_cast<size_t>(i)].values);
    }
    ojson meta = spec_json(spec, "");
    meta["merged_from"] = dirs;
    write_file_atomic((fs::path(out) / "sweep.json").string(), meta.dump(2) + "\n");
    write_file_atomic((fs::path(out) / "results.jsonl").string(), jsonl);
    write_file_atomic((fs::path(out) / "results.csv").string(), render_csv(spec, rows));
    int missing = 0, failed = 0;
    std::string missing_ids;
    for (const auto& p : spec.points) {
        auto it = best.find(p.index);
        if (it == best.end()) {
            ++missing;
            if (missing <= 10) missing_ids += (missing_ids.empty() ? "" : " ") + p.id;
        } else if (!it->second.ok()) {
            ++failed;
        }
    }
    if (!quiet) {
        std::cout << "sweep merge: " << spec.points.size() << " points: " << rows.size() - static_cast<size_t>(failed)
                  << " ok, " << failed << " failed, " << missing << " missing"
                  << (missing ? " (" + missing_ids + (missing > 10 ? " ..." : "") + ")" : "") << "; wrote "
                  << (fs::path(out) / "results.csv").string() << "\n";
    }
    return missing + failed;
}

}  // namespace aimcsim::sweep
