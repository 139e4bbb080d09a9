// How the chip streams a tensor: a CNN tensor pixel by pixel (h*w pixels, each a
// vector of c channels), a transformer tensor token by token (network.h,
// "Transformer ops": c*h tokens, each a row of w features). A tensor is a token
// tensor when a transformer op (Linear and the ops after it in Op) produces it, a ReLU
// of a token tensor (a ReLU FFN), or when it is the network input and a transformer op reads it. The schedule and the
// placement's traffic model both slice tensors by this, so they agree.
#pragma once

#include "aimcsim/network.h"

namespace aimcsim {

[[nodiscard]] inline bool is_transformer_op(Op op) { return static_cast<int>(op) >= static_cast<int>(Op::Linear); }

[[nodiscard]] bool is_token_tensor(const Network& net, int tensor);
// Pixels (tokens) the chip streams the tensor in.
[[nodiscard]] int stream_pixels(const Network& net, int tensor);
// Values of one pixel (token): channels, or features.
[[nodiscard]] int stream_vector(const Network& net, int tensor);

}  // namespace aimcsim
