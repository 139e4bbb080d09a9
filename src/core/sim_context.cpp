#include "src/core/sim_context.h"

#include <systemc>

#if defined(__SANITIZE_ADDRESS__)
#define AIMCSIM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define AIMCSIM_ASAN 1
#endif
#endif
#ifdef AIMCSIM_ASAN
#include <pthread.h>
#include <sanitizer/common_interface_defs.h>

#include <cstdint>
#endif

namespace aimcsim {

void fresh_sim_context() {
    // Elaboration after an earlier run in this process throws input errors too.
    restore_sanitizer_stack();
    // The old context is leaked on purpose: modules of a finished run may still
    // reference it until they are destroyed by their owners.
    sc_core::sc_curr_simcontext = new sc_core::sc_simcontext();
    sc_core::sc_default_global_context = sc_core::sc_curr_simcontext;
}

void sim_start() {
    const SanitizerStackRestore restore;
    sc_core::sc_start();
}

void restore_sanitizer_stack() {
#ifdef AIMCSIM_ASAN
    // The thread's own stack as the C library knows it (for the main thread: the
    // [stack] mapping and RLIMIT_STACK, as ASan computes it at start-up).
    pthread_attr_t attr;
    if (pthread_getattr_np(pthread_self(), &attr) != 0) return;
    void* bottom = nullptr;
    size_t size = 0;
    const bool known = pthread_attr_getstack(&attr, &bottom, &size) == 0;
    pthread_attr_destroy(&attr);
    // The frame, not a local: with detect_stack_use_after_return a local may live on ASan's fake stack.
    const auto sp = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
    const auto lo = reinterpret_cast<std::uintptr_t>(bottom);
    if (!known || sp < lo || sp >= lo + size) return;  // inside a coroutine: its switch said where
    // A "fiber switch" to the stack we are already on (sanitizer/common_interface_defs.h);
    // the fake stack of detect_stack_use_after_return is kept.
    void* fake_stack = nullptr;
    __sanitizer_start_switch_fiber(&fake_stack, bottom, size);
    __sanitizer_finish_switch_fiber(fake_stack, nullptr, nullptr);
#endif
}

}  // namespace aimcsim
