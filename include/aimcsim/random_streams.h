// The purposes of aimcsim's random streams (core/rng.h keys a stream by seed, purpose
// and ids). One table, so two users never pick the same number; the numbers are those
// of the first release and must not change: every stream, and so every result, depends on them.
#pragma once

#include "aimcsim/core/rng.h"

namespace aimcsim {

struct Stream {
    static constexpr StreamId Programming{1};  // programming noise and drift exponents, per tile
    static constexpr StreamId ReadNoise1f{2};  // accumulated 1/f deviation, per tile and evaluation time
    static constexpr StreamId AdcMismatch{3};  // per-column gain/offset, per tile
    static constexpr StreamId MvmNoise{4};     // output-referred per-read noise, per tile and MVM
    static constexpr StreamId Weights{5};      // random weights of synthetic workloads
    static constexpr StreamId Inputs{6};       // random inputs of synthetic workloads
    static constexpr StreamId Other{7};
    static constexpr StreamId DeviceState{8};  // state a device model draws for itself (DeviceBlock), per tile
    static constexpr StreamId Training{9};     // in-memory training: initial weights, sample order, pulses, refresh
};

}  // namespace aimcsim
