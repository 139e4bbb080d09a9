#include "src/system/system_network.h"

#include <algorithm>
#include <string>

namespace aimcsim {

SystemTopology::SystemTopology(const std::vector<std::unique_ptr<Topology>>& chips, const ChipLinkTopology& chip_links,
                               int chip_tiles, int io_tile)
    : chips_(chips), chip_links_(chip_links), chip_tiles_(chip_tiles), io_tile_(io_tile),
      per_chip_links_(static_cast<int>(chips.front()->links().size())) {
    const int n = static_cast<int>(chips.size());
    for (int c = 0; c < n; ++c) {
        for (const Link& l : chips[static_cast<std::size_t>(c)]->links())
            links_.push_back(Link{c * chip_tiles + l.src_tile, c * chip_tiles + l.dst_tile});
    }
    // A chip's end of a chip-to-chip link is its I/O tile; a switch is a node after every tile.
    auto node_tile = [&](int node) { return node < n ? node * chip_tiles + io_tile : n * chip_tiles + (node - n); };
    for (const Link& l : chip_links.links()) links_.push_back(Link{node_tile(l.src_tile), node_tile(l.dst_tile)});
    nodes_ = n * chip_tiles + (chip_links.nodes() - n);
}

std::vector<int> SystemTopology::route(int src_tile, int dst_tile) const {
    const int a = src_tile / chip_tiles_, b = dst_tile / chip_tiles_;
    const int sa = src_tile % chip_tiles_, sb = dst_tile % chip_tiles_;
    std::vector<int> path;
    auto append_chip = [&](int c, int from, int to) {
        for (int l : chips_[static_cast<std::size_t>(c)]->route(from, to)) path.push_back(c * per_chip_links_ + l);
    };
    if (a == b) {
        append_chip(a, sa, sb);
        return path;
    }
    append_chip(a, sa, io_tile_);
    const int base = static_cast<int>(chips_.size()) * per_chip_links_;
    for (int l : chip_links_.route(a, b)) path.push_back(base + l);
    append_chip(b, io_tile_, sb);
    return path;
}

SystemLinks::SystemLinks(const ChipParams& chip, int chips, std::unique_ptr<ChipLinkTopology> links, double clock_ghz)
    : chip_tiles_(chip.tiles()), io_tile_(chip.io_tile), chip_link_topology_(std::move(links)) {
    for (int c = 0; c < chips; ++c) {
        chip_topologies_.push_back(chip.interconnect.create());
        chip_topologies_.back()->setup(chip.rows, chip.cols);
        chip_nets_.push_back(std::make_unique<Interconnect>(*chip_topologies_.back(), chip_tiles_));
    }
    chip_link_topology_->setup(chips);
    chip_link_routes_ = std::make_unique<ChipLinkRoutes>(*chip_link_topology_, clock_ghz);
    chip_link_scheduler_ = std::make_unique<LinkScheduler>(*chip_link_routes_);
    system_topology_ = std::make_unique<SystemTopology>(chip_topologies_, *chip_link_topology_, chip_tiles_, io_tile_);
}

void SystemLinks::count(std::uint64_t bits, const Delivery& d) {
    totals_.packets += 1;
    totals_.bits += bits;
    totals_.stall_cycles += d.stall_cycles;
    const auto hops = static_cast<std::size_t>(d.hops);
    if (totals_.hop_histogram.size() <= hops) totals_.hop_histogram.resize(hops + 1, 0);
    totals_.hop_histogram[hops] += 1;
}

NetworkTotals SystemLinks::totals() const {
    NetworkTotals t = totals_;
    auto add = [&t](const NetworkTotals& leg) {
        t.bit_hops += leg.bit_hops;
        t.energy_pj += leg.energy_pj;
        t.held_cycles += leg.held_cycles;
        t.peak_buffer_flits = std::max(t.peak_buffer_flits, leg.peak_buffer_flits);
    };
    for (const auto& net : chip_nets_) add(net->scheduler().totals());
    add(chip_link_scheduler_->totals());
    return t;
}

void SystemLinks::record_spans(bool on) {
    for (auto& net : chip_nets_) net->record_spans(on);
    chip_link_scheduler_->record_spans(on);
}

std::vector<LinkSpan> SystemLinks::spans() const {
    std::vector<LinkSpan> all;
    int base = 0;
    for (const auto& net : chip_nets_) {
        for (LinkSpan s : net->scheduler().spans()) {
            s.link += base;
            all.push_back(s);
        }
        base += static_cast<int>(net->scheduler().num_links());
    }
    for (LinkSpan s : chip_link_scheduler_->spans()) {
        s.link += base;
        all.push_back(s);
    }
    return all;
}

SystemNetwork::SystemNetwork(SystemLinks& links, sc_core::sc_time clock_period)
    : Interconnect(links.topology(), links.topology().nodes()), links_(links) {
    network_ = std::make_unique<ChipLinkNetwork>("chip_links", links.chip_links(), clock_period);
    for (int c = 0; c < links.chips(); ++c) {
        ports_.push_back(std::make_unique<ChipIoPort>(("chip" + std::to_string(c) + "_io").c_str(), c));
        ports_.back()->out.bind(network_->ports);
    }
}

SystemNetwork::~SystemNetwork() = default;

Delivery SystemNetwork::send(int src_tile, int dst_tile, std::uint64_t bits, std::uint64_t ready_cycle) {
    const int t = links_.chip_tiles(), io = links_.io_tile();
    const int a = src_tile / t, b = dst_tile / t;
    const int sa = src_tile % t, sb = dst_tile % t;
    Delivery d;
    d.arrival_cycle = ready_cycle;
    auto leg = [&d](const Delivery& l) {
        d.arrival_cycle = l.arrival_cycle;
        d.hops += l.hops;
        d.stall_cycles += l.stall_cycles;
    };
    if (a == b) {
        leg(links_.chip_network(a).send(sa, sb, bits, ready_cycle));
    } else {
        if (sa != io) leg(links_.chip_network(a).send(sa, io, bits, d.arrival_cycle));
        leg(ports_[static_cast<std::size_t>(a)]->send(b, bits, d.arrival_cycle));
        if (sb != io) leg(links_.chip_network(b).send(io, sb, bits, d.arrival_cycle));
    }
    links_.count(bits, d);
    return d;
}

}  // namespace aimcsim
