// Deterministic random streams. Every random draw in aimcsim comes from a stream
// keyed by (seed, purpose, ids...), never from shared state, so results are
// bit-identical whatever the thread count or the order in which work is done.
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <initializer_list>

namespace aimcsim {

// The purpose of a stream, part of its key so two uses never share draws. Core
// names no purpose: the users name theirs in one table (aimcsim/random_streams.h),
// which keeps the numbers, and so every stream, as they were.
struct StreamId {
    std::uint64_t value = 0;
};

// A key hashed up to some of its ids: Rng(prefix, more_ids) is the stream of the
// full key, without hashing the shared part again (one stream per MVM is keyed by
// a fixed (seed, purpose, tile) prefix and the MVM's id).
struct RngKeyPrefix {
    std::uint64_t hash = 0;
};

class Rng {
public:
    // The strata of normal(): equal-probability slices of N(0, 1).
    static constexpr unsigned kStrata = 4096;
    // Added to an id before it is folded into a key (mix_id), public for the vector lanes.
    static constexpr std::uint64_t kIdSalt = 0x632BE59BD9B4E019ULL;

    // Stream for (seed, purpose, ids...): SplitMix64 over the key, then xoshiro256**.
    Rng(std::uint64_t seed, StreamId purpose, std::initializer_list<std::uint64_t> ids = {})
        : Rng(prefix(seed, purpose, ids), {}) {}

    // The stream of (seed, purpose, prefix ids..., ids...) given prefix(seed, purpose, prefix ids).
    Rng(RngKeyPrefix key, std::initializer_list<std::uint64_t> ids) {
        std::uint64_t h = key.hash;
        for (std::uint64_t id : ids) h = mix_id(h, id);
        for (auto& s : s_) {
            h = splitmix(h);
            s = h;
        }
    }

    // The generator's state, for code that runs several streams side by side in the
    // lanes of a vector unit (src/core/normal_lanes.h): Rng(state()) continues this stream.
    struct State {
        std::uint64_t s[4];
    };
    explicit Rng(const State& st) {
        for (int i = 0; i < 4; ++i) s_[i] = st.s[i];
    }
    [[nodiscard]] State state() const { return State{{s_[0], s_[1], s_[2], s_[3]}}; }

    // The states of the streams Rng(key, {ids[i]}), i < n, eight at a time with their
    // SplitMix64 chains stepped side by side: one chain alone waits on each multiply's latency.
    static void keyed_states(RngKeyPrefix key, const std::uint64_t* ids, int n, State* out) {
        constexpr int kSide = 8;
        for (int i0 = 0; i0 < n; i0 += kSide, ids += kSide, out += kSide) {
            const int m = n - i0 < kSide ? n - i0 : kSide;
            std::uint64_t h[kSide];
            for (int i = 0; i < m; ++i) h[i] = mix_id(key.hash, ids[i]);
            for (int w = 0; w < 4; ++w) {
                for (int i = 0; i < m; ++i) out[i].s[w] = h[i] = splitmix(h[i]);
            }
        }
    }

    [[nodiscard]] static RngKeyPrefix prefix(std::uint64_t seed, StreamId purpose,
                                             std::initializer_list<std::uint64_t> ids = {}) {
        std::uint64_t h = splitmix(seed ^ 0x9E3779B97F4A7C15ULL);
        h = splitmix(h ^ purpose.value);
        for (std::uint64_t id : ids) h = mix_id(h, id);
        return RngKeyPrefix{h};
    }

    std::uint64_t next_u64() {
        const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
        const std::uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = rotl(s_[3], 45);
        return result;
    }

    // Uniform in [0, 1), 53 bits.
    double uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

    // Uniform integer in [lo, hi] (inclusive); small bias is irrelevant for our ranges.
    long long uniform_int(long long lo, long long hi) {
        const auto span = static_cast<std::uint64_t>(hi - lo + 1);
        return lo + static_cast<long long>(next_u64() % span);
    }

    // Standard normal, the hot path of every noise draw. The inverse CDF is split into
    // 4096 strata of equal probability: one 64-bit draw picks a stratum (12 bits) and a
    // position in it (52 bits), interpolated linearly between the stratum's quantiles.
    // The two outer strata (|z| > 3.49) are sampled exactly by Marsaglia's tail method.
    // Each stratum keeps its exact probability; inside it the density is flat, which
    // makes the variance 1 + 6.7e-5 (sigma 3.3e-5 high, the widest inner strata next to
    // the tails most). About 5x faster than Box-Muller.
    double normal() {
        const std::uint64_t r = next_u64();
        const unsigned k = static_cast<unsigned>(r >> 52);  // stratum 0..4095
        const double frac = static_cast<double>(r & ((1ULL << 52) - 1)) * 0x1.0p-52;
        if (k == 0 || k == kStrata - 1) return (k == 0 ? -1.0 : 1.0) * tail(quantiles()[1]);
        const double lo = quantiles()[k], hi = quantiles()[k + 1];
        return lo + frac * (hi - lo);
    }

