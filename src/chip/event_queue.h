// The schedule's queue of future events, in (cycle, sequence) order, as a calendar
// queue: a ring of per-cycle FIFOs covering [base, base + buckets), and lanes and a
// heap for the events further ahead. Pushes carry increasing sequence numbers and a
// cycle no earlier than that of the last pop, so the events of one cycle reach its FIFO
// in sequence order: the ones that waited beyond the ring move there, merged in order,
// as soon as their cycle enters the ring, before any later push can reach that FIFO.
//
// Beyond the ring, events wait in a few lanes, FIFOs each in (cycle, sequence) order,
// and a heap for the rest: the input pixels of a large image queue up on the first
// link for tens of thousands of cycles, and those packets' arrivals, one after the
// other, fill a lane at O(1) each instead of a heap of them all. The ring's FIFOs are
// linked lists in one pool of nodes (a freed node is reused at once, so it is still in
// cache), and a bitmap of the non-empty buckets finds the next event 64 cycles a step.
// The order is exactly a (cycle, sequence) heap's.
//
// E needs `std::uint64_t cycle`, `std::uint64_t seq` and operator> on (cycle, seq).
#pragma once

#include <cstdint>
#include <deque>
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

    EventQueue() : buckets_(kBuckets), bits_(kBuckets / 64, 0) {}

    [[nodiscard]] bool empty() const { return ring_events_ == 0 && far_events_ == 0; }
    [[nodiscard]] std::size_t size() const { return ring_events_ + far_events_; }

    void push(const E& e) {
        if (e.cycle < base_) throw std::logic_error("EventQueue: an event before the last one taken");
        const std::uint64_t ahead = e.cycle - base_;
        if (ahead >= kBuckets) {
            push_far(e);
            return;
        }
        append(e);
        if (ring_events_ == 1 || (first_ != kNone && e.cycle < first_)) first_ = e.cycle;
    }

    // Cycle of the earliest event, kNone when empty.
    [[nodiscard]] std::uint64_t next_cycle() const {
        if (ring_events_ == 0) {
            const E* f = far_front();
            return f ? f->cycle : kNone;
        }
        if (first_ == kNone) first_ = scan();
        return first_;
    }

    // Takes the earliest event (the queue must not be empty).
    E pop() {
        const std::uint64_t c = next_cycle();
        advance_to(c);
        const std::size_t i = c & kMask;
        Bucket& b = buckets_[i];
        const std::uint32_t n = b.head;
        const E e = nodes_[n].e;
        b.head = nodes_[n].next;
        nodes_[n].next = free_;
        free_ = n;
        --ring_events_;
        if (b.head == kNil) {
            bits_[i >> 6] &= ~(std::uint64_t{1} << (i & 63));
            first_ = kNone;  // found again by the next next_cycle()
        }
        return e;
    }

private:
    static constexpr std::uint64_t kBuckets = 4096;
    static constexpr std::uint64_t kMask = kBuckets - 1;
    static constexpr std::uint32_t kNil = std::numeric_limits<std::uint32_t>::max();
    struct Node {
        E e;
        std::uint32_t next;
    };
    struct Bucket {
        std::uint32_t head = kNil, tail = kNil;
    };

    void append(const E& e) {
        std::uint32_t n = free_;
        if (n == kNil) {
            n = static_cast<std::uint32_t>(nodes_.size());
            nodes_.push_back(Node{e, kNil});
        } else {
            free_ = nodes_[n].next;
            nodes_[n] = Node{e, kNil};
        }
        const std::size_t i = e.cycle & kMask;
        Bucket& b = buckets_[i];
        if (b.head == kNil) {
            b.head = n;
            bits_[i >> 6] |= std::uint64_t{1} << (i & 63);
        } else {
            nodes_[b.tail].next = n;
        }
        b.tail = n;
        ++ring_events_;
    }

    // The earliest non-empty bucket's cycle (there is one).
    [[nodiscard]] std::uint64_t scan() const {
        const std::size_t start = base_ & kMask;
        std::size_t w = start >> 6;
        std::uint64_t word = bits_[w] & (~std::uint64_t{0} << (start & 63));
        while (word == 0) {
            w = (w + 1) & (kBuckets / 64 - 1);
            word = bits_[w];
        }
        const std::size_t i = (w << 6) + static_cast<std::size_t>(__builtin_ctzll(word));
        return base_ + ((i - start) & kMask);
    }

    // A lane is a FIFO of events in (cycle, sequence) order: a stream of pushes whose
    // cycles do not fall (packets queued one after another on a link) costs O(1) each.
    // A deque: it grows and drains in small blocks, never copying the events it holds.
    struct Lane {
        std::deque<E> items;
        [[nodiscard]] bool empty() const { return items.empty(); }
    };
    static constexpr std::size_t kLanes = 4;

    // Beyond the ring: on the lane whose last event is the latest at or before e's cycle,
    // else on an empty lane, else on the heap.
    void push_far(const E& e) {
        ++far_events_;
        Lane* best = nullptr;
        Lane* spare = nullptr;
        for (Lane& l : lanes_) {
            if (l.empty()) {
                if (!spare) spare = &l;
            } else if (l.items.back().cycle <= e.cycle && (!best || l.items.back().cycle > best->items.back().cycle)) {
                best = &l;
            }
        }
        if (!best) best = spare;
        if (!best) {
            heap_.push(e);
            return;
        }
        best->items.push_back(e);
    }

    // The earliest event beyond the ring (its lane, or nullptr for the heap), nullptr if none.
    [[nodiscard]] const E* far_front(Lane** from = nullptr) const {
        const E* best = heap_.empty() ? nullptr : &heap_.top();
        Lane* lane = nullptr;
        for (const Lane& l : lanes_) {
            if (!l.empty() && (!best || *best > l.items.front())) {
                best = &l.items.front();
                lane = const_cast<Lane*>(&l);
            }
        }
        if (from) *from = lane;
        return best;
    }

    void drain_far() {
        while (far_events_ > 0) {
            Lane* lane = nullptr;
            const E* f = far_front(&lane);
            if (f->cycle - base_ >= kBuckets) return;
            append(*f);
            --far_events_;
            if (lane) {
                lane->items.pop_front();
            } else {
                heap_.pop();
            }
        }
    }

    // Moves the ring's window to start at cycle c (no event before it remains) and
    // brings the heap's events that now fall in the window into their FIFOs.
    void advance_to(std::uint64_t c) {
        if (c == base_) return;
        base_ = c;
        if (far_events_ > 0) {
            drain_far();
            first_ = kNone;
        }
    }

    std::vector<Node> nodes_;
    std::uint32_t free_ = kNil;  // free nodes, linked through next
    std::vector<Bucket> buckets_;
    std::vector<std::uint64_t> bits_;  // bit i: bucket i is not empty
    std::size_t ring_events_ = 0;
    std::uint64_t base_ = 0;
    mutable std::uint64_t first_ = kNone;  // the earliest non-empty bucket's cycle, kNone: unknown
    std::size_t far_events_ = 0;
    Lane lanes_[kLanes];
    std::priority_queue<E, std::vector<E>, std::greater<E>> heap_;
};

}  // namespace aimcsim
