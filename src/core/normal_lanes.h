// Many keyed normal streams at once: the per-read noise of a batch of MVMs, one stream
// per MVM. Stream k is Rng(key, {ids[k]}) and gets exactly the values its normals_f32()
// would give (same draws, same order, tails included), so a batch of MVMs draws the
// noise each MVM draws alone, whatever the batch. On x86-64 the streams run in the lanes
// of vector registers: eight to a vector with AVX-512F/DQ (normal_lanes_avx512.cpp), two
// interleaved groups of four with AVX2 (normal_lanes.cpp); integer xoshiro steps, each
// draw's two 32-bit halves as float lanes, one multiply and one add per value as
// normals_f32() does: the same IEEE operations, so the same bits. Elsewhere, and for the
// streams left over, one stream after another.
#pragma once

#include <cstddef>
#include <cstdint>

#include "aimcsim/core/rng.h"

namespace aimcsim {

// out[k * ld + i] = the i-th value of Rng(key, {ids[k]}).normals_f32(), for k < m and
// i < count (an odd count draws its last pair whole, as normals_f32() does).
void keyed_normals(RngKeyPrefix key, const std::uint64_t* ids, int m, int count, float* out, std::size_t ld);

// The same, one stream after another with Rng::normals_f32() (the reference, for tests).
void keyed_normals_scalar(RngKeyPrefix key, const std::uint64_t* ids, int m, int count, float* out,
                          std::size_t ld);

// keyed_normals() for the first streams of ids[0..m) in one kind of vector lanes, each
// returning how many streams it drew: multiples of eight where the CPU has AVX-512F and
// DQ, of four where it has AVX2, 0 elsewhere. (keyed_normals() calls them in turn; the
// tests call each.)
int keyed_normals_avx512(RngKeyPrefix key, const std::uint64_t* ids, int m, int count, float* out, std::size_t ld);
int keyed_normals_avx2(RngKeyPrefix key, const std::uint64_t* ids, int m, int count, float* out, std::size_t ld);

}  // namespace aimcsim
