// SystemC runs and AddressSanitizer: after sim_start() ASan must know the thread's
// stack again (src/core/sim_context.h says why Debian's SystemC 2.3.4 loses it), so
// that exceptions thrown after a simulation neither give false reports nor hide real
// ones. Without ASan only the simulation part runs.
#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>
#include <systemc>

#include "src/core/sim_context.h"
#include "test_support.h"

#if defined(__SANITIZE_ADDRESS__)
#define AIMCSIM_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define AIMCSIM_TEST_ASAN 1
#endif
#endif
#ifdef AIMCSIM_TEST_ASAN
#include <sanitizer/asan_interface.h>
#endif

namespace {

// One SC_THREAD that finishes (SystemC leaves it through the unannounced abort())
// and one that is still waiting when the simulation runs out of events.
struct Ticker : sc_core::sc_module {
    int finished_ticks = 0, waiting_ticks = 0;
    sc_core::sc_event never;
    SC_HAS_PROCESS(Ticker);
    explicit Ticker(const sc_core::sc_module_name& name) : sc_core::sc_module(name) {
        SC_THREAD(finishes);
        SC_THREAD(waits_forever);
    }
    void finishes() {
        for (int i = 0; i < 5; ++i) {
            wait(1, sc_core::SC_NS);
            ++finished_ticks;
        }
    }
    void waits_forever() {
        for (int i = 0; i < 3; ++i) {
            wait(2, sc_core::SC_NS);
            ++waiting_ticks;
        }
        wait(never);
    }
};

// What ASan makes of an address in the caller's frame: "stack" when it knows the
// thread's stack, "heap-invalid" when its stack bounds are wrong.
[[maybe_unused]] std::string asan_kind_of_frame() {
#ifdef AIMCSIM_TEST_ASAN
    char name[64];
    void* region = nullptr;
    size_t size = 0;
    const char* kind = __asan_locate_address(__builtin_frame_address(0), name, sizeof name, &region, &size);
    return kind != nullptr ? kind : "";
#else
    return "stack";
#endif
}

int throw_and_catch(int depth) {
    // Frames with locals whose redzones an unwinding exception leaves poisoned when
    // ASan cannot clean the stack.
    volatile char buf[64] = {};
    buf[depth % 64] = static_cast<char>(depth);
    if (depth == 0) throw std::runtime_error("deep");
    try {
        return throw_and_catch(depth - 1) + buf[depth % 64];
    } catch (const std::runtime_error&) {
        if (depth % 3 == 0) throw;
        return depth;
    }
}

}  // namespace

TEST_CASE("sim_start: ASan knows the stack after a SystemC run, and exceptions after it are clean", "[sim_context]") {
    test::fresh_systemc_context();
    Ticker t("ticker");
    aimcsim::sim_start();
    CHECK(t.finished_ticks == 5);
    CHECK(t.waiting_ticks == 3);
    CHECK(asan_kind_of_frame() == "stack");
    // Throws after the run (as a bad dataset after a chip simulation does): with a
    // wrong stack in ASan these gave a false stack-use-after-scope in sigaltstack.
    for (int i = 0; i < 20; ++i) CHECK_NOTHROW(throw_and_catch(10 + i % 5));
    CHECK_THROWS_AS(throw_and_catch(0), std::runtime_error);
}

TEST_CASE("sim_context: plain sc_start() loses ASan's stack, restore_sanitizer_stack() brings it back",
          "[sim_context]") {
    test::fresh_systemc_context();
    Ticker t("ticker");
    sc_core::sc_start();
    [[maybe_unused]] const std::string after_sc_start = asan_kind_of_frame();
    aimcsim::restore_sanitizer_stack();
    CHECK(asan_kind_of_frame() == "stack");
#ifdef AIMCSIM_TEST_ASAN
    // The reason for sim_start(): Debian's SystemC 2.3.4 leaves ASan with a wrong
    // stack. Only a warning, so that a fixed SystemC does not fail the suite.
    if (after_sc_start == "stack") WARN("SystemC now tells ASan the main stack itself: sim_start() may be unnecessary");
#endif
    // Calling it again, or on a stack ASan already knows, changes nothing.
    aimcsim::restore_sanitizer_stack();
    CHECK(asan_kind_of_frame() == "stack");
}
