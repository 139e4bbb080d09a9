#include "src/sweep/sweep_runner.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include "aimcsim/core/error.h"
#include "src/sweep/sweep_results.h"
#include "src/sweep/sweep_spec.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace aimcsim::sweep {

namespace {

volatile std::sig_atomic_t g_stop_signal = 0;

void on_stop_signal(int sig) { g_stop_signal = sig; }

int usable_cpus() {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
    return std::max(1u, std::thread::hardware_concurrency());
}

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// The error a failed point left in its log: the last `aimcsim: ... error:` line,
// else the last non-empty line.
std::string error_from_log(const std::string& log_path) {
    std::istringstream in(read_text(log_path));
    std::string line, last, error;
    while (std::getline(in, line)) {
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        last = line;
        if (line.rfind("aimcsim: ", 0) == 0 && line.find("error:") != std::string::npos) error = line;
    }
    return error.empty() ? last : error;
}

std::string fmt_duration(double s) {
    const long t = static_cast<long>(s + 0.5);
    char buf[32];
    if (t >= 3600) {
        std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", t / 3600, (t / 60) % 60, t % 60);
    } else {
        std::snprintf(buf, sizeof buf, "%ld:%02ld", t / 60, t % 60);
    }
    return buf;
}

std::string fmt_seconds(double s) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1fs", s);
    return buf;
}

struct Running {
    pid_t pid = -1;
    int point = 0;
    Clock::time_point start;
};

class Progress {
public:
    Progress(const std::string& mode, int total) : total_(total), start_(Clock::now()) {
        bar_ = mode == "bar" || (mode == "auto" && isatty(STDERR_FILENO));
        lines_ = mode == "lines" || (mode == "auto" && !bar_);
    }

    void point_done(const SweepPoint& p, const PointResult& r) {
        ++done_;
        if (!r.ok()) ++failed_;
        if (lines_) {
            std::string vals;
            for (const auto& [k, v] : p.values) vals += " " + k + "=" + v;
            std::cerr << "sweep: [" << done_ << "/" << total_ << "] " << p.id << " " << r.status << " "
                      << fmt_seconds(r.wall_s) << vals << (r.ok() ? "" : ": " + r.error) << "\n";
        } else if (bar_ && !r.ok()) {
            std::cerr << "\r\033[K"
                      << "sweep: " << p.id << " failed: " << r.error << "\n";
        }
        draw(0, true);
    }

    void draw(int running, bool force = false) {
        if (!bar_) return;
        const auto now = Clock::now();
        if (!force && now - last_draw_ < std::chrono::milliseconds(200)) return;
        last_draw_ = now;
        running_ = force ? running_ : running;
        const double elapsed = std::chrono::duration<double>(now - start_).count();
        const int width = 30;
        const int filled = total_ > 0 ? width * done_ / total_ : width;
        std::string eta = "--:--";
        if (done_ > 0 && done_ < total_) eta = fmt_duration(elapsed / done_ * (total_ - done_));
        if (done_ == total_) eta = "0:00";
        std::cerr << "\r\033[K[" << std::string(static_cast<size_t>(filled), '#')
                  << std::string(static_cast<size_t>(width - filled), '.') << "] " << done_ << "/" << total_
                  << "  failed " << failed_ << "  running " << running_ << "  elapsed " << fmt_duration(elapsed)
                  << "  ETA " << eta << std::flush;
    }

    void finish() {
        if (bar_) {
            draw(0, true);
            std::cerr << "\n";
        }
    }

private:
    int total_;
    int done_ = 0, failed_ = 0, running_ = 0;
    bool bar_ = false, lines_ = false;
    Clock::time_point start_, last_draw_;
};

class Runner {
public:
    Runner(const SweepOptions& opts, SweepSpec spec) : opts_(opts), spec_(std::move(spec)) {}

    int run();

private:
    void prepare_out_dir();
    pid_t start(const SweepPoint& p);
    PointResult finish(const Running& r, int status);
    void refresh_csv(bool force);
    void stop_children(std::vector<Running>& running);

    const SweepOptions& opts_;
    SweepSpec spec_;
    fs::path out_;
    std::string exe_;       // argv[0] of the points
    std::string exe_path_;  // what is executed
    int lock_fd_ = -1;
    std::map<int, PointResult> rows_;  // by point index: what results.jsonl holds
    std::unique_ptr<RowAppender> jsonl_;
    Clock::time_point last_csv_;
    std::string threads_override_;
};

