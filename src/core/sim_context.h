// SystemC allows one elaboration per simulation context. Each run (and each test)
// starts from a fresh context so that several simulations can live in one process.
#pragma once

namespace aimcsim {

// A new SystemC context for the next elaboration (also restore_sanitizer_stack()).
void fresh_sim_context();

// sc_start() followed by restore_sanitizer_stack(): use it instead of sc_start().
void sim_start();

// Tells AddressSanitizer again which stack the calling thread runs on; nothing
// without ASan. Debian's SystemC 2.3.4 announces its coroutine switches to ASan
// incompletely: a switch back to the main coroutine is announced as a stack at
// nullptr of size 0 (it never records the main stack's bounds), and abort() (a
// finished SC_THREAD) is not announced at all. After sc_start() returns, ASan
// therefore believes the thread's stack is [0, 0) (or a dead coroutine's), so
// every later throw's __asan_handle_no_return() ("ignoring requested
// __asan_handle_no_return: ... top: 0x000000000000") leaves the unwound frames'
// redzones poisoned, and the next throw's own sigaltstack() call lands on them: a
// false stack-use-after-scope in __interceptor_sigaltstack. Call this on the
// thread's own stack (not inside a SystemC process) after every sc_start().
void restore_sanitizer_stack();

// Calls restore_sanitizer_stack() when it goes out of scope, also on an exception:
// wrap a call that runs sc_start() where that call cannot be changed.
struct SanitizerStackRestore {
    SanitizerStackRestore() = default;
    SanitizerStackRestore(const SanitizerStackRestore&) = delete;
    SanitizerStackRestore& operator=(const SanitizerStackRestore&) = delete;
    ~SanitizerStackRestore() { restore_sanitizer_stack(); }
};

}  // namespace aimcsim
