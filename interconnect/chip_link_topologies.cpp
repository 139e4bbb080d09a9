#include "interconnect/chip_link_topologies.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "aimcsim/core/error.h"
#include "aimcsim/core/registry.h"

namespace aimcsim {

void add_chip_link_params(ParamSchema& s) {
    // Nothing here is published for a system of 64-core chips: assumptions to sweep.
    s.real("bandwidth_gbit_s", 64.0, "Gbit/s",
           "one link, one direction; a whole number of bits per chip clock cycle; # assumed (two 32 Gbit/s SerDes "
           "lanes)")
        .positive();
    s.real("latency_ns", 20.0, "ns",
           "head of a packet from one chip's port to the next chip's (SerDes, wire); whole cycles, rounded up; "
           "# assumed")
        .range(0.0, 1.0e6);
    s.real("energy_pj_per_bit", 2.0, "pJ/bit",
           "energy to move one bit over one chip-to-chip link; # assumed (short-reach SerDes take about 1-5 pJ/bit)")
        .range(0.0, 1.0e4);
    s.integer("ports_per_chip", 4, "ports", "I/O ports of a chip, each one link out and one in; # assumed")
        .range(1, 4096);
    s.integer("buffer_depth_flits", 16, "flit",
              "input buffer of a port: a blocked packet longer than this holds the links behind it; # assumed")
        .range(1, 1000000);
}

ChipLinkParams chip_link_params_from(const Params& p) {
    ChipLinkParams c;
    c.bandwidth_gbit_s = p.real("bandwidth_gbit_s");
    c.latency_ns = p.real("latency_ns");
    c.energy_pj_per_bit = p.real("energy_pj_per_bit");
    c.ports_per_chip = static_cast<int>(p.integer("ports_per_chip"));
    c.buffer_depth_flits = static_cast<int>(p.integer("buffer_depth_flits"));
    return c;
}

void ChipLinkGraph::setup(int chips) {
    if (chips < 1) throw std::logic_error("ChipLinkGraph: a system has at least one chip");
    chips_ = chips;
    links_.clear();
    nodes_ = build(chips);  // the chips, then any switches
    link_of_pair_.assign(static_cast<std::size_t>(nodes_) * static_cast<std::size_t>(nodes_), -1);
    std::vector<int> ports(static_cast<std::size_t>(nodes_), 0);
    for (std::size_t l = 0; l < links_.size(); ++l) {
        const Link& k = links_[l];
        link_of_pair_[static_cast<std::size_t>(k.src_tile) * static_cast<std::size_t>(nodes_) +
                      static_cast<std::size_t>(k.dst_tile)] = static_cast<int>(l);
        ++ports[static_cast<std::size_t>(k.src_tile)];
    }
    const int needed = chips > 0 ? *std::max_element(ports.begin(), ports.begin() + chips) : 0;
    if (needed > params_.ports_per_chip) {
        throw InputError("system.links.ports_per_chip: a " + name() + " of " + std::to_string(chips) +
                         " chips needs " + std::to_string(needed) + " ports per chip, the chips have " +
                         std::to_string(params_.ports_per_chip) + " (raise ports_per_chip or pick another topology)");
    }
}

void ChipLinkGraph::add_link(int src, int dst) { links_.push_back(Link{src, dst}); }

std::vector<int> ChipLinkGraph::route(int src_chip, int dst_chip) const {
    std::vector<int> path;
    int cur = src_chip;
    while (cur != dst_chip) {
        const int next = next_node(cur, dst_chip);
        const int link =
            link_of_pair_.at(static_cast<std::size_t>(cur) * static_cast<std::size_t>(nodes_) + static_cast<std::size_t>(next));
        if (link < 0 || path.size() > static_cast<std::size_t>(nodes_))
            throw std::logic_error("ChipLinkGraph: " + name() + " has no route from chip " +
                                   std::to_string(src_chip) + " to chip " + std::to_string(dst_chip));
        path.push_back(link);
        cur = next;
    }
    return path;
}

// --- ring

ParamSchema RingChipLinks::schema() {
    ParamSchema s;
    add_chip_link_params(s);
    return s;
}

int RingChipLinks::build(int chips) {
    if (chips == 2) {
        add_link(0, 1);
        add_link(1, 0);
    } else if (chips > 2) {
        for (int i = 0; i < chips; ++i) {
            add_link(i, (i + 1) % chips);
            add_link((i + 1) % chips, i);
        }
    }
    return chips;
}

int RingChipLinks::next_node(int cur, int dst) const {
    const int n = chips();
    const int forward = ((dst - cur) % n + n) % n;
    return forward <= n - forward ? (cur + 1) % n : (cur + n - 1) % n;
}

// --- mesh2d

ParamSchema Mesh2dChipLinks::schema() {
    ParamSchema s;
    add_chip_link_params(s);
    return s;
}

int Mesh2dChipLinks::build(int chips) {
    cols_ = static_cast<int>(std::ceil(std::sqrt(static_cast<double>(chips))));
    for (int c = 0; c < chips; ++c) {
        const int col = c % cols_;
        if (col + 1 < cols_ && c + 1 < chips) {
            add_link(c, c + 1);
            add_link(c + 1, c);
        }
        if (c + cols_ < chips) {
            add_link(c, c + cols_);
            add_link(c + cols_, c);
        }
    }
    return chips;
}

int Mesh2dChipLinks::next_node(int cur, int dst) const {
    const int last_row = (chips() - 1) / cols_;
    const bool short_last_row = chips() % cols_ != 0;
    const int row = cur / cols_, col = cur % cols_;
    const int drow = dst / cols_, dcol = dst % cols_;
    const bool yx = short_last_row && row == last_row;
    if (yx ? row != drow : col == dcol) return row < drow ? cur + cols_ : cur - cols_;
    return col < dcol ? cur + 1 : cur - 1;
}

// --- switch

ParamSchema SwitchChipLinks::schema() {
    ParamSchema s;
    add_chip_link_params(s);
    return s;
}

int SwitchChipLinks::build(int chips) {
    for (int c = 0; c < chips; ++c) {
        add_link(c, chips);  // up to the switch
        add_link(chips, c);  // down to the chip
    }
    return chips + 1;
}

int SwitchChipLinks::next_node(int cur, int dst) const { return cur == chips() ? dst : chips(); }

// --- all_to_all

ParamSchema AllToAllChipLinks::schema() {
    ParamSchema s;
    add_chip_link_params(s);
    return s;
}

int AllToAllChipLinks::build(int chips) {
    for (int s = 0; s < chips; ++s) {
        for (int d = 0; d < chips; ++d) {
            if (d != s) add_link(s, d);
        }
    }
    return chips;
}

AIMCSIM_REGISTER(ChipLinkTopology, RingChipLinks, "ring",
                 "bidirectional ring of chips, shorter way round (2 ports per chip)");
AIMCSIM_REGISTER(ChipLinkTopology, Mesh2dChipLinks, "mesh2d",
                 "chips on a near-square grid, 4 neighbours, XY routing (4 ports per chip)");
AIMCSIM_REGISTER(ChipLinkTopology, SwitchChipLinks, "switch",
                 "every chip linked to one central switch: 2 hops between any two chips (1 port per chip)");
AIMCSIM_REGISTER(ChipLinkTopology, AllToAllChipLinks, "all_to_all",
                 "a direct link between every pair of chips: 1 hop (chips - 1 ports per chip)");

}  // namespace aimcsim
