// Data-parallel loops with results that never depend on the thread count: every item
// writes only its own result slot, whichever thread runs it.
#pragma once

#include <cstddef>
#include <functional>

namespace aimcsim {

// Number of worker threads for a `threads` setting (0: all cores).
[[nodiscard]] int resolve_threads(int threads);

// Runs fn(i) for i in [0, n) on up to resolve_threads(threads) threads: the caller and
// threads kept from call to call, which take the items one at a time (a nested call, or
// one made while another thread's loop holds the kept threads, starts threads of its own).
// The first exception thrown by any fn is rethrown here after all threads have stopped.
void parallel_for(std::size_t n, int threads, const std::function<void(std::size_t)>& fn);

}  // namespace aimcsim
