// A matrix product for few input vectors: y (n x cols, rows ldy apart) = alpha * x (n x k,
// rows ldx apart) * w (k x cols, row-major). OpenBLAS packs the whole of w into its panel
// layout on every call, which for a dozen vectors (a dense layer of a chunk of images)
// costs more than the products; this streams w once, straight from its rows, with every
// vector's sums of a block of columns in registers. Each sum is taken over k in order with
// fused multiply-adds: not sgemm's rounding, but the same on every run and thread count.
#pragma once

#include <cstddef>

namespace aimcsim {

// Vectors per call that small_gemm() takes.
constexpr int kSmallGemmRows = 12;

// The product above where n <= kSmallGemmRows and the CPU has AVX-512 (F and DQ, as the
// noise lanes ask); returns false (nothing written) elsewhere, for the caller to use sgemm.
bool small_gemm(const float* x, int n, int ldx, const float* w, int k, int cols, float alpha, float* y, int ldy);

}  // namespace aimcsim
