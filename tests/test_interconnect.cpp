// Interconnect: topologies (links, static routes), the link timing model
// (LinkScheduler) and the chip's Interconnect that sends packets through it.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "aimcsim/core/config.h"
#include "aimcsim/core/error.h"
#include "aimcsim/core/registry.h"
#include "interconnect/link_scheduler.h"
#include "interconnect/interconnect.h"
#include "interconnect/topologies.h"
#include "tests/test_support.h"

using namespace aimcsim;

namespace {

template <typename T> std::unique_ptr<T> make_topology(int rows, int cols, const std::string& yaml = "{}\n") {
    auto topo = std::make_unique<T>(T::schema().parse(ConfigNode::parse_yaml(yaml, "t.yaml")));
    topo->setup(rows, cols);
    return topo;
}

// The route is a chain of links from src to dst.
void check_connected(const Topology& topo, int src, int dst, const std::vector<int>& route) {
    int cur = src;
    for (int link : route) {
        REQUIRE(topo.links().at(link).src_tile == cur);
        cur = topo.links().at(link).dst_tile;
    }
    REQUIRE(cur == dst);
}

int ceil_half(int v) { return (v + 1) / 2; }

}  // namespace

// ------------------------------------------------------------------ topologies

TEST_CASE("hermes 8x8: links and shortest static routes", "[interconnect]") {
    auto topo = make_topology<HermesTopology>(8, 8);
    // Per row 7+6 links east and as many west (26); per column 7 south + 7 north.
    CHECK(topo->links().size() == 8 * 26 + 8 * 14);
    CHECK(topo->has_contention());

    // (0,0)->(0,7): 2+2+2+1 along the row; (0,0)->(7,7): that plus 7 column hops.
    CHECK(topo->route(0, 7).size() == 4);
    CHECK(topo->route(0, 63).size() == 4 + 7);
    CHECK(topo->route(5, 5).empty());

    for (int s = 0; s < 64; ++s) {
        for (int d = 0; d < 64; ++d) {
            const std::vector<int> r = topo->route(s, d);
            check_connected(*topo, s, d, r);
            // Row moves of 1 or 2, column moves of 1: fewest hops is ceil(|dc|/2) + |dr|.
            REQUIRE(static_cast<int>(r.size()) == ceil_half(std::abs(d % 8 - s % 8)) + std::abs(d / 8 - s / 8));
        }
    }
    CHECK_THROWS_AS(topo->route(0, 64), std::out_of_range);
}

TEST_CASE("hermes: routes take 2-steps along the row first and the column last", "[interconnect]") {
    auto topo = make_topology<HermesTopology>(8, 8);
    const std::vector<int> r = topo->route(8 * 1 + 0, 8 * 3 + 5);  // (1,0) -> (3,5)
    std::vector<int> visited;
    for (int link : r) visited.push_back(topo->links()[link].dst_tile);
    CHECK(visited == std::vector<int>{8 + 2, 8 + 4, 8 + 5, 16 + 5, 24 + 5});
}

TEST_CASE("mesh2d: XY routes of Manhattan length", "[interconnect]") {
    auto topo = make_topology<Mesh2dTopology>(4, 6);
    CHECK(topo->links().size() == 2 * (4 * 5 + 3 * 6));
    for (int s = 0; s < 24; ++s) {
        for (int d = 0; d < 24; ++d) {
            const std::vector<int> r = topo->route(s, d);
            check_connected(*topo, s, d, r);
            REQUIRE(static_cast<int>(r.size()) == std::abs(d % 6 - s % 6) + std::abs(d / 6 - s / 6));
        }
    }
    // X first: (0,0) -> (2,1) crosses to column 1 before going down.
    const std::vector<int> r = topo->route(0, 2 * 6 + 1);
    CHECK(topo->links()[r.front()].dst_tile == 1);
}

TEST_CASE("ideal: one virtual link per pair and no contention", "[interconnect]") {
    auto topo = make_topology<IdealTopology>(8, 8);
    CHECK_FALSE(topo->has_contention());
    CHECK(topo->links().size() == 64 * 63);
    for (int s = 0; s < 64; ++s) {
        for (int d = 0; d < 64; ++d) {
            const std::vector<int> r = topo->route(s, d);
            REQUIRE(r.size() == (s == d ? 0u : 1u));
            check_connected(*topo, s, d, r);
        }
    }
    auto big = std::make_unique<IdealTopology>(IdealTopology::schema().defaults());
    CHECK_THROWS_AS(big->setup(64, 64), InputError);
}

