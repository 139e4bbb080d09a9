// Errors that reach the user. Every one of them is caught in main(), printed as
// one line and turned into exit status 2: bad input must never crash or hang.
#pragma once

#include <stdexcept>
#include <string>

namespace aimcsim {

// Where a configuration value came from: a YAML file position, or a CLI override.
struct SourceLoc {
    std::string file;  // file path, or "--set" for command-line overrides
    int line = 0;      // 1-based; 0 = unknown
    int col = 0;       // 1-based; 0 = unknown

    [[nodiscard]] std::string str() const {
        if (line <= 0) return file;
        return file + ":" + std::to_string(line) + ":" + std::to_string(col);
    }
};

// Any user-facing input problem (config, model file, dataset, CLI, plugin).
// The message is complete: it names the file and what was expected.
class InputError : public std::runtime_error {
public:
    explicit InputError(const std::string& msg) : std::runtime_error(msg) {}
};

// A config problem at a known place: "file:line:col: key.path: message".
class ConfigError : public InputError {
public:
    ConfigError(const SourceLoc& where, const std::string& key_path, const std::string& msg)
        : InputError(where.str() + ": " + (key_path.empty() ? "" : key_path + ": ") + msg), where_(where),
          key_path_(key_path) {}

    [[nodiscard]] const SourceLoc& where() const { return where_; }
    [[nodiscard]] const std::string& key_path() const { return key_path_; }

private:
    SourceLoc where_;
    std::string key_path_;
};

// Exit status for every InputError.
inline constexpr int kInputErrorExit = 2;

}  // namespace aimcsim
