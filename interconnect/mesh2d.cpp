#include "aimcsim/core/registry.h"
#include "interconnect/topologies.h"

namespace aimcsim {

namespace {
enum MeshPort { kEast, kWest, kSouth, kNorth, kMeshPorts };
}  // namespace

ParamSchema Mesh2dTopology::schema() {
    ParamSchema s;
    add_link_params(s);
    return s;
}

void Mesh2dTopology::build_links() {
    reset_ports(kMeshPorts);
    for (int t = 0; t < tiles(); ++t) {
        const int r = row_of(t);
        const int c = col_of(t);
        add_port_link(t, kEast, r, c + 1);
        add_port_link(t, kWest, r, c - 1);
        add_port_link(t, kSouth, r + 1, c);
        add_port_link(t, kNorth, r - 1, c);
    }
}

int Mesh2dTopology::next_link(int cur_tile, int dst_tile) const {
    const int dcol = col_of(dst_tile) - col_of(cur_tile);
    if (dcol > 0) return port_link(cur_tile, kEast);
    if (dcol < 0) return port_link(cur_tile, kWest);
    return port_link(cur_tile, row_of(dst_tile) > row_of(cur_tile) ? kSouth : kNorth);
}

AIMCSIM_REGISTER(Topology, Mesh2dTopology, "mesh2d", "2D mesh, links to the 4 neighbours, XY routing");

}  // namespace aimcsim
