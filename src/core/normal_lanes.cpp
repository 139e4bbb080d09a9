#include "src/core/normal_lanes.h"

#include <cstring>

#include "src/core/lane_steps.h"
#include "src/core/simd_clones.h"

#if defined(AIMCSIM_AVX2_DISPATCH)
#include <immintrin.h>
#endif

namespace aimcsim {

void keyed_normals_scalar(RngKeyPrefix key, const std::uint64_t* ids, int m, int count, float* out,
                          std::size_t ld) {
    for (int k = 0; k < m; ++k) {
        Rng rng(key, {ids[k]});
        rng.normals_f32(out + static_cast<std::size_t>(k) * ld, static_cast<std::size_t>(count));
    }
}

#if defined(AIMCSIM_AVX2_DISPATCH)

namespace {

__attribute__((target("avx2"))) inline __m256i rotl(__m256i x, int k) {
    return _mm256_or_si256(_mm256_slli_epi64(x, k), _mm256_srli_epi64(x, 64 - k));
}

// Rows r[0..3] (draw i..i+3 of lanes 0..3 each) into columns: c[l] = lane l's four draws.
__attribute__((target("avx2"))) inline void transpose4(const __m256d r[4], __m256d c[4]) {
    const __m256d t0 = _mm256_unpacklo_pd(r[0], r[1]);  // r0[0] r1[0] r0[2] r1[2]
    const __m256d t1 = _mm256_unpackhi_pd(r[0], r[1]);  // r0[1] r1[1] r0[3] r1[3]
    const __m256d t2 = _mm256_unpacklo_pd(r[2], r[3]);
    const __m256d t3 = _mm256_unpackhi_pd(r[2], r[3]);
    c[0] = _mm256_permute2f128_pd(t0, t2, 0x20);
    c[1] = _mm256_permute2f128_pd(t1, t3, 0x20);
    c[2] = _mm256_permute2f128_pd(t0, t2, 0x31);
    c[3] = _mm256_permute2f128_pd(t1, t3, 0x31);
}

// Four xoshiro256** streams in the lanes of four state vectors (w[i] = word i of each lane).
struct FourLanes {
    __m256i w[4];
};

// The states of 4 G streams, their seeding's chains interleaved (Rng::keyed_states) in
// scalar 64-bit multiplies: gcc's vectorised SplitMix64 emulated each with three 32-bit ones.
// (A gcc attribute; clang does not emulate the multiplies, and has no such attribute.)
#if defined(__clang__)
#define AIMCSIM_NO_VECTORIZE
#else
#define AIMCSIM_NO_VECTORIZE __attribute__((optimize("no-tree-vectorize", "no-tree-slp-vectorize")))
#endif
template <int G>
AIMCSIM_NO_VECTORIZE void seed_lanes(RngKeyPrefix key, const std::uint64_t* ids, FourLanes* g) {
    Rng::State s[4 * G];
    Rng::keyed_states(key, ids, 4 * G, s);
    alignas(32) std::uint64_t st[4][4];  // st[word][lane]
    for (int j = 0; j < G; ++j) {
        for (int l = 0; l < 4; ++l) {
            for (int w = 0; w < 4; ++w) st[w][l] = s[4 * j + l].s[w];
        }
        for (int w = 0; w < 4; ++w) std::memcpy(&g[j].w[w], st[w], sizeof st[w]);
    }
}

// Rng::next_u64() in every lane.
__attribute__((target("avx2"))) inline __m256i next_draw(FourLanes& g) {
    // r = rotl(s1 * 5, 7) * 9, the multiplies as shifts and adds (exact mod 2^64).
    const __m256i s1x5 = _mm256_add_epi64(_mm256_slli_epi64(g.w[1], 2), g.w[1]);
    const __m256i rot = rotl(s1x5, 7);
    const __m256i r = _mm256_add_epi64(_mm256_slli_epi64(rot, 3), rot);
    const __m256i t = _mm256_slli_epi64(g.w[1], 17);
    g.w[2] = _mm256_xor_si256(g.w[2], g.w[0]);
    g.w[3] = _mm256_xor_si256(g.w[3], g.w[1]);
    g.w[1] = _mm256_xor_si256(g.w[1], g.w[2]);
    g.w[0] = _mm256_xor_si256(g.w[0], g.w[3]);
    g.w[2] = _mm256_xor_si256(g.w[2], t);
    g.w[3] = rotl(g.w[3], 45);
    return r;
}

// The bounds {base, slope} of the strata of a draw's eight halves: eight 8-byte loads,
// paired into vectors and split by two shuffles (two vector gathers cost more on the
// CPUs we measured). The strata come out as byte offsets, two per 64-bit lane: scalar
// shifts take them apart, cheaper than eight 32-bit extracts.
__attribute__((target("avx2"))) inline void stratum_bounds(const Rng::StrataF32& t, __m256i r, __m256& base,
                                                           __m256& slope) {
    // Byte offset of stratum u >> 20 in the table of 8-byte pairs: (u >> 17) & ~7.
    const __m256i offsets = _mm256_and_si256(_mm256_srli_epi32(r, 17), _mm256_set1_epi32(~7));
    const __m128i low = _mm256_castsi256_si128(offsets), high = _mm256_extracti128_si256(offsets, 1);
    const std::uint64_t o01 = static_cast<std::uint64_t>(_mm_cvtsi128_si64(low));
    const std::uint64_t o23 = static_cast<std::uint64_t>(_mm_extract_epi64(low, 1));
    const std::uint64_t o45 = static_cast<std::uint64_t>(_mm_cvtsi128_si64(high));
    const std::uint64_t o67 = static_cast<std::uint64_t>(_mm_extract_epi64(high, 1));
    const char* table = reinterpret_cast<const char*>(t.bounds);
    const auto pair = [&](std::uint64_t two) {  // {base, slope} of the two halves of one lane
        const __m128 lo = _mm_castpd_ps(_mm_load_sd(reinterpret_cast<const double*>(table + (two & 0xFFFFFFFFu))));
        return _mm_loadh_pi(lo, reinterpret_cast<const __m64*>(table + (two >> 32)));
    };
    const __m256 y0 = _mm256_insertf128_ps(_mm256_castps128_ps256(pair(o01)), pair(o45), 1);  // b0 s0 b1 s1 | b4 s4 b5 s5
    const __m256 y1 = _mm256_insertf128_ps(_mm256_castps128_ps256(pair(o23)), pair(o67), 1);  // b2 s2 b3 s3 | b6 s6 b7 s7
    base = _mm256_shuffle_ps(y0, y1, _MM_SHUFFLE(2, 0, 2, 0));
    slope = _mm256_shuffle_ps(y0, y1, _MM_SHUFFLE(3, 1, 3, 1));
}

// normals_f32()'s values of one draw of four lanes, v[2l] and v[2l + 1] = lane l's two
// values in stream order (its low half, then its high half): base + position * slope as
// interior_f32() computes it (the 20-bit position converts to float exactly). Returns the
// halves in an outer stratum (bit 2l + h), the only ones with slope 0, whose values
// take_tails() must replace.
__attribute__((target("avx2"))) inline int interior_pairs(const Rng::StrataF32& t, __m256i r, float* v) {
    const __m256 position = _mm256_cvtepi32_ps(_mm256_and_si256(r, _mm256_set1_epi32(0xFFFFF)));
    __m256 base, slope;
    stratum_bounds(t, r, base, slope);
    _mm256_store_ps(v, _mm256_add_ps(base, _mm256_mul_ps(position, slope)));
    return _mm256_movemask_ps(_mm256_cmp_ps(slope, _mm256_setzero_ps(), _CMP_EQ_OQ));
}

// The halves in `outer` take their exact tail draws (lane_steps::take_tails), the
// lanes' states through memory.
__attribute__((target("avx2"))) void take_tails(FourLanes& g, __m256i r, int outer, float* v) {
    alignas(32) std::uint64_t st[4][4];
    for (int w = 0; w < 4; ++w) _mm256_store_si256(reinterpret_cast<__m256i*>(st[w]), g.w[w]);
    alignas(32) std::uint32_t halves[8];
    _mm256_store_si256(reinterpret_cast<__m256i*>(halves), r);
    lane_steps::take_tails<4>(st, halves, static_cast<unsigned>(outer), v);
    for (int w = 0; w < 4; ++w) g.w[w] = _mm256_load_si256(reinterpret_cast<const __m256i*>(st[w]));
}

// Four draws of G groups into the streams' rows: transposed (a lane's pair as one
// double), each row gets its eight values in one store.
template <int G>
__attribute__((target("avx2"))) inline void store_rows(const float (*v)[4][8], float* out, std::size_t ld) {
    for (int j = 0; j < G; ++j) {
        const __m256d rows[4] = {_mm256_castps_pd(_mm256_load_ps(v[j][0])), _mm256_castps_pd(_mm256_load_ps(v[j][1])),
                                 _mm256_castps_pd(_mm256_load_ps(v[j][2])), _mm256_castps_pd(_mm256_load_ps(v[j][3]))};
        __m256d cols[4];
        transpose4(rows, cols);
        for (int l = 0; l < 4; ++l) _mm256_storeu_ps(out + (4 * j + l) * ld, _mm256_castpd_ps(cols[l]));
    }
}

// The values of 4 G seeded streams, G groups of four lanes stepped together (two
// independent groups keep the core busy while one waits on its table loads). Each draw
// gives every lane two values; four draws are kept, then stored by store_rows().
template <int G>
__attribute__((target("avx2"))) void draw_lanes(FourLanes* g, int count, float* out, std::size_t ld) {
    const Rng::StrataF32& t = Rng::strata_f32();
    alignas(32) float v[G][4][8];  // v[group][draw % 4][lane pair]
    const int draws = (count + 1) / 2;
    const int whole = count / 8 * 4;  // draws whose eight values per row fit in the row
    for (int i = 0; i < draws; ++i) {
        for (int j = 0; j < G; ++j) {
            const __m256i r = next_draw(g[j]);
            float* vi = v[j][i & 3];
            const int outer = interior_pairs(t, r, vi);
            if (outer != 0) take_tails(g[j], r, outer, vi);
        }
        if (i < whole) {
            if ((i & 3) == 3) store_rows<G>(v, out + 2 * (i - 3), ld);
            continue;
        }
        for (int j = 0; j < G; ++j) lane_steps::store_pair<4>(v[j][i & 3], i, count, out + 4 * j * ld, ld);
    }
}

}  // namespace

int keyed_normals_avx2(RngKeyPrefix key, const std::uint64_t* ids, int m, int count, float* out, std::size_t ld) {
    if (!cpu_has_avx2()) return 0;
    const auto rows = [&](int first) { return out + static_cast<std::size_t>(first) * ld; };
    FourLanes g[2];
    int k = 0;
    for (; k + 8 <= m; k += 8) {
        seed_lanes<2>(key, ids + k, g);
        draw_lanes<2>(g, count, rows(k), ld);
    }
    for (; k + 4 <= m; k += 4) {
        seed_lanes<1>(key, ids + k, g);
        draw_lanes<1>(g, count, rows(k), ld);
    }
    return k;
}

#else

int keyed_normals_avx2(RngKeyPrefix, const std::uint64_t*, int, int, float*, std::size_t) { return 0; }

#endif

void keyed_normals(RngKeyPrefix key, const std::uint64_t* ids, int m, int count, float* out, std::size_t ld) {
    // The widest lanes first; each returns how many streams it drew.
    int k = keyed_normals_avx512(key, ids, m, count, out, ld);
    const auto rows = [&](int first) { return out + static_cast<std::size_t>(first) * ld; };
    k += keyed_normals_avx2(key, ids + k, m - k, count, rows(k), ld);
    keyed_normals_scalar(key, ids + k, m - k, count, rows(k), ld);
}

}  // namespace aimcsim