TEST_CASE("topologies are registered and share the link parameters", "[interconnect]") {
    const auto& reg = Registry<Topology>::instance();
    for (const char* name : {"hermes", "mesh2d", "ideal"}) {
        INFO(name);
        REQUIRE(reg.has(name));
        CHECK(reg.get(name, ConfigNode()).schema.names() == std::vector<std::string>{"width_bits", "hop_latency_cycles",
                                                                                     "buffer_depth_flits",
                                                                                     "energy_pj_per_bit_hop"});
    }
    const ConfigNode node = ConfigNode::parse_yaml("model: mesh2d\nwidth_bits: 64\nhop_latency_cycles: 3\n", "t.yaml");
    std::unique_ptr<Topology> topo = reg.create(node);
    topo->setup(2, 2);
    CHECK(topo->links().size() == 8);
    CHECK(topo->link_params().width_bits == 64);
    CHECK(topo->link_params().hop_latency_cycles == 3);
    CHECK(topo->link_params().buffer_depth_flits == 4);
    CHECK(topo->link_params().energy_pj_per_bit_hop == Approx(0.05));
}

TEST_CASE("link parameters out of range are config errors", "[interconnect]") {
    const ConfigNode node = ConfigNode::parse_yaml("width_bits: 0\n", "t.yaml");
    try {
        (void)HermesTopology::schema().parse(node);
        FAIL("width_bits: 0 was accepted");
    } catch (const ConfigError& e) {
        const std::string msg = e.what();
        INFO(msg);
        CHECK(msg.find("t.yaml:1") != std::string::npos);
        CHECK(msg.find("width_bits") != std::string::npos);
        CHECK(msg.find("[1, 65536]") != std::string::npos);
    }
    CHECK_THROWS_AS(Mesh2dTopology::schema().parse(ConfigNode::parse_yaml("energy_pj_per_bit_hop: -1\n", "t.yaml")),
                    ConfigError);
    CHECK_THROWS_AS(IdealTopology::schema().parse(ConfigNode::parse_yaml("buffer_depth: 4\n", "t.yaml")), ConfigError);
}

// ------------------------------------------------------------- link scheduler

// Defaults: width 32 bits, latency L = 2 cycles. 256 bits = F = 8 flits.
TEST_CASE("link scheduler: two packets on one link serialise", "[interconnect]") {
    auto topo = make_topology<HermesTopology>(8, 8);
    LinkScheduler sched(*topo);
    const int link = topo->route(0, 1).front();
    // ready 100: first starts at 100, arrives 100 + L + F = 110, link busy until 108.
    const Delivery a = sched.send(0, 1, 256, 100);
    const Delivery b = sched.send(0, 1, 256, 100);
    CHECK(a.arrival_cycle == 110);
    CHECK(a.stall_cycles == 0);
    CHECK(a.hops == 1);
    CHECK(b.arrival_cycle == a.arrival_cycle + 8);
    CHECK(b.stall_cycles == 8);
    CHECK(sched.link_stats(link).stall_cycles == 8);
    CHECK(sched.link_stats(link).busy_cycles == 16);
    CHECK(sched.link_stats(link).bytes() == Approx(64.0));
    CHECK(sched.totals().stall_cycles == 8);
    // Span 100..118, link busy 16 of 18 cycles.
    CHECK(sched.span_cycles() == 18);
    CHECK(sched.utilisation(link) == Approx(16.0 / 18.0));
}

TEST_CASE("link scheduler: flows from two sources meet on a shared link", "[interconnect]") {
    auto topo = make_topology<Mesh2dTopology>(1, 3);
    LinkScheduler sched(*topo);
    // A: 0->1->2 ready 0, its head reaches link 1->2 at cycle L = 2.
    // B: 1->2 ready 2, also at the link at cycle 2; A booked it first (call order).
    const Delivery a = sched.send(0, 2, 256, 0);
    const Delivery b = sched.send(1, 2, 256, 2);
    CHECK(a.arrival_cycle == 0 + 2 * 2 + 8);
    CHECK(a.stall_cycles == 0);
    CHECK(b.stall_cycles == 8);
    CHECK(b.arrival_cycle == a.arrival_cycle + 8);
}