void Runner::prepare_out_dir() {
    out_ = fs::absolute(opts_.out_dir).lexically_normal();
    fs::create_directories(out_ / "points");
    // One sweep process per folder at a time.
    lock_fd_ = ::open((out_ / ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lock_fd_ < 0 || flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
        throw InputError("sweep: '" + out_.string() + "' is in use by another sweep process");
    }
    const std::string shard = std::to_string(opts_.shard_index) + "/" + std::to_string(opts_.shard_count);
    const fs::path meta = out_ / "sweep.json";
    if (fs::exists(meta)) {
        if (!opts_.resume) {
            throw InputError(
                "sweep: '" + out_.string() +
                "' already holds a sweep (sweep.json); pass --resume to continue it, or choose another --out");
        }
        ojson old;
        try {
            old = ojson::parse(read_text(meta.string()));
        } catch (const std::exception&) {
            throw InputError("sweep: '" + meta.string() + "' is not valid JSON; remove the folder to start again");
        }
        if (old.value("fingerprint", "") != spec_.fingerprint()) {
            throw InputError("sweep: --resume: the sweep (" + spec_.file + ") or its base config path changed since '" +
                             out_.string() + "' was started: its points differ; use another --out");
        }
        if (old.value("shard", "") != shard) {
            throw InputError("sweep: --resume: '" + out_.string() + "' holds shard " + old.value("shard", "?") +
                             ", not " + shard);
        }
        // Keep the complete, successful rows; failed and cut rows are run again.
        int dropped = 0;
        const std::string jsonl = (out_ / "results.jsonl").string();
        for (auto& r : read_rows(jsonl, &dropped)) {
            if (r.ok() && r.index >= 0 && r.index < static_cast<int>(spec_.points.size())) rows_[r.index] = r;
        }
        std::string text;
        for (const auto& [i, r] : rows_) text += row_json_line(r, spec_.points[static_cast<size_t>(i)].values);
        write_file_atomic(jsonl, text);
        if (dropped > 0) std::cerr << "sweep: dropped " << dropped << " incomplete row(s) of the interrupted run\n";
    } else {
        write_file_atomic(meta.string(), spec_json(spec_, shard).dump(2) + "\n");
    }
    jsonl_ = std::make_unique<RowAppender>((out_ / "results.jsonl").string());
    refresh_csv(true);
}

pid_t Runner::start(const SweepPoint& p) {
    const fs::path dir = out_ / "points" / p.id;
    std::error_code ec;
    fs::remove_all(dir, ec);  // leftovers of an interrupted attempt
    fs::create_directories(dir);
    std::vector<std::string> args = {exe_, spec_.command, spec_.config};
    if (!threads_override_.empty()) {
        args.push_back("--set");
        args.push_back(threads_override_);
    }
    for (const auto& o : p.overrides) {
        args.push_back("--set");
        args.push_back(o);
    }
    args.insert(args.end(), {"--out", dir.string(), "--quiet"});
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const std::string log = (dir / "log.txt").string();
    const int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (log_fd < 0) throw std::runtime_error("cannot create '" + log + "': " + std::strerror(errno));
    const pid_t parent = getpid();
    const pid_t pid = fork();
    if (pid < 0) {
        ::close(log_fd);
        throw std::runtime_error(std::string("fork failed: ") + std::strerror(errno));
    }
    if (pid == 0) {
        // A point never outlives the sweep (a SIGKILLed sweep leaves no stray writers).
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) _exit(125);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGHUP, SIG_DFL);
        const int devnull = ::open("/dev/null", O_RDONLY);
        if (devnull >= 0) dup2(devnull, STDIN_FILENO);
        dup2(log_fd, STDOUT_FILENO);
        dup2(log_fd, STDERR_FILENO);
        // /proc/self/exe: this very binary, even if it was replaced on disk meanwhile.
        execv(exe_path_.c_str(), argv.data());
        const std::string msg =
            std::string("aimcsim: error: cannot execute ") + argv[0] + ": " + std::strerror(errno) + "\n";
        (void)!::write(STDERR_FILENO, msg.data(), msg.size());
        _exit(127);
    }
    ::close(log_fd);
    return pid;
}

