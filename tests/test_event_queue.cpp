// The schedule's calendar queue (src/chip/event_queue.h) hands out events in exactly
// the (cycle, sequence) order of a plain heap, whatever mix of near pushes, rising
// streams far ahead (its lanes) and scattered far pushes (its heap) it gets.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <queue>
#include <random>
#include <stdexcept>
#include <vector>

#include "src/chip/event_queue.h"

using aimcsim::EventQueue;

namespace {

struct Ev {
    std::uint64_t cycle = 0;
    std::uint64_t seq = 0;
    bool operator>(const Ev& o) const { return cycle != o.cycle ? cycle > o.cycle : seq > o.seq; }
};

// Pops and pushes at random against a std::priority_queue; every pop must agree.
void check_against_heap(std::uint32_t seed, int streams, std::uint64_t far_span) {
    EventQueue<Ev> q;
    std::priority_queue<Ev, std::vector<Ev>, std::greater<Ev>> ref;
    std::mt19937_64 rng(seed);
    std::uint64_t seq = 0, now = 0;
    std::vector<std::uint64_t> stream_at(static_cast<std::size_t>(streams), 0);
    const auto push = [&](std::uint64_t cycle) {
        const Ev e{cycle, seq++};
        q.push(e);
        ref.push(e);
    };
    int popped = 0;
    for (int step = 0; step < 200000; ++step) {
        const auto roll = rng() % 100;
        if (roll < 40 && !ref.empty()) {
            REQUIRE(q.next_cycle() == ref.top().cycle);
            const Ev a = q.pop();
            const Ev b = ref.top();
            ref.pop();
            REQUIRE(a.cycle == b.cycle);
            REQUIRE(a.seq == b.seq);
            now = a.cycle;
            ++popped;
        } else if (roll < 70) {
            push(now + rng() % 300);  // near: in the ring
        } else if (roll < 90 && streams > 0) {
            // A rising stream far ahead (packets one after another on a busy link), ties included.
            std::uint64_t& at = stream_at[static_cast<std::size_t>(rng() % static_cast<std::uint64_t>(streams))];
            at = std::max(at, now + 5000) + rng() % 3;
            push(at);
        } else {
            push(now + rng() % far_span);  // anywhere, often beyond the ring
        }
        REQUIRE(q.size() == ref.size());
    }
    while (!ref.empty()) {
        const Ev a = q.pop();
        REQUIRE(a.cycle == ref.top().cycle);
        REQUIRE(a.seq == ref.top().seq);
        ref.pop();
    }
    CHECK(q.empty());
    CHECK(q.next_cycle() == EventQueue<Ev>::kNone);
    CHECK(popped > 50000);
}

}  // namespace

TEST_CASE("event queue: pops in the order of a (cycle, sequence) heap", "[chip][event_queue]") {
    SECTION("near and scattered far pushes") { check_against_heap(1, 0, 100000); }
    SECTION("rising streams fewer than the lanes") { check_against_heap(2, 2, 20000); }
    SECTION("more rising streams than lanes, and scattered far pushes") { check_against_heap(3, 9, 50000); }
    SECTION("everything within a few rings") { check_against_heap(4, 3, 9000); }
}

TEST_CASE("event queue: a push before the last event taken is refused", "[chip][event_queue]") {
    EventQueue<Ev> q;
    q.push(Ev{10, 0});
    q.push(Ev{9000, 1});  // beyond the ring
    CHECK(q.pop().cycle == 10);
    CHECK(q.pop().cycle == 9000);
    CHECK_THROWS_AS(q.push(Ev{8999, 2}), std::logic_error);
    q.push(Ev{9000, 3});
    CHECK(q.pop().seq == 3);
}
