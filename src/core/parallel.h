// Data-parallel loops with results that never depend on the thread count: work is
// split into contiguous chunks and every item writes only its own result slot.
#pragma once

#include <cstddef>
#include <functional>

namespace aimcsim {

// Number of worker threads for a `threads` setting (0: all cores).
[[nodiscard]] int resolve_threads(int threads);

// Runs fn(i) for i in [0, n) on up to resolve_threads(threads) threads. The first
// exception thrown by any fn is rethrown here after all threads have stopped.
void parallel_for(std::size_t n, int threads, const std::function<void(std::size_t)>& fn);

}  // namespace aimcsim
