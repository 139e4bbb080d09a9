// The `kind: layer_list` workload: a network written as a YAML list of layers
// (shapes only) for timing studies of networks we have no trained weights for.
// It builds the same Network IR as the ONNX importer, through Network::add_*, so
// every shape is checked there. Weights (if asked) are uniform random in
// [-1, 1] from Rng(seed, Stream::Weights, {layer index}), bias zero.
//
//   kind: layer_list
//   name: tiny
//   input: {c: 3, h: 32, w: 32}
//   weights: random            # or none (shapes only: timing-only runs)
//   layers:
//     - {name: conv1, type: conv, out: 64, kernel: 3, stride: 1, pad: 1, relu: true}
//     - {name: pool1, type: maxpool, kernel: 2, stride: 2}
//     - {name: res1, type: add, inputs: [pool1, conv3], relu: true}
//     - {name: fc, type: dense, out: 10, from: flat}
//
// Each layer reads the previous layer's output unless `from:` names an earlier
// layer (or `input`); `relu: true` appends a ReLU layer named `<name>_relu` and
// later references to `<name>` mean the activated output.
#pragma once

#include <cstdint>
#include <string>

#include "aimcsim/core/config.h"
#include "aimcsim/network.h"

namespace aimcsim {

// Builds the network of a parsed layer-list workload file (the whole file's map).
[[nodiscard]] Network load_layer_list(const ConfigNode& workload, std::uint64_t seed);

// Reads and parses `path`, then load_layer_list().
[[nodiscard]] Network load_layer_list_file(const std::string& path, std::uint64_t seed);

}  // namespace aimcsim
