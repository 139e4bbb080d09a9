#include "src/core/normal_lanes.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define AIMCSIM_NORMAL_LANES_AVX2 1
#include <immintrin.h>
#endif

namespace aimcsim {

void keyed_normals_scalar(RngKeyPrefix key, const std::uint64_t* ids, int m, int count, double* out,
                          std::size_t ld) {
    for (int k = 0; k < m; ++k) {
        Rng rng(key, {ids[k]});
        rng.normals(out + static_cast<std::size_t>(k) * ld, static_cast<std::size_t>(count));
    }
}

#ifdef AIMCSIM_NORMAL_LANES_AVX2

namespace {

__attribute__((target("avx2"))) inline __m256i rotl(__m256i x, int k) {
    return _mm256_or_si256(_mm256_slli_epi64(x, k), _mm256_srli_epi64(x, 64 - k));
}

// The bounds q[k], q[k + 1] of the four lanes' strata: four 16-byte loads (cheaper than
// two gathers), then lo = (q[k0], q[k1], q[k2], q[k3]) and hi = the next entries.
__attribute__((target("avx2"))) inline void stratum_bounds(const double* q, __m256i k, __m256d& lo, __m256d& hi) {
    alignas(32) std::uint64_t ks[4];
    _mm256_store_si256(reinterpret_cast<__m256i*>(ks), k);
    const __m128d b0 = _mm_loadu_pd(q + ks[0]);
    const __m128d b1 = _mm_loadu_pd(q + ks[1]);
    const __m128d b2 = _mm_loadu_pd(q + ks[2]);
    const __m128d b3 = _mm_loadu_pd(q + ks[3]);
    const __m256d b02 = _mm256_insertf128_pd(_mm256_castpd128_pd256(b0), b2, 1);  // q0 q0' q2 q2'
    const __m256d b13 = _mm256_insertf128_pd(_mm256_castpd128_pd256(b1), b3, 1);  // q1 q1' q3 q3'
    lo = _mm256_unpacklo_pd(b02, b13);                                             // q0 q1 q2 q3
    hi = _mm256_unpackhi_pd(b02, b13);
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

__attribute__((target("avx2"))) inline FourLanes seed_lanes(RngKeyPrefix key, const std::uint64_t* ids) {
    alignas(32) std::uint64_t st[4][4];  // st[word][lane]
    for (int l = 0; l < 4; ++l) {
        const Rng::State s = Rng(key, {ids[l]}).state();
        for (int w = 0; w < 4; ++w) st[w][l] = s.s[w];
    }
    FourLanes g;
    for (int w = 0; w < 4; ++w) g.w[w] = _mm256_load_si256(reinterpret_cast<const __m256i*>(st[w]));
    return g;
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

// normal()'s value in every lane from its first draw r: stratum k = r >> 52, interpolated
// between the stratum's bounds; writes v[0..3] and returns the lanes in an outer stratum
// (1 draw in 2048: normal_outer() must replace their values).
__attribute__((target("avx2"))) inline int interior_normals(const double* q, __m256i r, __m256i& k, double* v) {
    const __m256i mantissa = _mm256_set1_epi64x(static_cast<long long>((1ULL << 52) - 1));
    const __m256i one_bits = _mm256_set1_epi64x(0x3FF0000000000000LL);
    k = _mm256_srli_epi64(r, 52);
    // frac = (r & (2^52 - 1)) * 2^-52, exactly: 1 + frac as a double's mantissa, minus 1.
    const __m256d frac = _mm256_sub_pd(_mm256_castsi256_pd(_mm256_or_si256(_mm256_and_si256(r, mantissa), one_bits)),
                                       _mm256_set1_pd(1.0));
    __m256d lo, hi;
    stratum_bounds(q, k, lo, hi);
    _mm256_store_pd(v, _mm256_add_pd(lo, _mm256_mul_pd(frac, _mm256_sub_pd(hi, lo))));
    const __m256i outer = _mm256_or_si256(_mm256_cmpeq_epi64(k, _mm256_setzero_si256()),
                                          _mm256_cmpeq_epi64(k, _mm256_set1_epi64x(Rng::kStrata - 1)));
    return _mm256_movemask_pd(_mm256_castsi256_pd(outer));
}

// The lanes in `outer` take their exact tail draws (further draws of their own streams).
__attribute__((target("avx2"))) void take_tails(FourLanes& g, __m256i k, int outer, double* v) {
    alignas(32) std::uint64_t st[4][4];
    for (int w = 0; w < 4; ++w) _mm256_store_si256(reinterpret_cast<__m256i*>(st[w]), g.w[w]);
    alignas(32) std::uint64_t ks[4];
    _mm256_store_si256(reinterpret_cast<__m256i*>(ks), k);
    for (int l = 0; l < 4; ++l) {
        if ((outer >> l & 1) == 0) continue;
        Rng lane(Rng::State{{st[0][l], st[1][l], st[2][l], st[3][l]}});
        v[l] = lane.normal_outer(static_cast<unsigned>(ks[l]));
        const Rng::State s = lane.state();
        for (int w = 0; w < 4; ++w) st[w][l] = s.s[w];
    }
    for (int w = 0; w < 4; ++w) g.w[w] = _mm256_load_si256(reinterpret_cast<const __m256i*>(st[w]));
}

// 4 G streams (ids[0..4G)), G groups of four lanes stepped together (two independent
// groups keep the core busy while one waits on its table loads). Draws are kept four
// at a time and transposed, so each stream's row is written a whole vector at once.
template <int G>
__attribute__((target("avx2"))) void lane_streams(RngKeyPrefix key, const std::uint64_t* ids, int count,
                                                   double* out, std::size_t ld) {
    FourLanes g[G];
    for (int j = 0; j < G; ++j) g[j] = seed_lanes(key, ids + 4 * j);
    const double* q = Rng::normal_quantiles();
    alignas(32) double v[G][4][4];  // v[group][draw % 4][lane]
    for (int i = 0; i < count; ++i) {
        for (int j = 0; j < G; ++j) {
            const __m256i r = next_draw(g[j]);
            __m256i k;
            double* vi = v[j][i & 3];
            const int outer = interior_normals(q, r, k, vi);
            if (outer != 0) take_tails(g[j], k, outer, vi);
        }
        if ((i & 3) != 3) continue;
        for (int j = 0; j < G; ++j) {
            const __m256d rows[4] = {_mm256_load_pd(v[j][0]), _mm256_load_pd(v[j][1]), _mm256_load_pd(v[j][2]),
                                     _mm256_load_pd(v[j][3])};
            __m256d cols[4];
            transpose4(rows, cols);
            for (int l = 0; l < 4; ++l) _mm256_storeu_pd(out + (4 * j + l) * ld + i - 3, cols[l]);
        }
    }
    for (int i = count & ~3; i < count; ++i) {  // the last count % 4 draws
        for (int j = 0; j < G; ++j) {
            for (int l = 0; l < 4; ++l) out[(4 * j + l) * ld + i] = v[j][i & 3][l];
        }
    }
}

bool has_avx2() {
    static const bool yes = __builtin_cpu_supports("avx2");
    return yes;
}

}  // namespace

bool keyed_normals_vectorised() { return has_avx2(); }

void keyed_normals(RngKeyPrefix key, const std::uint64_t* ids, int m, int count, double* out, std::size_t ld) {
    int k = 0;
    if (has_avx2()) {
        for (; k + 8 <= m; k += 8) lane_streams<2>(key, ids + k, count, out + static_cast<std::size_t>(k) * ld, ld);
        for (; k + 4 <= m; k += 4) lane_streams<1>(key, ids + k, count, out + static_cast<std::size_t>(k) * ld, ld);
    }
    keyed_normals_scalar(key, ids + k, m - k, count, out + static_cast<std::size_t>(k) * ld, ld);
}

#else

bool keyed_normals_vectorised() { return false; }

void keyed_normals(RngKeyPrefix key, const std::uint64_t* ids, int m, int count, double* out, std::size_t ld) {
    keyed_normals_scalar(key, ids, m, count, out, ld);
}

#endif

}  // namespace aimcsim
