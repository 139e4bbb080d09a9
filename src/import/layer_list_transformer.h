// Transformer layer kinds of a YAML layer list (layer_list.h): linear, layernorm,
// gelu, attention (multi-head self-attention expanded into the IR's ops) and
// encoder (a post-norm BERT encoder layer: attention, residual add, LayerNorm, FFN
// with GELU, residual add, LayerNorm). Shapes only or random weights; a layer with
// `shares: NAME` reuses the weight matrices of the earlier attention / encoder /
// linear layer NAME (ALBERT), which the mapper then puts on the tiles only once.
#pragma once

#include <cstdint>
#include <string>

#include "aimcsim/core/params.h"
#include "aimcsim/network.h"

namespace aimcsim {

// True for the kinds this file builds.
[[nodiscard]] bool is_transformer_kind(const std::string& type);
// Declares the keys of those kinds on `s`.
void transformer_kind_schema(const std::string& type, ParamSchema& s);
// Appends the layers of one entry of kind `type` reading tensor `in`; returns the output tensor.
// Throws InputError on a bad shape or a `shares` that names no matching earlier layer.
int add_transformer_kind(Network& net, const std::string& type, const Params& p, int in, bool with_weights,
                         std::uint64_t seed);

}  // namespace aimcsim
