// Many keyed normal streams at once: the per-read noise of a batch of MVMs, one stream
// per MVM. Stream k is Rng(key, {ids[k]}) and gets exactly the values its normals_f32()
// would give (same draws, same order, tails included), so a batch of MVMs draws the
// noise each MVM draws alone, whatever the batch. On x86-64 CPUs with AVX2 the streams
// run in the lanes of vector registers, eight at a time as two interleaved groups of four
// (integer xoshiro steps, each draw's two 32-bit halves as eight float lanes, the stratum
// bounds gathered, one multiply and one add per value as normals_f32() does: the same
// IEEE operations, so the same bits); elsewhere one stream after another.
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

// True when keyed_normals() runs streams in vector lanes on this CPU.
[[nodiscard]] bool keyed_normals_vectorised();

}  // namespace aimcsim
