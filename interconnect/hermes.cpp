#include "aimcsim/core/registry.h"
#include "interconnect/topologies.h"

namespace aimcsim {

namespace {
// Port order fixes link ids: per tile, in this order, where a neighbour exists.
enum HermesPort { kEast1, kEast2, kWest1, kWest2, kSouth, kNorth, kHermesPorts };
}  // namespace

ParamSchema HermesTopology::schema() {
    ParamSchema s;
    add_link_params(s);
    return s;
}

void HermesTopology::build_links() {
    reset_ports(kHermesPorts);
    for (int t = 0; t < tiles(); ++t) {
        const int r = row_of(t);
        const int c = col_of(t);
        add_port_link(t, kEast1, r, c + 1);
        add_port_link(t, kEast2, r, c + 2);
        add_port_link(t, kWest1, r, c - 1);
        add_port_link(t, kWest2, r, c - 2);
        add_port_link(t, kSouth, r + 1, c);
        add_port_link(t, kNorth, r - 1, c);
    }
}

int HermesTopology::next_link(int cur_tile, int dst_tile) const {
    const int dcol = col_of(dst_tile) - col_of(cur_tile);
    if (dcol >= 2) return port_link(cur_tile, kEast2);
    if (dcol == 1) return port_link(cur_tile, kEast1);
    if (dcol <= -2) return port_link(cur_tile, kWest2);
    if (dcol == -1) return port_link(cur_tile, kWest1);
    return port_link(cur_tile, row_of(dst_tile) > row_of(cur_tile) ? kSouth : kNorth);
}

AIMCSIM_REGISTER(
    Topology, HermesTopology, "hermes",
    "IBM 64-core chip: direct links 1 and 2 tiles away in a row, 1 away in a column; static shortest routes");

}  // namespace aimcsim
