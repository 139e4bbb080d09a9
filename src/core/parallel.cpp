#include "src/core/parallel.h"

#include <algorithm>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace aimcsim {

int resolve_threads(int threads) {
    if (threads > 0) return threads;
    const unsigned hw = std::thread::hardware_concurrency();
    return hw > 0 ? static_cast<int>(hw) : 1;
}

void parallel_for(std::size_t n, int threads, const std::function<void(std::size_t)>& fn) {
    const std::size_t workers = std::min<std::size_t>(static_cast<std::size_t>(resolve_threads(threads)), n);
    if (workers <= 1) {
        for (std::size_t i = 0; i < n; ++i) fn(i);
        return;
    }
    std::exception_ptr first_error;
    std::mutex error_mutex;
    std::vector<std::thread> pool;
    const std::size_t chunk = (n + workers - 1) / workers;
    for (std::size_t w = 0; w < workers; ++w) {
        pool.emplace_back([&, w] {
            try {
                for (std::size_t i = w * chunk; i < std::min(n, (w + 1) * chunk); ++i) fn(i);
            } catch (...) {
                std::lock_guard<std::mutex> lock(error_mutex);
                if (!first_error) first_error = std::current_exception();
            }
        });
    }
    for (auto& t : pool) t.join();
    if (first_error) std::rethrow_exception(first_error);
}

}  // namespace aimcsim
