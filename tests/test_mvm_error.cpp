// MVM error metrics on small cases worked out by hand, and the mvm_random workload's
// distributions and sparsities.
#include <catch2/catch.hpp>

#include <cmath>

#include "aimcsim/core/config.h"
#include "src/functional/mvm_error.h"
#include "src/import/mvm_workload.h"

using namespace aimcsim;

TEST_CASE("mvm error: one input, one output, two MVMs by hand", "[mvm_error]") {
    // W = 2: x = 1, 2 -> y_fp = 2, 4; measured y = 3, 4.
    const MvmErrorMetrics m = mvm_error_metrics({1, 2}, {3, 4}, {2, 4}, 2, 1, 1, 4.0);
    CHECK(m.relative_rms == Approx(std::sqrt(1.0 / 20.0)));  // sqrt((1 + 0) / (4 + 16))
    CHECK(m.relative_l2 == Approx(0.25));                    // (1/2 + 0/4) / 2
    // W_hat = sum x y / sum x^2 = (3 + 8) / 5 = 2.2: fit 2.2, 4.4.
    REQUIRE(m.linear_relative_l2);
    REQUIRE(m.residual_relative_l2);
    CHECK(*m.linear_relative_l2 == Approx(0.1));     // (0.2/2 + 0.4/4) / 2
    CHECK(*m.residual_relative_l2 == Approx(0.25));  // (0.8/2 + 0.4/4) / 2
    // Errors / full scale: 0.25, 0; sample std = 0.125 sqrt(2).
    CHECK(m.std_full_scale == Approx(0.125 * std::sqrt(2.0)));
}

TEST_CASE("mvm error: a purely linear error is all linear, no residual", "[mvm_error]") {
    // W = identity (2x2); the tile realises diag(1.1, 0.9) exactly.
    const std::vector<double> x = {1, 0, 0, 1, 1, 1};
    const std::vector<double> y_fp = x;
    const std::vector<double> y = {1.1, 0, 0, 0.9, 1.1, 0.9};
    const std::vector<double> w_hat = least_squares_weights(x, y, 3, 2, 2);
    REQUIRE(w_hat.size() == 4);
    CHECK(w_hat[0] == Approx(1.1));
    CHECK(w_hat[1] == Approx(0.0).margin(1e-12));
    CHECK(w_hat[2] == Approx(0.0).margin(1e-12));
    CHECK(w_hat[3] == Approx(0.9));
    const MvmErrorMetrics m = mvm_error_metrics(x, y, y_fp, 3, 2, 2, 1.0);
    CHECK(m.relative_l2 == Approx(0.1));  // 0.1/1, 0.1/1, sqrt(0.02)/sqrt(2)
    CHECK(*m.linear_relative_l2 == Approx(0.1));
    CHECK(*m.residual_relative_l2 == Approx(0.0).margin(1e-9));
    // Errors 0.1, 0, 0, -0.1, 0.1, -0.1: mean 0, sample std sqrt(0.04 / 5).
    CHECK(m.std_full_scale == Approx(std::sqrt(0.04 / 5.0)));
}

TEST_CASE("mvm error: no fit without enough MVMs or with an input that is always 0", "[mvm_error]") {
    const MvmErrorMetrics few = mvm_error_metrics({1, 2, 3, 4}, {1, 1}, {1, 1}, 2, 2, 1, 1.0);
    CHECK_FALSE(few.linear_relative_l2);
    CHECK_FALSE(few.residual_relative_l2);
    CHECK(least_squares_weights({1, 0, 2, 0, 3, 0}, {1, 2, 3}, 3, 2, 1).empty());
    // An MVM whose exact product is 0 is left out of the per-MVM mean.
    const MvmErrorMetrics zero = mvm_error_metrics({0, 1}, {0.5, 1.5}, {0, 1}, 2, 1, 1, 1.0);
    CHECK(zero.relative_l2 == Approx(0.5));
}

namespace {
MvmWorkload workload(const std::string& yaml) {
    return MvmWorkload::from(MvmWorkload::schema().parse(ConfigNode::parse_yaml(yaml, "w.yaml"), {}), 256, 256);
}
}  // namespace

TEST_CASE("mvm_random: sparsities zero a fraction and keep the other values, distributions", "[mvm_error]") {
    const MvmWorkload dense = workload("kind: mvm_random\n");
    const MvmWorkload sparse = workload("kind: mvm_random\nweight_sparsity: 0.3\ninput_sparsity: 0.3\n");
    const std::vector<float> wd = dense.weights(3), ws = sparse.weights(3);
    double zeros = 0;
    for (std::size_t i = 0; i < wd.size(); ++i) {
        if (ws[i] == 0.0F)
            ++zeros;
        else
            REQUIRE(ws[i] == wd[i]);
    }
    const double n = static_cast<double>(wd.size());
    CHECK(std::abs(zeros / n - 0.3) < 5.0 * std::sqrt(0.3 * 0.7 / n));
    double in_zeros = 0, in_n = 0;
    for (int k = 0; k < 200; ++k) {
        const auto xd = dense.inputs(3, k, 127), xs = sparse.inputs(3, k, 127);
        for (std::size_t i = 0; i < xd.size(); ++i) {
            ++in_n;
            if (xs[i] == 0)
                ++in_zeros;
            else
                REQUIRE(xs[i] == xd[i]);
        }
    }
    // A dense code is itself 0 with probability 1/255.
    const double p = 0.3 + 0.7 / 255.0;
    CHECK(std::abs(in_zeros / in_n - p) < 5.0 * std::sqrt(p * (1 - p) / in_n));

    const MvmWorkload pos = workload("input_distribution: uniform_positive\nweight_distribution: normal\n");
    double s2 = 0;
    for (int k = 0; k < 20; ++k) {
        for (auto v : pos.inputs(1, k, 127)) REQUIRE(v >= 0);
    }
    const std::vector<float> wn = pos.weights(1);
    for (float v : wn) {
        REQUIRE(std::abs(v) <= 1.0F);
        s2 += static_cast<double>(v) * v;
    }
    // Z/3 clipped to [-1, 1]: E[X^2] = (1/9)(2 Phi(3) - 1 - 6 phi(3)) + P(|Z| > 3)
    // = (0.99730 - 0.02659) / 9 + 0.00270 = 0.11056; SE of the mean of 65536 squares < 0.0006.
    const double var = s2 / static_cast<double>(wn.size());
    CHECK(var == Approx(0.11056).margin(0.003));
    CHECK_THROWS(workload("input_sparsity: 1.5\n"));
    CHECK_THROWS(workload("weight_distribution: cauchy\n"));
}
