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

// Four streams (ids[0..3]) in the lanes of the xoshiro256** state vectors.
__attribute__((target("avx2"))) void four_streams(RngKeyPrefix key, const std::uint64_t* ids, int count,
                                                   double* out, std::size_t ld) {
    alignas(32) std::uint64_t st[4][4];  // st[word][lane]
    for (int l = 0; l < 4; ++l) {
        const Rng::State s = Rng(key, {ids[l]}).state();
        for (int w = 0; w < 4; ++w) st[w][l] = s.s[w];
    }
    __m256i s0 = _mm256_load_si256(reinterpret_cast<const __m256i*>(st[0]));
    __m256i s1 = _mm256_load_si256(reinterpret_cast<const __m256i*>(st[1]));
    __m256i s2 = _mm256_load_si256(reinterpret_cast<const __m256i*>(st[2]));
    __m256i s3 = _mm256_load_si256(reinterpret_cast<const __m256i*>(st[3]));
    const double* q = Rng::normal_quantiles();
    const __m256i mantissa = _mm256_set1_epi64x(static_cast<long long>((1ULL << 52) - 1));
    const __m256i one_bits = _mm256_set1_epi64x(0x3FF0000000000000LL);
    const __m256d one = _mm256_set1_pd(1.0);
    const __m256i first = _mm256_setzero_si256();
    const __m256i last = _mm256_set1_epi64x(Rng::kStrata - 1);
    double* o0 = out;
    double* o1 = out + ld;
    double* o2 = out + 2 * ld;
    double* o3 = out + 3 * ld;
    alignas(32) double v[4];
    for (int i = 0; i < count; ++i) {
        // r = rotl(s1 * 5, 7) * 9, the multiplies as shifts and adds (exact mod 2^64).
        const __m256i s1x5 = _mm256_add_epi64(_mm256_slli_epi64(s1, 2), s1);
        const __m256i rot = rotl(s1x5, 7);
        const __m256i r = _mm256_add_epi64(_mm256_slli_epi64(rot, 3), rot);
        const __m256i t = _mm256_slli_epi64(s1, 17);
        s2 = _mm256_xor_si256(s2, s0);
        s3 = _mm256_xor_si256(s3, s1);
        s1 = _mm256_xor_si256(s1, s2);
        s0 = _mm256_xor_si256(s0, s3);
        s2 = _mm256_xor_si256(s2, t);
        s3 = rotl(s3, 45);
        const __m256i k = _mm256_srli_epi64(r, 52);
        // frac = (r & (2^52 - 1)) * 2^-52, exactly: 1 + frac as a double's mantissa, minus 1.
        const __m256d frac =
            _mm256_sub_pd(_mm256_castsi256_pd(_mm256_or_si256(_mm256_and_si256(r, mantissa), one_bits)), one);
        const __m256d lo = _mm256_i64gather_pd(q, k, 8);
        const __m256d hi = _mm256_i64gather_pd(q + 1, k, 8);
        const __m256d z = _mm256_add_pd(lo, _mm256_mul_pd(frac, _mm256_sub_pd(hi, lo)));
        _mm256_store_pd(v, z);
        const int outer = _mm256_movemask_pd(
            _mm256_castsi256_pd(_mm256_or_si256(_mm256_cmpeq_epi64(k, first), _mm256_cmpeq_epi64(k, last))));
        if (outer != 0) {  // 1 draw in 2048: that lane's stream takes its exact tail draw
            _mm256_store_si256(reinterpret_cast<__m256i*>(st[0]), s0);
            _mm256_store_si256(reinterpret_cast<__m256i*>(st[1]), s1);
            _mm256_store_si256(reinterpret_cast<__m256i*>(st[2]), s2);
            _mm256_store_si256(reinterpret_cast<__m256i*>(st[3]), s3);
            alignas(32) std::uint64_t ks[4];
            _mm256_store_si256(reinterpret_cast<__m256i*>(ks), k);
            for (int l = 0; l < 4; ++l) {
                if ((outer >> l & 1) == 0) continue;
                Rng lane(Rng::State{{st[0][l], st[1][l], st[2][l], st[3][l]}});
                v[l] = lane.normal_outer(static_cast<unsigned>(ks[l]));
                const Rng::State s = lane.state();
                for (int w = 0; w < 4; ++w) st[w][l] = s.s[w];
            }
            s0 = _mm256_load_si256(reinterpret_cast<const __m256i*>(st[0]));
            s1 = _mm256_load_si256(reinterpret_cast<const __m256i*>(st[1]));
            s2 = _mm256_load_si256(reinterpret_cast<const __m256i*>(st[2]));
            s3 = _mm256_load_si256(reinterpret_cast<const __m256i*>(st[3]));
        }
        o0[i] = v[0];
        o1[i] = v[1];
        o2[i] = v[2];
        o3[i] = v[3];
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
        for (; k + 4 <= m; k += 4) four_streams(key, ids + k, count, out + static_cast<std::size_t>(k) * ld, ld);
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