PointResult Runner::finish(const Running& run, int status) {
    const SweepPoint& p = spec_.points[static_cast<size_t>(run.point)];
    const fs::path dir = out_ / "points" / p.id;
    PointResult r;
    r.index = p.index;
    r.id = p.id;
    r.run_dir = (fs::path("points") / p.id).string();
    r.wall_s = std::chrono::duration<double>(Clock::now() - run.start).count();
    if (WIFEXITED(status)) {
        r.exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        r.exit_code = -WTERMSIG(status);
    }
    nlohmann::json report;
    bool have_report = false;
    if (r.exit_code == 0) {
        try {
            report = nlohmann::json::parse(read_text((dir / "report.json").string()));
            have_report = true;
        } catch (const std::exception& e) { r.error = std::string("report.json missing or invalid: ") + e.what(); }
    }
    if (have_report) {
        r.status = "ok";
    } else {
        r.status = "failed";
        if (r.error.empty()) {
            r.error = error_from_log((dir / "log.txt").string());
            if (r.exit_code < 0) {
                r.error = std::string("killed by signal ") + std::to_string(-r.exit_code) + " (" +
                          strsignal(-r.exit_code) + ")" + (r.error.empty() ? "" : ": " + r.error);
            } else if (r.error.empty()) {
                r.error = "exit status " + std::to_string(r.exit_code);
            }
        }
    }
    r.metrics = extract_metrics(report, spec_.metrics);
    return r;
}

void Runner::refresh_csv(bool force) {
    // The CSV is rebuilt whole and renamed into place; at most every half second
    // (results.jsonl has every row at once; --resume and the end rebuild the CSV).
    const auto now = Clock::now();
    if (!force && now - last_csv_ < std::chrono::milliseconds(500)) return;
    last_csv_ = now;
    std::vector<PointResult> rows;
    for (const auto& [i, r] : rows_) rows.push_back(r);
    write_file_atomic((out_ / "results.csv").string(), render_csv(spec_, rows));
}

