#include <string>

#include "aimcsim/core/error.h"
#include "aimcsim/core/registry.h"
#include "interconnect/topologies.h"

namespace aimcsim {

ParamSchema IdealTopology::schema() {
    ParamSchema s;
    add_link_params(s);
    return s;
}

void IdealTopology::build_links() {
    if (tiles() > kMaxTiles) {
        throw InputError(
            "interconnect: the ideal topology builds one virtual link per tile pair and supports at most " +
            std::to_string(kMaxTiles) + " tiles; the grid has " + std::to_string(tiles()));
    }
    // Ids follow next_link(): src-major, dst ascending, skipping dst == src.
    for (int s = 0; s < tiles(); ++s) {
        for (int d = 0; d < tiles(); ++d) {
            if (d != s) add_link(s, d);
        }
    }
}

int IdealTopology::next_link(int cur_tile, int dst_tile) const {
    return cur_tile * (tiles() - 1) + (dst_tile < cur_tile ? dst_tile : dst_tile - 1);
}

AIMCSIM_REGISTER(Topology, IdealTopology, "ideal",
                 "contention-free reference: every route is one virtual hop of fixed latency, nothing waits");

}  // namespace aimcsim
