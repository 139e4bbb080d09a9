// Config input as the user gave it: an override named by the option the user typed,
// and the kind of a file that is not YAML text, so a message can say what the file
// is instead of a YAML syntax error.
#pragma once

#include <string>

#include "aimcsim/core/config.h"

namespace aimcsim {

// apply_override(root, assignment), whose errors name the override as `label`
// ("--batch 0": the option the user typed) instead of "--set a.b.c=value".
void apply_labelled_override(ConfigNode& root, const std::string& assignment, const std::string& label);

// What a file that is not YAML text is, from its name and bytes: "an ONNX model
// (.onnx)", "a NumPy array (.npy)", "an ONNX tensor (.pb)", "a binary file"; "" for text.
[[nodiscard]] std::string binary_file_kind(const std::string& path, const std::string& content);

}  // namespace aimcsim
