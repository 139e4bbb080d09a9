// Many keyed normal streams at once: the per-read noise of a batch of MVMs, one stream
// per MVM. Stream k is Rng(key, {ids[k]}) and gets exactly the values its normals()
// would give (same draws, same order, tails included), so a batch of MVMs draws the
// noise each MVM draws alone, whatever the batch. On x86-64 CPUs with AVX2 the streams
// run in the lanes of vector registers, eight at a time as two interleaved groups of four
// (integer xoshiro steps, the stratum bounds loaded per lane, one multiply and one add
// per value as normal() does: the same IEEE operations, so the same bits); elsewhere one
// stream after another.
#pragma once

#include <cstddef>
#include <cstdint>

#include "aimcsim/core/rng.h"

namespace aimcsim {

// out[k * ld + i] = the i-th normal of stream Rng(key, {ids[k]}), for k < m and i < count.
void keyed_normals(RngKeyPrefix key, const std::uint64_t* ids, int m, int count, double* out, std::size_t ld);

// The same, one stream after another with Rng::normals() (the reference, for tests).
void keyed_normals_scalar(RngKeyPrefix key, const std::uint64_t* ids, int m, int count, double* out,
                          std::size_t ld);

// True when keyed_normals() runs streams in vector lanes on this CPU.
[[nodiscard]] bool keyed_normals_vectorised();

}  // namespace aimcsim
