// Function multiversioning for the hot loops of the analog evaluation: the library is
// built for baseline x86-64 (it runs on any 64-bit PC), and a loop marked with
// AIMCSIM_SIMD_CLONES also gets an AVX2 copy and an x86-64-v4 (AVX-512) copy, the widest
// the CPU has chosen once at load time. All copies do the same IEEE operations in the
// same order (the library is built with -ffp-contract=off: nothing becomes an FMA), hence
// the same bits.
#pragma once

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define AIMCSIM_SIMD_CLONES __attribute__((target_clones("arch=x86-64-v4", "avx2", "default")))
#else
#define AIMCSIM_SIMD_CLONES
#endif

#if defined(__x86_64__) && defined(__GNUC__)
// Loops written with AVX2 intrinsics in a target("avx2") function, called where the CPU has
// AVX2: whether it does, asked once.
#define AIMCSIM_AVX2_DISPATCH 1
inline bool cpu_has_avx2() {
    static const bool has = [] {
        __builtin_cpu_init();  // (this may run before libgcc's own initialiser)
        return __builtin_cpu_supports("avx2") != 0;
    }();
    return has;
}
// Where AVX-512F and DQ (64-bit lane multiplies) are there too, and the OS saves their
// registers (gcc's __builtin_cpu_supports checks XCR0 for it).
#define AIMCSIM_AVX512_DISPATCH 1
inline bool cpu_has_avx512dq() {
    static const bool has = [] {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512f") != 0 && __builtin_cpu_supports("avx512dq") != 0;
    }();
    return has;
}
#else
inline bool cpu_has_avx2() { return false; }
inline bool cpu_has_avx512dq() { return false; }
#endif