    // Single-precision normals, two per 64-bit draw: the per-conversion noise of the
    // ADCs, the hottest draws of an evaluation. Each 32-bit half (the low one first) picks
    // one of normal()'s 4096 strata (its top 12 bits) and a position in it (20 bits),
    // interpolated in float between the stratum's bounds; the outer strata take the exact
    // tail draws, as normal() does. An odd n draws its last pair whole (tails included)
    // and drops the second value, so n values cost what n + 1 do: a read's windows each
    // take whole pairs, which lets a batch draw them as one run of even length.
    void normals_f32(float* out, std::size_t n) {
        const StrataF32& t = strata_f32();
        for (std::size_t i = 0; i < n; i += 2) {
            const std::uint64_t r = next_u64();
            out[i] = normal_f32(t, static_cast<std::uint32_t>(r));
            const float second = normal_f32(t, static_cast<std::uint32_t>(r >> 32));
            if (i + 1 < n) out[i + 1] = second;
        }
    }

    // normals_f32()'s table: stratum k as bounds[k] = {base, slope} with base = float(q[k])
    // and slope = float(q[k + 1] - q[k]) / 2^20, the step per unit of a half's 20-bit
    // position (zero for the outer strata 0 and kStrata - 1 alone); a pair is one 8-byte load.
    struct StrataF32 {
        float bounds[kStrata][2];
    };
    static const StrataF32& strata_f32() { return kStrataF32; }

    // normal() once its first draw has picked stratum k = 0 or kStrata - 1: the exact
    // tail draw (it takes further draws from this stream).
    double normal_outer(unsigned k) { return (k == 0 ? -1.0 : 1.0) * tail(quantiles()[1]); }

    // The strata's bounds: normal_quantiles()[k], k = 0..kStrata (entries 0 and kStrata
    // are unused by normal(), which samples the outer strata by normal_outer()).
    static const double* normal_quantiles() { return quantiles().data(); }

private:

    // quantiles()[k] = inverse normal CDF at k / 4096 (k = 1..4095): a generated table in
    // src/core/rng.cpp (scripts/gen_normal_quantiles.py). Computed here in the header, gcc
    // constant-evaluated the 4095 x 100 erfc bisections in every file that included it
    // (about 8 s of compile time each).
    static const std::array<double, kStrata + 1> kQuantiles;
    static const StrataF32 kStrataF32;
    static const std::array<double, kStrata + 1>& quantiles() { return kQuantiles; }

    // The value of a half u in an inner stratum: base + position * slope (a float multiply,
    // then an add) with stratum k = u >> 20 and position u & (2^20 - 1). Scaling by 2^-20
    // is exact, so this is base + f * float(q[k + 1] - q[k]) with f = position / 2^20.
    static float interior_f32(const StrataF32& t, std::uint32_t u) {
        const unsigned k = u >> 20;
        return t.bounds[k][0] + static_cast<float>(u & 0xFFFFFu) * t.bounds[k][1];
    }
    static bool is_outer(std::uint32_t u) { return (u >> 20) - 1u >= kStrata - 2; }
    // A half's normal: interpolated, or in an outer stratum the exact tail draw.
    float normal_f32(const StrataF32& t, std::uint32_t u) {
        return is_outer(u) ? static_cast<float>(normal_outer(u >> 20)) : interior_f32(t, u);
    }

    // One id folded into a key's hash (prefix(), the constructor, keyed_states()).
    static std::uint64_t mix_id(std::uint64_t h, std::uint64_t id) {
        return splitmix(h ^ (id + kIdSalt));
    }

    // |z| conditioned on |z| > a (a > 0), exactly (Marsaglia 1964).
    double tail(double a_neg) {
        const double a = -a_neg;
        for (;;) {
            double u1 = uniform();
            while (u1 <= 0.0) u1 = uniform();
            const double x = std::sqrt(a * a - 2.0 * std::log(u1));
            if (uniform() * x < a) return x;
        }
    }

    static std::uint64_t splitmix(std::uint64_t x) {
        x += 0x9E3779B97F4A7C15ULL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
        return x ^ (x >> 31);
    }
    static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

    std::uint64_t s_[4]{};
};

}  // namespace aimcsim
