// The scalar steps that the vector lanes of keyed_normals() share, whatever their width
// (normal_lanes.cpp: four 64-bit lanes, AVX2; normal_lanes_avx512.cpp: eight). A draw of
// L lanes gives 2 L values, v[2l] and v[2l + 1] = lane l's low half, then its high half.
#pragma once

#include <cstddef>
#include <cstdint>

#include "aimcsim/core/rng.h"

namespace aimcsim::lane_steps {

// The halves in `outer` (bit 2l + h) take their exact tail draws, further draws of their
// lanes' own streams (st[w][l] = word w of lane l, stepped on), each lane's low half
// before its high half, as normals_f32() takes them; halves[] are the draw's 32-bit halves.
template <int L>
void take_tails(std::uint64_t (&st)[4][L], const std::uint32_t* halves, unsigned outer, float* v) {
    for (int l = 0; l < L; ++l) {
        if ((outer >> (2 * l) & 3U) == 0) continue;
        Rng lane(Rng::State{{st[0][l], st[1][l], st[2][l], st[3][l]}});
        for (int h = 2 * l; h < 2 * l + 2; ++h) {
            if (outer >> h & 1U) v[h] = static_cast<float>(lane.normal_outer(halves[h] >> 20));
        }
        const Rng::State s = lane.state();
        for (int w = 0; w < 4; ++w) st[w][l] = s.s[w];
    }
}

// Draw i's values of L lanes into their rows (lane l's at out + l ld) value by value: past
// the last whole eight values of a row, where a pair's second value is written only
// while 2 i + 1 < count.
template <int L> void store_pair(const float* v, int i, int count, float* out, std::size_t ld) {
    for (int l = 0; l < L; ++l) {
        float* row = out + static_cast<std::size_t>(l) * ld;
        row[2 * i] = v[2 * l];
        if (2 * i + 1 < count) row[2 * i + 1] = v[2 * l + 1];
    }
}

}  // namespace aimcsim::lane_steps
