// Shared base of the built-in topologies: tiles on a rows x cols grid (tile id =
// row * cols + col), the common link parameters, and routing by a per-hop rule.
//
// Routing is dimension-ordered and deterministic: each topology's next_link()
// picks the outgoing link from the current tile towards the destination using only
// the two coordinates and a port table built once in setup(). This is the static
// routing table of a real router, stored as a rule instead of a tiles^2 table, so
// grids of thousands of tiles cost O(links) memory. route() walks that rule.
#pragma once

#include <vector>

#include "aimcsim/core/params.h"
#include "aimcsim/topology.h"

namespace aimcsim {

// Adds the link parameters every topology shares (width, hop latency, buffer
// depth, energy per bit and hop) to a schema; link_params_from() reads them back.
void add_link_params(ParamSchema& schema);
[[nodiscard]] LinkParams link_params_from(const Params& params);

class GridTopology : public Topology {
public:
    explicit GridTopology(const Params& params) : params_(link_params_from(params)) {}

    // Validates the grid, then lets the topology create its links (build_links()).
    void setup(int grid_rows, int grid_cols) override;

    [[nodiscard]] const std::vector<Link>& links() const override { return links_; }
    [[nodiscard]] std::vector<int> route(int src_tile, int dst_tile) const override;
    [[nodiscard]] const LinkParams& link_params() const override { return params_; }

    [[nodiscard]] int rows() const { return rows_; }
    [[nodiscard]] int cols() const { return cols_; }
    [[nodiscard]] int tiles() const { return rows_ * cols_; }

protected:
    virtual void build_links() = 0;
    // The link leaving `cur_tile` on the static route to `dst_tile` (cur != dst).
    [[nodiscard]] virtual int next_link(int cur_tile, int dst_tile) const = 0;

    int add_link(int src_tile, int dst_tile);
    [[nodiscard]] int row_of(int tile) const { return tile / cols_; }
    [[nodiscard]] int col_of(int tile) const { return tile % cols_; }
    [[nodiscard]] int tile_at(int row, int col) const { return row * cols_ + col; }

    // Port table: out_port_[tile * ports + port] = link id, or -1 where the grid
    // edge leaves no neighbour. Filled by add_port_link().
    void reset_ports(int ports_per_tile);
    void add_port_link(int src_tile, int port, int dst_row, int dst_col);
    [[nodiscard]] int port_link(int tile, int port) const;

private:
    LinkParams params_;
    int rows_ = 0;
    int cols_ = 0;
    int ports_per_tile_ = 0;
    std::vector<Link> links_;
    std::vector<int> out_port_;
};

}  // namespace aimcsim