TEST_CASE("link scheduler: ideal never stalls", "[interconnect]") {
    auto topo = make_topology<IdealTopology>(8, 8);
    LinkScheduler sched(*topo);
    const Delivery a = sched.send(0, 63, 256, 100);
    const Delivery b = sched.send(0, 63, 256, 100);
    const Delivery c = sched.send(7, 63, 256, 100);
    for (const Delivery& d : {a, b, c}) {
        CHECK(d.arrival_cycle == 100 + 2 + 8);
        CHECK(d.stall_cycles == 0);
        CHECK(d.hops == 1);
    }
    CHECK(sched.totals().stall_cycles == 0);
}

TEST_CASE("link scheduler: multi-hop on an idle network is ready + h*L + F", "[interconnect]") {
    auto topo = make_topology<HermesTopology>(8, 8, "width_bits: 16\nhop_latency_cycles: 3\n");
    LinkScheduler sched(*topo);
    // (0,0) -> (7,7): 11 hops; 100 bits over 16-bit links = 7 flits (the last one partial).
    const Delivery d = sched.send(0, 63, 100, 50);
    CHECK(d.hops == 11);
    CHECK(d.stall_cycles == 0);
    CHECK(d.arrival_cycle == 50 + 11 * 3 + 7);
    // Same tile: nothing moves.
    const Delivery self = sched.send(9, 9, 100, 70);
    CHECK(self.hops == 0);
    CHECK(self.arrival_cycle == 70);
    // A header-only packet still takes one flit.
    CHECK(sched.flits(0) == 1);
}

TEST_CASE("link scheduler: totals and energy and hop histogram", "[interconnect]") {
    auto topo = make_topology<HermesTopology>(8, 8, "energy_pj_per_bit_hop: 0.5\n");
    LinkScheduler sched(*topo);
    (void)sched.send(0, 7, 64, 0);    // 4 hops
    (void)sched.send(0, 63, 128, 0);  // 11 hops
    (void)sched.send(3, 3, 32, 0);    // 0 hops
    const NetworkTotals& t = sched.totals();
    CHECK(t.packets == 3);
    CHECK(t.bits == 64 + 128 + 32);
    CHECK(t.bytes() == Approx(28.0));
    CHECK(t.bit_hops == 64 * 4 + 128 * 11);
    CHECK(t.energy_pj == Approx((64 * 4 + 128 * 11) * 0.5));
    REQUIRE(t.hop_histogram.size() == 12);
    CHECK(t.hop_histogram[0] == 1);
    CHECK(t.hop_histogram[4] == 1);
    CHECK(t.hop_histogram[11] == 1);
    // Per-link bytes add up to the bit-hops.
    std::uint64_t link_bits = 0;
    for (std::size_t l = 0; l < sched.num_links(); ++l) link_bits += sched.link_stats(static_cast<int>(l)).bits;
    CHECK(link_bits == t.bit_hops);
}

TEST_CASE("link scheduler: deterministic for the same call order", "[interconnect]") {
    auto topo = make_topology<Mesh2dTopology>(4, 4);
    auto run = [&] {
        LinkScheduler sched(*topo);
        std::vector<std::uint64_t> out;
        for (int i = 0; i < 200; ++i) {
            const Delivery d = sched.send((i * 7) % 16, (i * 11 + 3) % 16, 64 + 32 * (i % 5), i / 3);
            out.push_back(d.arrival_cycle);
            out.push_back(d.stall_cycles);
        }
        out.push_back(sched.totals().stall_cycles);
        return out;
    };
    const auto first = run();
    CHECK(first == run());
    CHECK(first.back() > 0);  // the pattern does contend
}

// ------------------------------------------------------ the chip's Interconnect

