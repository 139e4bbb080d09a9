// Interconnect: topologies (links, static routes), the link timing model
// (LinkScheduler) and the SystemC/TLM routers that must reproduce its timing.
#define SC_INCLUDE_DYNAMIC_PROCESSES  // sc_spawn, for the test tiles' senders
#include <catch2/catch.hpp>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "aimcsim/core/config.h"
#include "aimcsim/core/error.h"
#include "aimcsim/core/registry.h"
#include "interconnect/link_scheduler.h"
#include "interconnect/noc.h"
#include "interconnect/packet.h"
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

// -------------------------------------------------------------- SystemC layer

namespace {

struct Arrival {
    int src_tile;
    std::uint64_t cycle;
    PacketExtension ext;
};

// A tile stand-in: sends packets at given cycles (one process each, since
// b_transport blocks until delivery) and records what it receives.
struct TestTile : sc_core::sc_module {
    tlm_utils::simple_initiator_socket<TestTile> out{"out"};
    tlm_utils::simple_target_socket<TestTile> in{"in"};
    sc_core::sc_time period;
    std::vector<Arrival> arrivals;

    TestTile(const sc_core::sc_module_name& name, sc_core::sc_time clock_period)
        : sc_module(name), period(clock_period) {
        in.register_b_transport(this, &TestTile::receive);
    }

    void send_at(std::uint64_t ready_cycle, int src, int dst, std::uint64_t bits, int layer = 0) {
        sc_core::sc_spawn([=] {
            sc_core::wait(period * static_cast<double>(ready_cycle));
            PacketExtension ext;
            ext.src_tile = src;
            ext.dst_tile = dst;
            ext.bits = bits;
            ext.layer_id = layer;
            tlm::tlm_generic_payload trans;
            trans.set_command(tlm::TLM_WRITE_COMMAND);
            trans.set_extension(&ext);
            sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
            out->b_transport(trans, delay);
            CHECK(trans.get_response_status() == tlm::TLM_OK_RESPONSE);
            trans.clear_extension(&ext);
        });
    }

    void receive(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
        const PacketExtension* ext = PacketExtension::of(trans);
        CHECK(ext != nullptr);  // no REQUIRE: it would throw through the SystemC kernel
        if (ext == nullptr) return;
        const sc_core::sc_time at = sc_core::sc_time_stamp() + delay;
        arrivals.push_back({ext->src_tile, static_cast<std::uint64_t>(at / period), *ext});
    }
};

struct Bench {
    std::unique_ptr<Topology> topo;
    std::unique_ptr<Interconnect> net;
    std::vector<std::unique_ptr<TestTile>> tiles;

    Bench(std::unique_ptr<Topology> t, int n_tiles, sc_core::sc_time period) : topo(std::move(t)) {
        net = std::make_unique<Interconnect>("noc", *topo, n_tiles, period);
        for (int i = 0; i < n_tiles; ++i) {
            tiles.push_back(std::make_unique<TestTile>(("tile_" + std::to_string(i)).c_str(), period));
            tiles.back()->out.bind(net->router(i).from_tile);
            net->router(i).to_tile.bind(tiles.back()->in);
        }
    }
};

struct Pkt {
    std::uint64_t ready;
    int src;
    int dst;
    std::uint64_t bits;
};

}  // namespace

