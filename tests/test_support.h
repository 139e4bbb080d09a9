// Helpers shared by the tests.
#pragma once

#include <fcntl.h>
#include <sys/types.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>
#include <initializer_list>

#include "aimcsim/core/error.h"
#include "src/core/sim_context.h"

namespace test {

// A fresh SystemC context, so each test case can elaborate its own modules even
// when several run in one process.
inline void fresh_systemc_context() { aimcsim::fresh_sim_context(); }

inline std::string source_path(const std::string& rel) { return std::string(AIMCSIM_SOURCE_DIR) + "/" + rel; }

// The whole content of a file ("" if it cannot be read).
inline std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// A temporary folder removed at the end of the test.
struct TempDir {
    std::filesystem::path path;
    TempDir() {
        char tmpl[] = "/tmp/aimcsim_test_XXXXXX";
        path = mkdtemp(tmpl);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    std::string file(const std::string& name, const std::string& content) const {
        const auto p = path / name;
        std::ofstream(p) << content;
        return p.string();
    }
    [[nodiscard]] std::string str() const { return path.string(); }
};

struct CommandResult {
    int exit_code = -1;  // -1: killed by a signal
    int signal = 0;      // the signal that killed the shell, if any
    std::string output;  // stdout and stderr together
};

// Runs a shell command, capturing stdout and stderr together.
inline CommandResult run_command(const std::string& command) {
    CommandResult r;
    const std::string cmd = command + " 2>&1";
    FILE* pipe = popen(cmd.c_str(), "r");
    if (pipe == nullptr) return r;
    char buf[4096];
    size_t n = 0;
    while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) r.output.append(buf, n);
    const int status = pclose(pipe);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
    return r;
}

// Runs the aimcsim CLI with `args` (already shell-quoted as needed).
inline CommandResult run_cli(const std::string& args) { return run_command(std::string(AIMCSIM_CLI) + " " + args); }

// Starts the aimcsim CLI with `args` in a child process, its stdout and stderr silenced,
// and returns the child's pid (for tests that signal a run mid-way); -1 if fork fails.
inline pid_t spawn_cli(std::initializer_list<std::string> args) {
    std::vector<std::string> argv_s{AIMCSIM_CLI};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    const pid_t pid = fork();
    if (pid == 0) {
        const int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 1);
        dup2(devnull, 2);
        execv(AIMCSIM_CLI, argv.data());
        _exit(127);
    }
    return pid;
}

// The message of the InputError that f() throws (fails the test if none is thrown).
template <typename F> std::string error_of(F&& f) {
    try {
        f();
    } catch (const aimcsim::InputError& e) { return e.what(); }
    FAIL("no InputError thrown");
    return {};
}

// Same floats, bit for bit.
inline bool identical(const std::vector<float>& a, const std::vector<float>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// sqrt(sum (out - ref)^2 / sum ref^2); sizes must match.
inline double relative_rms_error(const std::vector<float>& out, const std::vector<float>& ref) {
    double err2 = 0, ref2 = 0;
    for (std::size_t i = 0; i < ref.size(); ++i) {
        err2 += (out[i] - ref[i]) * (out[i] - ref[i]);
        ref2 += ref[i] * ref[i];
    }
    return std::sqrt(err2 / ref2);
}

}  // namespace test
