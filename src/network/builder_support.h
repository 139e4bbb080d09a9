// What every file of Network builders shares (network.cpp, network_cnn_ops.cpp,
// transformer_layers.cpp): the error that names the layer, and a fresh layer's identity
// to which a builder adds what its op needs.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "aimcsim/core/error.h"
#include "aimcsim/network.h"

namespace aimcsim::builder {

[[noreturn]] inline void fail(const std::string& layer, const std::string& msg) {
    throw InputError("layer '" + layer + "': " + msg);
}

inline Layer new_layer(const std::string& name, Op op, std::vector<int> inputs) {
    Layer l;
    l.name = name;
    l.op = op;
    l.inputs = std::move(inputs);
    return l;
}

}  // namespace aimcsim::builder
