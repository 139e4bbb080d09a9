#include "src/core/parallel.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
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

namespace {

// True on a pool worker and on a thread while it runs a loop on the pool: a
// parallel_for called from there gets threads of its own (the pool is taken).
thread_local bool inside_pool_loop = false;

// Threads kept from loop to loop: the evaluation runs one parallel_for per analog
// evaluation and per set_time, and fresh threads cost more than their start. A thread's
// thread-local scratch (the batched engine's buffers, grown once) lives as long as it
// does, so a kept thread does not fault in new pages at every loop.
// Items are handed out one at a time from a shared counter (the caller takes part):
// which thread runs an item never changes what it computes.
class Pool {
public:
    static Pool& instance() {
        static Pool* pool = new Pool;  // never destroyed: its threads wait until the process ends
        return *pool;
    }

    // Runs the loop on the caller and workers - 1 pool threads; false if the pool is busy
    // with another caller's loop.
    bool try_run(std::size_t n, std::size_t workers, const std::function<void(std::size_t)>& fn) {
        std::unique_lock<std::mutex> busy(submit_, std::try_to_lock);
        if (!busy.owns_lock()) return false;
        {
            std::lock_guard<std::mutex> lock(m_);
            while (threads_.size() < workers - 1) threads_.emplace_back([this] { serve(); });
            fn_ = &fn;
            n_ = n;
            next_.store(0);
            stop_.store(false);
            error_ = nullptr;
            slots_ = workers - 1;
            pending_ = workers - 1;
        }
        wake_.notify_all();
        inside_pool_loop = true;
        work();
        inside_pool_loop = false;
        std::unique_lock<std::mutex> lock(m_);
        done_.wait(lock, [&] { return pending_ == 0; });
        fn_ = nullptr;
        if (error_) std::rethrow_exception(error_);
        return true;
    }

private:
    void serve() {
        inside_pool_loop = true;
        for (;;) {
            std::unique_lock<std::mutex> lock(m_);
            wake_.wait(lock, [&] { return slots_ > 0; });
            --slots_;
            lock.unlock();
            work();
            lock.lock();
            if (--pending_ == 0) done_.notify_all();
        }
    }

    void work() {
        for (;;) {
            const std::size_t i = next_.fetch_add(1);
            if (i >= n_ || stop_.load()) return;
            try {
                (*fn_)(i);
            } catch (...) {
                std::lock_guard<std::mutex> lock(m_);
                if (!error_) error_ = std::current_exception();
                stop_.store(true);
            }
        }
    }

    std::mutex submit_;  // one loop at a time
    std::mutex m_;
    std::condition_variable wake_, done_;
    std::vector<std::thread> threads_;
    const std::function<void(std::size_t)>* fn_ = nullptr;
    std::size_t n_ = 0;
    std::atomic<std::size_t> next_{0};
    std::atomic<bool> stop_{false};
    std::exception_ptr error_;
    std::size_t slots_ = 0, pending_ = 0;
};

// Threads of its own for one loop, in contiguous shares (nested loops, or the pool busy).
void spawn_for(std::size_t n, std::size_t workers, const std::function<void(std::size_t)>& fn) {
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

}  // namespace

void parallel_for(std::size_t n, int threads, const std::function<void(std::size_t)>& fn) {
    const std::size_t workers = std::min<std::size_t>(static_cast<std::size_t>(resolve_threads(threads)), n);
    if (workers <= 1) {
        for (std::size_t i = 0; i < n; ++i) fn(i);
        return;
    }
    if (!inside_pool_loop && Pool::instance().try_run(n, workers, fn)) return;
    spawn_for(n, workers, fn);
}

}  // namespace aimcsim
