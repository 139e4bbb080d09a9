// Deterministic random streams. Every random draw in aimcsim comes from a stream
// keyed by (seed, purpose, ids...), never from shared state, so results are
// bit-identical whatever the thread count or the order in which work is done.
#pragma once

#include <cmath>
#include <cstdint>
#include <initializer_list>

namespace aimcsim {

// Purposes of streams; part of the key so two uses never share draws.
enum class Stream : std::uint64_t {
    Programming = 1,  // programming noise and drift exponents, per tile
    ReadNoise1f = 2,  // accumulated 1/f deviation, per tile and evaluation time
    AdcMismatch = 3,  // per-column gain/offset, per tile
    MvmNoise = 4,     // output-referred per-read noise, per tile and MVM
    Weights = 5,      // random weights of synthetic workloads
    Inputs = 6,       // random inputs of synthetic workloads
    Other = 7,
};

class Rng {
public:
    // Stream for (seed, purpose, ids...): SplitMix64 over the key, then xoshiro256**.
    Rng(std::uint64_t seed, Stream purpose, std::initializer_list<std::uint64_t> ids = {}) {
        std::uint64_t h = splitmix(seed ^ 0x9E3779B97F4A7C15ULL);
        h = splitmix(h ^ static_cast<std::uint64_t>(purpose));
        for (std::uint64_t id : ids) h = splitmix(h ^ (id + 0x632BE59BD9B4E019ULL));
        for (auto& s : s_) {
            h = splitmix(h);
            s = h;
        }
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

    // Standard normal by Box-Muller (cached pair), portable and reproducible.
    double normal() {
        if (has_spare_) {
            has_spare_ = false;
            return spare_;
        }
        double u1 = uniform();
        while (u1 <= 0.0) u1 = uniform();
        const double u2 = uniform();
        const double r = std::sqrt(-2.0 * std::log(u1));
        const double a = 6.283185307179586 * u2;
        spare_ = r * std::sin(a);
        has_spare_ = true;
        return r * std::cos(a);
    }

private:
    static std::uint64_t splitmix(std::uint64_t x) {
        x += 0x9E3779B97F4A7C15ULL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
        return x ^ (x >> 31);
    }
    static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

    std::uint64_t s_[4]{};
    double spare_ = 0.0;
    bool has_spare_ = false;
};

}  // namespace aimcsim
