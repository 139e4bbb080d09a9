#include "src/core/small_gemm.h"

#include "src/core/simd_clones.h"

#if defined(AIMCSIM_AVX512_DISPATCH)
#include <immintrin.h>

namespace aimcsim {

namespace {

// Columns [j, j + 32) of the product for N vectors: 2 N sums of 16 lanes in registers
// (N <= 12 keeps them, the two weight vectors and a broadcast within the 32 registers).
// `tail` masks the columns past cols in the last block.
template <int N>
__attribute__((target("avx512f"))) void column_block(const float* x, int ldx, const float* w, int k, int cols,
                                                     float alpha, float* y, int ldy, __mmask16 m0, __mmask16 m1) {
    __m512 acc[N][2];
    for (int i = 0; i < N; ++i) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
    for (int r = 0; r < k; ++r, w += cols) {
        const __m512 w0 = _mm512_maskz_loadu_ps(m0, w);
        const __m512 w1 = _mm512_maskz_loadu_ps(m1, w + 16);
        for (int i = 0; i < N; ++i) {
            const __m512 xi = _mm512_set1_ps(x[static_cast<std::size_t>(i) * ldx + r]);
            acc[i][0] = _mm512_fmadd_ps(xi, w0, acc[i][0]);
            acc[i][1] = _mm512_fmadd_ps(xi, w1, acc[i][1]);
        }
    }
    const __m512 a = _mm512_set1_ps(alpha);
    for (int i = 0; i < N; ++i) {
        float* yi = y + static_cast<std::size_t>(i) * ldy;
        _mm512_mask_storeu_ps(yi, m0, _mm512_mul_ps(acc[i][0], a));
        _mm512_mask_storeu_ps(yi + 16, m1, _mm512_mul_ps(acc[i][1], a));
    }
}

// Lanes [0, count) of 16 set (count clamped to 0..16).
__mmask16 first_lanes(int count) {
    if (count <= 0) return 0;
    return count >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << count) - 1u);
}

template <int N>
void product(const float* x, int ldx, const float* w, int k, int cols, float alpha, float* y, int ldy) {
    for (int j = 0; j < cols; j += 32)
        column_block<N>(x, ldx, w + j, k, cols, alpha, y + j, ldy, first_lanes(cols - j), first_lanes(cols - j - 16));
}

using Product = void (*)(const float*, int, const float*, int, int, float, float*, int);
constexpr Product kProducts[kSmallGemmRows] = {product<1>, product<2>, product<3>, product<4>,
                                               product<5>, product<6>, product<7>, product<8>,
                                               product<9>, product<10>, product<11>, product<12>};

}  // namespace

bool small_gemm(const float* x, int n, int ldx, const float* w, int k, int cols, float alpha, float* y, int ldy) {
    if (n < 1 || n > kSmallGemmRows || !cpu_has_avx512dq()) return false;
    kProducts[n - 1](x, ldx, w, k, cols, alpha, y, ldy);
    return true;
}

}  // namespace aimcsim

#else

namespace aimcsim {
bool small_gemm(const float*, int, int, const float*, int, int, float, float*, int) { return false; }
}  // namespace aimcsim

#endif
