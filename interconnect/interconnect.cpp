#include "interconnect/interconnect.h"

#include <stdexcept>
#include <string>

namespace aimcsim {

Interconnect::Interconnect(const Topology& topology, int num_tiles) : scheduler_(topology) {
    const std::vector<Link>& links = topology.links();
    for (std::size_t l = 0; l < links.size(); ++l) {
        const Link& link = links[l];
        if (link.src_tile < 0 || link.src_tile >= num_tiles || link.dst_tile < 0 || link.dst_tile >= num_tiles) {
            throw std::logic_error("Interconnect: link " + std::to_string(l) + " leaves the " +
                                   std::to_string(num_tiles) + "-tile grid; was the topology set up for this grid?");
        }
    }
}

Interconnect::~Interconnect() = default;

}  // namespace aimcsim
