// Back-pressure in the link model: a blocked packet longer than the router buffer
// keeps the link behind it busy, and the packets behind it wait; cycles by hand.
#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "aimcsim/core/config.h"
#include "interconnect/link_scheduler.h"
#include "interconnect/topologies.h"

using namespace aimcsim;

namespace {

std::unique_ptr<Mesh2dTopology> line_of_three(int buffer_depth) {
    auto topo = std::make_unique<Mesh2dTopology>(Mesh2dTopology::schema().parse(ConfigNode::parse_yaml(
        "{width_bits: 32, hop_latency_cycles: 2, buffer_depth_flits: " + std::to_string(buffer_depth) + "}\n",
        "t.yaml")));
    topo->setup(1, 3);  // tiles 0 - 1 - 2
    return topo;
}

}  // namespace

TEST_CASE("backpressure: a blocked long packet holds the link behind it", "[interconnect]") {
    // A: 1 -> 2, 512 bits = 16 flits at 0: link 1->2 busy 0..16.
    // B: 0 -> 2, 256 bits = 8 flits at 0: link 0->1 over 0..8; its head reaches
    //    link 1->2 at 2 and waits to 16 (stall 14); arrival 16 + 2 + 8 = 26.
    //    With a 4-flit buffer B cannot drain into router 1: it holds link 0->1 for
    //    14 - 4 = 10 cycles more, to 18.
    // C: 0 -> 1, 32 bits at 1: link 0->1 free at 18, so it arrives 18 + 2 + 1 = 21
    //    (without back-pressure it would start at 8 and arrive at 11).
    auto topo = line_of_three(4);
    LinkScheduler s(*topo);
    CHECK(s.send(1, 2, 512, 0).arrival_cycle == 18);
    const Delivery b = s.send(0, 2, 256, 0);
    CHECK(b.arrival_cycle == 26);
    CHECK(b.stall_cycles == 14);
    const Delivery c = s.send(0, 1, 32, 1);
    CHECK(c.arrival_cycle == 21);
    CHECK(c.stall_cycles == 17);
    CHECK(s.totals().held_cycles == 10);
    CHECK(s.totals().peak_buffer_flits == 4);

    // A buffer as large as B (8 flits) absorbs it: nothing is held, C goes at 8.
    auto roomy = line_of_three(8);
    LinkScheduler r(*roomy);
    (void)r.send(1, 2, 512, 0);
    CHECK(r.send(0, 2, 256, 0).arrival_cycle == 26);
    CHECK(r.send(0, 1, 32, 1).arrival_cycle == 11);
    CHECK(r.totals().held_cycles == 0);
}

TEST_CASE("backpressure: the hold reaches further up the route, one buffer less per router", "[interconnect]") {
    // A 1x4 line: A occupies link 2->3 over 0..40 (1280 bits). B (0 -> 3, 16 flits
    // at 0): link 0->1 over 0..16, 1->2 over 2..18, head at link 2->3 at 4, waits to
    // 40 (stall 36). With 4-flit buffers: link 1->2 held 36 - 4 = 32 more (to 50),
    // link 0->1 held 32 - 4 = 28 more (to 44).
    auto topo = std::make_unique<Mesh2dTopology>(Mesh2dTopology::schema().parse(
        ConfigNode::parse_yaml("{width_bits: 32, hop_latency_cycles: 2, buffer_depth_flits: 4}\n", "t.yaml")));
    topo->setup(1, 4);
    LinkScheduler s(*topo);
    (void)s.send(2, 3, 1280, 0);
    const Delivery b = s.send(0, 3, 512, 0);
    CHECK(b.stall_cycles == 36);
    CHECK(b.arrival_cycle == 40 + 2 + 16);
    CHECK(s.totals().held_cycles == 32 + 28);
    // A packet 0 -> 1 at 0 now starts at 44.
    CHECK(s.send(0, 1, 32, 0).arrival_cycle == 44 + 2 + 1);
}
