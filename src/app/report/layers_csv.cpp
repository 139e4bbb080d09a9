#include "src/app/report/layers_csv.h"

#include <sstream>

namespace aimcsim {

std::string layers_csv(const ChipRunResult& r) {
    std::ostringstream os;
    os << "name,op,tiles,row_blocks,col_blocks,mvms,start_ns,end_ns,latency_ns,energy_pj,gdpu\n";
    for (const LayerResult& l : r.layers) {
        os << l.name << ',' << l.op << ',' << l.tiles << ',' << l.row_blocks << ',' << l.col_blocks << ',' << l.mvms
           << ',' << l.start_ns << ',' << l.end_ns << ',' << (l.end_ns - l.start_ns) << ',' << l.energy_pj << ','
           << (l.gdpu >= 0 ? std::to_string(l.gdpu) : std::string()) << '\n';
    }
    return os.str();
}

}  // namespace aimcsim
