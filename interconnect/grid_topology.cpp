#include "interconnect/grid_topology.h"

#include <stdexcept>
#include <string>

#include "aimcsim/core/error.h"

namespace aimcsim {

void add_link_params(ParamSchema& schema) {
    // Not published for the 64-core chip: these are assumptions to sweep.
    schema
        .integer("width_bits", 32, "bit",
                 "bits a link moves per cycle (one flit); # assumed, the 64-core chip's link width is unpublished")
        .range(1, 65536)
        .integer("hop_latency_cycles", 2, "cycle", "router + wire latency of one hop for the head flit; # assumed")
        .range(0, 1000000)
        .integer("buffer_depth_flits", 4, "flit",
                 "input buffer of a router port: a blocked packet longer than this holds the links behind it "
                 "(back-pressure); # assumed")
        .range(1, 1000000)
        .real("energy_pj_per_bit_hop", 0.05, "pJ/bit/hop",
              "energy to move one bit over one link (router + wire); # assumed")
        .range(0.0, 1000.0);
}

LinkParams link_params_from(const Params& params) {
    LinkParams lp;
    lp.width_bits = static_cast<int>(params.integer("width_bits"));
    lp.hop_latency_cycles = static_cast<int>(params.integer("hop_latency_cycles"));
    lp.buffer_depth_flits = static_cast<int>(params.integer("buffer_depth_flits"));
    lp.energy_pj_per_bit_hop = params.real("energy_pj_per_bit_hop");
    return lp;
}

void GridTopology::setup(int grid_rows, int grid_cols) {
    // The limit keeps tile ids, link ids and route walks comfortably inside int.
    constexpr long long kMaxTiles = 1 << 20;
    if (grid_rows < 1 || grid_cols < 1 || static_cast<long long>(grid_rows) * grid_cols > kMaxTiles) {
        throw InputError("interconnect: grid " + std::to_string(grid_rows) + "x" + std::to_string(grid_cols) +
                         " is invalid; expected rows >= 1, cols >= 1 and at most " + std::to_string(kMaxTiles) +
                         " tiles");
    }
    rows_ = grid_rows;
    cols_ = grid_cols;
    links_.clear();
    out_port_.clear();
    build_links();
}

std::vector<int> GridTopology::route(int src_tile, int dst_tile) const {
    if (src_tile < 0 || src_tile >= tiles() || dst_tile < 0 || dst_tile >= tiles()) {
        throw std::out_of_range("route(" + std::to_string(src_tile) + ", " + std::to_string(dst_tile) +
                                "): tile id outside the " + std::to_string(tiles()) + "-tile grid");
    }
    std::vector<int> path;
    int cur = src_tile;
    while (cur != dst_tile) {
        // A correct rule reaches dst in fewer hops than there are tiles; more means a loop.
        if (static_cast<int>(path.size()) >= tiles()) throw std::logic_error("route(): routing rule loops");
        const int link = next_link(cur, dst_tile);
        path.push_back(link);
        cur = links_[link].dst_tile;
    }
    return path;
}

int GridTopology::add_link(int src_tile, int dst_tile) {
    links_.push_back(Link{src_tile, dst_tile});
    return static_cast<int>(links_.size()) - 1;
}

void GridTopology::reset_ports(int ports_per_tile) {
    ports_per_tile_ = ports_per_tile;
    out_port_.assign(static_cast<std::size_t>(tiles()) * ports_per_tile, -1);
}

void GridTopology::add_port_link(int src_tile, int port, int dst_row, int dst_col) {
    if (dst_row < 0 || dst_row >= rows_ || dst_col < 0 || dst_col >= cols_) return;  // grid edge
    out_port_[static_cast<std::size_t>(src_tile) * ports_per_tile_ + port] =
        add_link(src_tile, tile_at(dst_row, dst_col));
}

int GridTopology::port_link(int tile, int port) const {
    const int link = out_port_[static_cast<std::size_t>(tile) * ports_per_tile_ + port];
    if (link < 0) throw std::logic_error("routing rule chose a port with no link");
    return link;
}

}  // namespace aimcsim
