// The schedule's queue of future events, in (cycle, sequence) order, as a calendar
// queue: a ring of kBuckets per-cycle FIFOs covering [base, base + kBuckets), and a
// heap for the events further ahead. Pushes carry increasing sequence numbers and a
// cycle no earlier than that of the last pop, so the events of one cycle reach its
// FIFO in sequence order: the ones that waited in the heap move there, in order, as
// soon as their cycle enters the ring, before any later push can reach that FIFO.
// Push and pop cost O(1) for events within the ring (the usual case: packets and
// results a few hundred cycles ahead) instead of the O(log n) of a heap of every
// event in flight, and the order is exactly a (cycle, sequence) heap's.
//
// E needs `std::uint64_t cycle`, `std::uint64_t seq` and operator> on (cycle, seq).
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <queue>
#include <stdexcept>
#include <vector>

namespace aimcsim {

template <typename E>
class EventQueue {
public:
    static constexpr std::uint64_t kNone = std::numeric_limits<std::uint64_t>::max();

    EventQueue() : ring_(kBuckets) {}

    [[nodiscard]] bool empty() const { return ring_events_ == 0 && far_.empty(); }
    [[nodiscard]] std::size_t size() const { return ring_events_ + far_.size(); }

    void push(const E& e) {
        if (e.cycle < base_) throw std::logic_error("EventQueue: an event before the last one taken");
        if (e.cycle - base_ >= kBuckets) {
            far_.push(e);
            return;
        }
        ring_[e.cycle & kMask].items.push_back(e);
        if (ring_events_ == 0 || (first_ != kNone && e.cycle < first_)) first_ = e.cycle;
        ++ring_events_;
    }

    // Cycle of the earliest event, kNone when empty.
    [[nodiscard]] std::uint64_t next_cycle() const {
        if (ring_events_ == 0) return far_.empty() ? kNone : far_.top().cycle;
        if (first_ == kNone) {
            std::uint64_t c = base_;
            while (ring_[c & kMask].empty()) ++c;
            first_ = c;
        }
        return first_;
    }

    // Takes the earliest event (the queue must not be empty).
    E pop() {
        const std::uint64_t c = next_cycle();
        advance_to(c);
        Bucket& b = ring_[c & kMask];
        const E e = b.items[b.head++];
        --ring_events_;
        if (b.empty()) {
            b.items.clear();
            b.head = 0;
            first_ = kNone;  // found again by the next next_cycle()
        }
        return e;
    }

private:
    static constexpr std::uint64_t kBuckets = 4096;
    static constexpr std::uint64_t kMask = kBuckets - 1;
    struct Bucket {
        std::vector<E> items;
        std::size_t head = 0;
        [[nodiscard]] bool empty() const { return head == items.size(); }
    };

    // Moves the ring's window to start at cycle c (no event before it remains) and
    // brings the heap's events that now fall in the window into their FIFOs.
    void advance_to(std::uint64_t c) {
        if (c == base_) return;
        base_ = c;
        while (!far_.empty() && far_.top().cycle - base_ < kBuckets) {
            ring_[far_.top().cycle & kMask].items.push_back(far_.top());
            ++ring_events_;
            far_.pop();
        }
        first_ = kNone;
    }

    std::vector<Bucket> ring_;
    std::size_t ring_events_ = 0;
    std::uint64_t base_ = 0;
    mutable std::uint64_t first_ = kNone;  // the earliest non-empty FIFO's cycle, kNone: unknown
    std::priority_queue<E, std::vector<E>, std::greater<E>> far_;
};

}  // namespace aimcsim
