// keyed_normals()' streams eight to a vector on CPUs with AVX-512F and DQ: each SplitMix64
// step of the seeding gives one state word of eight streams (native 64-bit multiplies),
// xoshiro256** steps them with native rotates, and one draw gives sixteen values, their
// strata's {base, slope} fetched by sixteen 8-byte loads. The values are normals_f32()'s,
// bit for bit: the same integer steps, then base + position * slope as a multiply and an
// add, each rounded.
#include "src/core/normal_lanes.h"
#include "src/core/lane_steps.h"
#include "src/core/simd_clones.h"

#if defined(AIMCSIM_AVX512_DISPATCH)
#include <immintrin.h>

// Every intrinsic below that has a zero-masked form is used in it, with a full mask: gcc
// 12's plain forms start from an "undefined" vector that its link-time optimiser reports
// as uninitialised.
#define AIMCSIM_AVX512 __attribute__((target("avx512f,avx512dq")))

namespace aimcsim {

namespace {

constexpr __mmask8 kAll8 = 0xFF;

AIMCSIM_AVX512 inline __m512i shl(__m512i x, unsigned k) { return _mm512_maskz_slli_epi64(kAll8, x, k); }
// The rotate count is an immediate (clang insists on a constant), hence the template.
template <int K>
AIMCSIM_AVX512 inline __m512i rol(__m512i x) { return _mm512_maskz_rol_epi64(kAll8, x, K); }
AIMCSIM_AVX512 inline __m512i xor_shift(__m512i x, unsigned k) {  // x ^ (x >> k)
    return _mm512_xor_si512(x, _mm512_maskz_srli_epi64(kAll8, x, k));
}

// SplitMix64 (Rng::splitmix) in eight 64-bit lanes.
AIMCSIM_AVX512 inline __m512i splitmix8(__m512i x) {
    x = _mm512_add_epi64(x, _mm512_set1_epi64(static_cast<long long>(0x9E3779B97F4A7C15ULL)));
    x = _mm512_mullo_epi64(xor_shift(x, 30), _mm512_set1_epi64(static_cast<long long>(0xBF58476D1CE4E5B9ULL)));
    x = _mm512_mullo_epi64(xor_shift(x, 27), _mm512_set1_epi64(static_cast<long long>(0x94D049BB133111EBULL)));
    return xor_shift(x, 31);
}

// Eight xoshiro256** streams in the lanes of four state vectors (w[i] = word i of each lane).
struct EightLanes {
    __m512i w[4];
};

// The states of 8 G streams, Rng(key, {ids[k]}) each; the G chains are independent, so
// stepped side by side their multiplies' latencies overlap.
template <int G>
AIMCSIM_AVX512 void seed(RngKeyPrefix key, const std::uint64_t* ids, EightLanes* g) {
    const __m512i salt = _mm512_set1_epi64(static_cast<long long>(Rng::kIdSalt));
    const __m512i hash = _mm512_set1_epi64(static_cast<long long>(key.hash));
    __m512i h[G];
    for (int j = 0; j < G; ++j)  // Rng::mix_id(key.hash, id)
        h[j] = splitmix8(_mm512_xor_si512(hash, _mm512_add_epi64(_mm512_loadu_si512(ids + 8 * j), salt)));
    for (int w = 0; w < 4; ++w) {
        for (int j = 0; j < G; ++j) g[j].w[w] = h[j] = splitmix8(h[j]);
    }
}

// Rng::next_u64() in every lane.
AIMCSIM_AVX512 inline __m512i next_draw(EightLanes& g) {
    // r = rotl(s1 * 5, 7) * 9, the multiplies as shifts and adds (exact mod 2^64).
    const __m512i rot = rol<7>(_mm512_add_epi64(shl(g.w[1], 2), g.w[1]));
    const __m512i r = _mm512_add_epi64(shl(rot, 3), rot);
    const __m512i t = shl(g.w[1], 17);
    g.w[2] = _mm512_xor_si512(g.w[2], g.w[0]);
    g.w[3] = _mm512_xor_si512(g.w[3], g.w[1]);
    g.w[1] = _mm512_xor_si512(g.w[1], g.w[2]);
    g.w[0] = _mm512_xor_si512(g.w[0], g.w[3]);
    g.w[2] = _mm512_xor_si512(g.w[2], t);
    g.w[3] = rol<45>(g.w[3]);
    return r;
}

// normals_f32()'s values of one draw of eight lanes, v[2l] and v[2l + 1] = lane l's two
// values in stream order (its low half, then its high half). Returns the halves in an
// outer stratum (bit 2l + h), the only ones with slope 0, whose values take_tails() must
// replace.
AIMCSIM_AVX512 inline __mmask16 interior_pairs(const Rng::StrataF32& t, __m512i r, float* v) {
    // Byte offsets of the strata in the table of 8-byte pairs, (u >> 17) & ~7, through
    // memory: sixteen scalar loads of them and of their {base, slope} pairs cost less
    // than two 8-wide gathers on the CPUs we measured.
    alignas(64) std::uint32_t offset[16];
    _mm512_store_si512(offset, _mm512_and_si512(_mm512_maskz_srli_epi32(0xFFFF, r, 17), _mm512_set1_epi32(~7)));
    const char* table = reinterpret_cast<const char*>(t.bounds);
    const auto pair = [&](int h) {  // {base, slope} of halves h and h + 1
        const __m128 lo = _mm_castpd_ps(_mm_load_sd(reinterpret_cast<const double*>(table + offset[h])));
        return _mm_loadh_pi(lo, reinterpret_cast<const __m64*>(table + offset[h + 1]));
    };
    __m512 low = _mm512_zextps128_ps512(pair(0)), high = _mm512_zextps128_ps512(pair(8));
    low = _mm512_insertf32x4(low, pair(2), 1);
    high = _mm512_insertf32x4(high, pair(10), 1);
    low = _mm512_insertf32x4(low, pair(4), 2);
    high = _mm512_insertf32x4(high, pair(12), 2);
    low = _mm512_insertf32x4(low, pair(6), 3);
    high = _mm512_insertf32x4(high, pair(14), 3);
    const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
    const __m512 base = _mm512_permutex2var_ps(low, even, high);
    const __m512 slope = _mm512_permutex2var_ps(low, _mm512_add_epi32(even, _mm512_set1_epi32(1)), high);
    const __m512 position = _mm512_maskz_cvtepi32_ps(0xFFFF, _mm512_and_si512(r, _mm512_set1_epi32(0xFFFFF)));
    // Rounding-mode forms: their builtins are never contracted into an FMA (AVX-512F has
    // one), so each rounds as interior_f32()'s multiply and add do.
    constexpr int kNearest = _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC;
    _mm512_store_ps(v, _mm512_maskz_add_round_ps(0xFFFF, base, _mm512_maskz_mul_round_ps(0xFFFF, position, slope, kNearest), kNearest));
    return _mm512_cmp_ps_mask(slope, _mm512_setzero_ps(), _CMP_EQ_OQ);
}

// The halves in `outer` take their exact tail draws (lane_steps::take_tails), the
// lanes' states through memory.
AIMCSIM_AVX512 void take_tails(EightLanes& g, __m512i r, unsigned outer, float* v) {
    alignas(64) std::uint64_t st[4][8];
    for (int w = 0; w < 4; ++w) _mm512_store_si512(st[w], g.w[w]);
    alignas(64) std::uint32_t halves[16];
    _mm512_store_si512(halves, r);
    lane_steps::take_tails<8>(st, halves, outer, v);
    for (int w = 0; w < 4; ++w) g.w[w] = _mm512_load_si512(st[w]);
}

// Four draws of eight lanes (d[i] = draw i, a lane's pair as one double) into the
// streams' rows, eight values each: pairs transposed by two rounds of shuffles.
AIMCSIM_AVX512 inline void store_rows(const float (*v)[16], float* out, std::size_t ld) {
    __m512d d[4];
    for (int i = 0; i < 4; ++i) d[i] = _mm512_castps_pd(_mm512_load_ps(v[i]));
    // t0 = d0[0] d1[0] | d0[2] d1[2] | ..., t1 = d0[1] d1[1] | ..., t2, t3 the same of d2, d3.
    const __m512d t0 = _mm512_maskz_unpacklo_pd(kAll8, d[0], d[1]), t1 = _mm512_maskz_unpackhi_pd(kAll8, d[0], d[1]);
    const __m512d t2 = _mm512_maskz_unpacklo_pd(kAll8, d[2], d[3]), t3 = _mm512_maskz_unpackhi_pd(kAll8, d[2], d[3]);
    // Lanes 2c and 2c + 1 of a pair of streams' rows: 128-bit chunks c of t0 (t1) and t2 (t3).
    const __m512i first = _mm512_set_epi64(11, 10, 3, 2, 9, 8, 1, 0);   // rows of lanes 0, 2 (1, 3)
    const __m512i second = _mm512_set_epi64(15, 14, 7, 6, 13, 12, 5, 4);  // rows of lanes 4, 6 (5, 7)
    const __m512d rows[4] = {_mm512_permutex2var_pd(t0, first, t2), _mm512_permutex2var_pd(t1, first, t3),
                             _mm512_permutex2var_pd(t0, second, t2), _mm512_permutex2var_pd(t1, second, t3)};
    static constexpr int kLane[4][2] = {{0, 2}, {1, 3}, {4, 6}, {5, 7}};
    for (int i = 0; i < 4; ++i) {
        _mm256_storeu_pd(reinterpret_cast<double*>(out + kLane[i][0] * ld), _mm512_maskz_extractf64x4_pd(0xF, rows[i], 0));
        _mm256_storeu_pd(reinterpret_cast<double*>(out + kLane[i][1] * ld), _mm512_maskz_extractf64x4_pd(0xF, rows[i], 1));
    }
}

// The values of 8 G seeded streams, G groups of eight lanes stepped together (the groups'
// gathers overlap). Four draws are kept, then stored by store_rows().
template <int G>
AIMCSIM_AVX512 void draw(EightLanes* g, int count, float* out, std::size_t ld) {
    const Rng::StrataF32& t = Rng::strata_f32();
    alignas(64) float v[G][4][16];  // v[group][draw % 4][lane pair]
    const int draws = (count + 1) / 2;
    const int whole = count / 8 * 4;  // draws whose eight values per row fit in the row
    for (int i = 0; i < draws; ++i) {
        for (int j = 0; j < G; ++j) {
            const __m512i r = next_draw(g[j]);
            float* vi = v[j][i & 3];
            const unsigned outer = interior_pairs(t, r, vi);
            if (outer != 0) take_tails(g[j], r, outer, vi);
        }
        if (i < whole) {
            if ((i & 3) == 3) {
                for (int j = 0; j < G; ++j) store_rows(v[j], out + 8 * j * ld + 2 * (i - 3), ld);
            }
            continue;
        }
        for (int j = 0; j < G; ++j) lane_steps::store_pair<8>(v[j][i & 3], i, count, out + 8 * j * ld, ld);
    }
}

}  // namespace

int keyed_normals_avx512(RngKeyPrefix key, const std::uint64_t* ids, int m, int count, float* out, std::size_t ld) {
    if (!cpu_has_avx512dq()) return 0;
    EightLanes g[2];
    int k = 0;
    for (; k + 16 <= m; k += 16) {
        seed<2>(key, ids + k, g);
        draw<2>(g, count, out + static_cast<std::size_t>(k) * ld, ld);
    }
    for (; k + 8 <= m; k += 8) {
        seed<1>(key, ids + k, g);
        draw<1>(g, count, out + static_cast<std::size_t>(k) * ld, ld);
    }
    return k;
}

}  // namespace aimcsim

#else

namespace aimcsim {
int keyed_normals_avx512(RngKeyPrefix, const std::uint64_t*, int, int, float*, std::size_t) { return 0; }
}  // namespace aimcsim

#endif