TEST_CASE("systemc: routers reproduce the link scheduler's arrival cycles", "[interconnect]") {
    ::test::fresh_systemc_context();
    const sc_core::sc_time period(1, sc_core::SC_NS);
    // One column of a hermes grid: tiles 0, 1, 2 all send to tile 3 over the same
    // column links (0->1->2->3), ready in the order they reach the shared links, so
    // booking whole routes in call order matches booking hop by hop in time order.
    const std::vector<Pkt> pkts = {{0, 2, 3, 128}, {0, 1, 3, 128}, {0, 0, 3, 256}, {1, 0, 3, 32}, {30, 1, 3, 64}};
    Bench bench(make_topology<HermesTopology>(4, 1), 4, period);
    for (const Pkt& p : pkts) bench.tiles[p.src]->send_at(p.ready, p.src, p.dst, p.bits);
    sc_core::sc_start();

    auto ref_topo = make_topology<HermesTopology>(4, 1);
    LinkScheduler ref(*ref_topo);
    std::vector<Delivery> expected;
    for (const Pkt& p : pkts) expected.push_back(ref.send(p.src, p.dst, p.bits, p.ready));
    // Hand check of the first three (F = 4, 4, 8; L = 2): tile 2 arrives 0+2+4 = 6;
    // tile 1 waits for link 2->3 until 4: 4+2+4 = 10; tile 0 waits at 1->2 until 4
    // and at 2->3 until 8: 8+2+8 = 18.
    CHECK(expected[0].arrival_cycle == 6);
    CHECK(expected[1].arrival_cycle == 10);
    CHECK(expected[2].arrival_cycle == 18);

    const std::vector<Arrival>& got = bench.tiles[3]->arrivals;
    REQUIRE(got.size() == pkts.size());
    // Arrivals are recorded in time order; match them to the packets by arrival cycle.
    for (std::size_t i = 0; i < pkts.size(); ++i) {
        INFO("packet " << i);
        bool found = false;
        for (const Arrival& a : got) {
            if (a.src_tile == pkts[i].src && a.cycle == expected[i].arrival_cycle) {
                found = true;
                CHECK(a.ext.arrival_cycle == expected[i].arrival_cycle);
                CHECK(a.ext.stall_cycles == expected[i].stall_cycles);
                CHECK(a.ext.hops == expected[i].hops);
                CHECK(a.ext.ready_cycle == pkts[i].ready);
            }
        }
        CHECK(found);
    }
    CHECK(bench.net->scheduler().totals().stall_cycles == ref.totals().stall_cycles);
    CHECK(bench.net->scheduler().totals().bit_hops == ref.totals().bit_hops);
    for (std::size_t l = 0; l < ref.num_links(); ++l) {
        CHECK(bench.net->scheduler().link_stats(static_cast<int>(l)).busy_cycles ==
              ref.link_stats(static_cast<int>(l)).busy_cycles);
    }
}

TEST_CASE("systemc: a 30-hop route and a send to itself", "[interconnect]") {
    ::test::fresh_systemc_context();
    const sc_core::sc_time period(2, sc_core::SC_NS);  // a 500 MHz clock: cycles, not ns
    Bench bench(make_topology<Mesh2dTopology>(16, 16), 256, period);
    bench.tiles[0]->send_at(5, 0, 255, 64);   // 30 hops, F = 2: 5 + 30*2 + 2
    bench.tiles[17]->send_at(3, 17, 17, 64);  // to itself: delivered at ready
    sc_core::sc_start();
    REQUIRE(bench.tiles[255]->arrivals.size() == 1);
    CHECK(bench.tiles[255]->arrivals[0].cycle == 5 + 30 * 2 + 2);
    CHECK(bench.tiles[255]->arrivals[0].ext.hops == 30);
    REQUIRE(bench.tiles[17]->arrivals.size() == 1);
    CHECK(bench.tiles[17]->arrivals[0].cycle == 3);
    CHECK(bench.net->scheduler().totals().hop_histogram.at(30) == 1);
}

TEST_CASE("systemc: ideal topology delivers concurrent packets without waiting", "[interconnect]") {
    ::test::fresh_systemc_context();
    const sc_core::sc_time period(1, sc_core::SC_NS);
    Bench bench(make_topology<IdealTopology>(4, 4), 16, period);
    for (int s = 0; s < 4; ++s) bench.tiles[s]->send_at(10, s, 15, 256);
    bench.tiles[0]->send_at(10, 0, 15, 256);
    sc_core::sc_start();
    const auto& got = bench.tiles[15]->arrivals;
    REQUIRE(got.size() == 5);
    for (const Arrival& a : got) {
        CHECK(a.cycle == 10 + 2 + 8);
        CHECK(a.ext.stall_cycles == 0);
    }
}