TEST_CASE("interconnect: packets sharing a column contend, arrival cycles by hand", "[interconnect]") {
    // One column of a hermes grid: links A = 0->1, B = 1->2, C = 2->3; 32-bit flits,
    // L = 2 cycles a hop, 4-flit buffers. Sent in order of ready cycle.
    auto topo = make_topology<HermesTopology>(4, 1);
    Interconnect net(*topo, 4);
    const int a = topo->route(0, 1).at(0), b = topo->route(1, 2).at(0), c = topo->route(2, 3).at(0);
    // 2 -> 3, 128 bits (F = 4): C at 0, busy until 4; arrives 0 + 2 + 4.
    const Delivery p0 = net.send(2, 3, 128, 0);
    CHECK(p0.arrival_cycle == 6);
    CHECK(p0.hops == 1);
    CHECK(p0.stall_cycles == 0);
    // 1 -> 3, 128 bits: B at 0 (busy until 4); head at C at 2, C busy until 4: waits 2,
    // C busy until 8; arrives 4 + 2 + 4.
    const Delivery p1 = net.send(1, 3, 128, 0);
    CHECK(p1.arrival_cycle == 10);
    CHECK(p1.stall_cycles == 2);
    // 0 -> 3, 256 bits (F = 8): A at 0 (until 8); B at 2, busy until 4: waits 2 (until
    // 12); C at 6, busy until 8: waits 2 (until 16); arrives 8 + 2 + 8. Stalls of 2 are
    // within the 4-flit buffer: nothing held upstream.
    const Delivery p2 = net.send(0, 3, 256, 0);
    CHECK(p2.arrival_cycle == 18);
    CHECK(p2.hops == 3);
    CHECK(p2.stall_cycles == 4);
    // 0 -> 3, 32 bits (F = 1), ready 1: A busy until 8 (waits 7, until 9); B at 10,
    // busy until 12 (waits 2, until 13); C at 14, busy until 16 (waits 2, until 17);
    // arrives 16 + 2 + 1.
    const Delivery p3 = net.send(0, 3, 32, 1);
    CHECK(p3.arrival_cycle == 19);
    CHECK(p3.stall_cycles == 11);
    // 1 -> 3, 64 bits (F = 2), ready 30: every link idle again; arrives 30 + 2 * 2 + 2.
    const Delivery p4 = net.send(1, 3, 64, 30);
    CHECK(p4.arrival_cycle == 36);
    CHECK(p4.stall_cycles == 0);

    const LinkScheduler& s = net.scheduler();
    CHECK(s.totals().packets == 5);
    CHECK(s.totals().stall_cycles == 0 + 2 + 4 + 11 + 0);
    CHECK(s.totals().bit_hops == 128 * 1 + 128 * 2 + 256 * 3 + 32 * 3 + 64 * 2);
    CHECK(s.totals().held_cycles == 0);
    CHECK(s.link_stats(a).busy_cycles == 8 + 1);
    CHECK(s.link_stats(b).busy_cycles == 4 + 8 + 1 + 2);
    CHECK(s.link_stats(c).busy_cycles == 4 + 4 + 8 + 1 + 2);
    CHECK(s.link_stats(c).stall_cycles == 2 + 2 + 2);
}

TEST_CASE("interconnect: a 30-hop route and a send to itself", "[interconnect]") {
    auto topo = make_topology<Mesh2dTopology>(16, 16);
    Interconnect net(*topo, 256);
    const Delivery far = net.send(0, 255, 64, 5);  // 30 hops, F = 2: 5 + 30 * 2 + 2
    CHECK(far.arrival_cycle == 5 + 30 * 2 + 2);
    CHECK(far.hops == 30);
    const Delivery self = net.send(17, 17, 64, 3);  // to itself: delivered when ready
    CHECK(self.arrival_cycle == 3);
    CHECK(self.hops == 0);
    CHECK(net.scheduler().totals().hop_histogram.at(30) == 1);
    CHECK(net.scheduler().totals().hop_histogram.at(0) == 1);
}

TEST_CASE("interconnect: ideal topology delivers concurrent packets without waiting", "[interconnect]") {
    auto topo = make_topology<IdealTopology>(4, 4);
    Interconnect net(*topo, 16);
    // Five 256-bit packets (F = 8) into tile 15 at once, two from tile 0: each
    // arrives 10 + L + F, whatever the route.
    for (int src : {0, 1, 2, 3, 0}) {
        const Delivery d = net.send(src, 15, 256, 10);
        CHECK(d.arrival_cycle == 10 + 2 + 8);
        CHECK(d.stall_cycles == 0);
    }
    CHECK(net.scheduler().totals().stall_cycles == 0);
}

TEST_CASE("interconnect: a topology whose links leave the grid is refused", "[interconnect]") {
    auto topo = make_topology<Mesh2dTopology>(4, 4);
    CHECK_THROWS_WITH(Interconnect(*topo, 8), Catch::Contains("leaves the 8-tile grid"));
}
