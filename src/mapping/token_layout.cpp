#include "src/mapping/token_layout.h"

namespace aimcsim {

bool is_token_tensor(const Network& net, int tensor) {
    const int p = net.producer(tensor);
    if (p >= 0) {
        const Layer& l = net.layers[static_cast<std::size_t>(p)];
        // A ReLU keeps its input's layout: on tokens (a ReLU FFN), it runs token by token.
        if (l.op == Op::Relu) return is_token_tensor(net, l.inputs.at(0));
        return is_transformer_op(l.op);
    }
    for (const Layer& l : net.layers) {
        for (int in : l.inputs) {
            // (a Constant names the input only to be scheduled with it: it reads none of it)
            if (in == tensor && is_transformer_op(l.op) && l.op != Op::Constant) return true;
        }
    }
    return false;
}

int stream_pixels(const Network& net, int tensor) {
    const Shape& s = net.shape(tensor);
    return is_token_tensor(net, tensor) ? s.c * s.h : s.h * s.w;
}

int stream_vector(const Network& net, int tensor) {
    const Shape& s = net.shape(tensor);
    return is_token_tensor(net, tensor) ? s.w : s.c;
}

}  // namespace aimcsim