int Runner::run() {
    prepare_out_dir();
    if (opts_.exe.empty()) {
        std::error_code ec;
        exe_ = fs::read_symlink("/proc/self/exe", ec).string();
        if (ec || exe_.empty()) exe_ = "aimcsim";
        exe_path_ = "/proc/self/exe";
    } else {
        exe_ = exe_path_ = opts_.exe;
    }
    const int cpus = usable_cpus();
    const int jobs = opts_.jobs > 0 ? opts_.jobs : cpus;
    // Share the cores between the workers, unless the sweep sets the threads itself.
    bool user_threads = false;
    for (const auto& o : spec_.points.front().overrides) {
        if (o.rfind("simulation.threads=", 0) == 0 || o.rfind("simulation=", 0) == 0) user_threads = true;
    }
    if (!user_threads) threads_override_ = "simulation.threads=" + std::to_string(std::max(1, cpus / jobs));

    std::deque<int> todo;
    int in_shard = 0, skipped = 0;
    for (const auto& p : spec_.points) {
        if (p.index % opts_.shard_count != opts_.shard_index) continue;
        ++in_shard;
        if (rows_.count(p.index)) {
            ++skipped;
        } else {
            todo.push_back(p.index);
        }
    }
    if (skipped > 0) std::cerr << "sweep: --resume: " << skipped << " of " << in_shard << " point(s) already done\n";

    g_stop_signal = 0;
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    struct sigaction old_int {
    }, old_term{}, old_hup{};
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    sigaction(SIGHUP, &sa, &old_hup);

    Progress progress(opts_.progress, static_cast<int>(todo.size()));
    std::vector<Running> running;
    int ok = 0, failed = 0;
    while ((!todo.empty() || !running.empty())) {
        if (g_stop_signal != 0) break;
        while (static_cast<int>(running.size()) < jobs && !todo.empty()) {
            const int idx = todo.front();
            todo.pop_front();
            Running r;
            r.point = idx;
            r.start = Clock::now();
            r.pid = start(spec_.points[static_cast<size_t>(idx)]);
            running.push_back(r);
        }
        bool reaped = false;
        for (;;) {
            int status = 0;
            const pid_t pid = waitpid(-1, &status, WNOHANG);
            if (pid <= 0) break;
            auto it = std::find_if(running.begin(), running.end(), [&](const Running& r) { return r.pid == pid; });
            if (it == running.end()) continue;
            const Running done = *it;
            running.erase(it);
            const PointResult res = finish(done, status);
            jsonl_->append(row_json_line(res, spec_.points[static_cast<size_t>(done.point)].values));
            rows_[res.index] = res;
            res.ok() ? ++ok : ++failed;
            progress.point_done(spec_.points[static_cast<size_t>(done.point)], res);
            refresh_csv(false);
            reaped = true;
        }
        progress.draw(static_cast<int>(running.size()));
        if (!reaped) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    const int sig = g_stop_signal;
    const int left = static_cast<int>(todo.size() + running.size());
    if (sig != 0) stop_children(running);
    sigaction(SIGINT, &old_int, nullptr);
    sigaction(SIGTERM, &old_term, nullptr);
    sigaction(SIGHUP, &old_hup, nullptr);
    progress.finish();

    // Final record: rows sorted by point, both files replaced whole.
    std::string text;
    for (const auto& [i, r] : rows_) text += row_json_line(r, spec_.points[static_cast<size_t>(i)].values);
    jsonl_.reset();
    write_file_atomic((out_ / "results.jsonl").string(), text);
    refresh_csv(true);

    std::cout << "sweep " << spec_.name << ": " << spec_.points.size() << " point(s)";
    if (opts_.shard_count > 1)
        std::cout << ", shard " << opts_.shard_index << "/" << opts_.shard_count << " has " << in_shard;
    std::cout << ": " << ok << " ok, " << failed << " failed";
    if (skipped > 0) std::cout << ", " << skipped << " already done";
    if (sig != 0) std::cout << ", " << left << " not run (interrupted by signal " << sig << ")";
    std::cout << "; results in " << (out_ / "results.csv").string() << "\n";
    if (lock_fd_ >= 0) ::close(lock_fd_);
    if (sig != 0) return 128 + sig;
    return failed > 0 ? kSweepPointsFailedExit : 0;
}

void Runner::stop_children(std::vector<Running>& running) {
    // Ask the running points to stop, then make sure they are gone (bounded: 5 s).
    // They leave no row: --resume runs them again.
    for (const auto& r : running) kill(r.pid, SIGTERM);
    const auto deadline = Clock::now() + std::chrono::seconds(5);
    bool killed = false;
    while (!running.empty()) {
        int status = 0;
        const pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid < 0 && errno == ECHILD) break;
        if (pid > 0) {
            running.erase(
                std::remove_if(running.begin(), running.end(), [&](const Running& r) { return r.pid == pid; }),
                running.end());
            continue;
        }
        if (!killed && Clock::now() > deadline) {
            for (const auto& r : running) kill(r.pid, SIGKILL);
            killed = true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

}  // namespace

int run_sweep(const SweepOptions& opts) {
    if (opts.out_dir.empty() && !opts.dry_run) throw InputError("sweep: missing --out DIR");
    if (opts.shard_count < 1 || opts.shard_index < 0 || opts.shard_index >= opts.shard_count) {
        throw InputError("sweep: --shard I/N needs 0 <= I < N");
    }
    if (opts.progress != "auto" && opts.progress != "bar" && opts.progress != "lines" && opts.progress != "none") {
        throw InputError("sweep: --progress: expected auto|bar|lines|none, got '" + opts.progress + "'");
    }
    SweepSpec spec = load_sweep_spec(opts.spec_path);
    // --set on the sweep command: every point, after the spec's `set:`.
    if (!opts.sets.empty()) {
        for (const auto& s : opts.sets) {
            const auto eq = s.find('=');
            if (eq == std::string::npos || eq == 0) throw InputError("sweep: --set " + s + ": expected KEY.PATH=VALUE");
            for (const auto& p : spec.params) {
                if (p.key == s.substr(0, eq))
                    throw InputError("sweep: --set " + s + ": '" + p.key + "' is swept by " + spec.file);
            }
        }
        std::vector<std::string> sets;
        for (const auto& s : opts.sets) sets.push_back(absolutize_file_override(s));
        for (auto& p : spec.points)
            p.overrides.insert(p.overrides.begin() + static_cast<long>(spec.fixed.size()), sets.begin(), sets.end());
    }
    validate_points(spec);
    if (opts.dry_run) {
        std::cout << "sweep " << spec.name << ": " << spec.points.size() << " point(s), all configs valid; base "
                  << spec.config << "\n";
        for (const auto& p : spec.points) {
            if (p.index % opts.shard_count != opts.shard_index) continue;
            std::cout << "  " << p.id;
            for (const auto& [k, v] : p.values) std::cout << "  " << k << "=" << v;
            std::cout << "\n";
        }
        return 0;
    }
    Runner runner(opts, std::move(spec));
    return runner.run();
}

}  // namespace aimcsim::sweep
