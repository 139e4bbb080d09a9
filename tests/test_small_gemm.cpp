// small_gemm (src/core/small_gemm.h): the product of a few vectors and a row-major matrix,
// against the same sums in double with the worst-case bound of a float sum of k products
// taken in order with fused multiply-adds, and exactly where the sums are exact in float.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "src/core/simd_clones.h"
#include "src/core/small_gemm.h"

using namespace aimcsim;

TEST_CASE("small gemm: few vectors times a matrix within the rounding bound of k fused multiply-adds", "[gemm]") {
    if (!cpu_has_avx512dq()) {
        std::vector<float> x(4, 1.0F), w(4, 1.0F), y(4, 0.0F);
        CHECK_FALSE(small_gemm(x.data(), 1, 4, w.data(), 4, 1, 1.0F, y.data(), 1));
        return;  // elsewhere the callers use sgemm
    }
    // Column counts around the 16-lane vectors and 32-column blocks (masked tails), every
    // row count the kernel takes, strided inputs and outputs (ldx > k, ldy > cols) whose
    // gaps must stay untouched.
    const double u = std::ldexp(1.0, -24);  // unit roundoff of float
    for (int cols : {1, 10, 16, 17, 31, 32, 33, 128}) {
        for (int n = 1; n <= kSmallGemmRows; ++n) {
            const int k = 37 + 5 * n, ldx = k + 3, ldy = cols + 2;
            const float alpha = 0.75F;
            std::vector<float> x(static_cast<std::size_t>(n) * ldx), w(static_cast<std::size_t>(k) * cols);
            for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(std::sin(0.37 * i + n));
            for (std::size_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>(std::cos(0.11 * i + cols));
            std::vector<float> y(static_cast<std::size_t>(n) * ldy, -7.0F);
            REQUIRE(small_gemm(x.data(), n, ldx, w.data(), k, cols, alpha, y.data(), ldy));
            // |fl(sum) - sum| <= gamma_k sum |x w| (Higham, Accuracy and Stability, 3.1), then
            // one more rounding for the product by alpha.
            const double gamma = k * u / (1 - k * u);
            for (int i = 0; i < n; ++i) {
                for (int j = 0; j < ldy; ++j) {
                    const float got = y[static_cast<std::size_t>(i) * ldy + j];
                    INFO("cols " << cols << ", rows " << n << ", output " << i << ", column " << j);
                    if (j >= cols) {
                        REQUIRE(got == -7.0F);
                        continue;
                    }
                    double sum = 0.0, magnitude = 0.0;
                    for (int r = 0; r < k; ++r) {
                        const double p = static_cast<double>(x[static_cast<std::size_t>(i) * ldx + r]) *
                                         w[static_cast<std::size_t>(r) * cols + j];
                        sum += p;
                        magnitude += std::fabs(p);
                    }
                    const double want = alpha * sum;
                    REQUIRE(std::fabs(got - want) <= (1 + u) * alpha * gamma * magnitude + u * std::fabs(want));
                }
            }
        }
    }
    // Small integers: every product and partial sum is exact in float, so is the result.
    const int n = 11, k = 224, cols = 128;
    std::vector<float> x(static_cast<std::size_t>(n) * k), w(static_cast<std::size_t>(k) * cols);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(static_cast<int>(i % 15) - 7);
    for (std::size_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>(static_cast<int>(i % 9) - 4);
    std::vector<float> y(static_cast<std::size_t>(n) * cols);
    REQUIRE(small_gemm(x.data(), n, k, w.data(), k, cols, 1.0F, y.data(), cols));
    for (int i = 0; i < n; ++i) {
        for (int j = 0; j < cols; ++j) {
            long sum = 0;
            for (int r = 0; r < k; ++r)
                sum += static_cast<long>(x[static_cast<std::size_t>(i) * k + r]) *
                       static_cast<long>(w[static_cast<std::size_t>(r) * cols + j]);
            REQUIRE(y[static_cast<std::size_t>(i) * cols + j] == static_cast<float>(sum));
        }
    }
    // Outside its range it writes nothing and says so.
    CHECK_FALSE(small_gemm(x.data(), 0, k, w.data(), k, cols, 1.0F, y.data(), cols));
    CHECK_FALSE(small_gemm(x.data(), kSmallGemmRows + 1, k, w.data(), k, cols, 1.0F, y.data(), cols));
}
