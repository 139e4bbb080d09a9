// Fast, inlined rounding used on the hot paths (ADC counts, activation codes).
// libm's lround is an out-of-line call; this is a compare and a conversion.
#pragma once

namespace aimcsim {

// Clamps x to [-limit, limit] (NaN goes to -limit, so garbage never overflows a
// conversion) and rounds half away from zero, like std::lround.
inline int round_clamp(double x, double limit) {
    if (!(x >= -limit)) x = -limit;
    if (x > limit) x = limit;
    return x >= 0.0 ? static_cast<int>(x + 0.5) : -static_cast<int>(-x + 0.5);
}

}  // namespace aimcsim
