// The built-in chip-to-chip topologies (axis "chip_link"): ring, mesh2d, switch,
// all_to_all. They share the link parameters of `system.links` and route by a
// per-hop rule over a small next-hop table (a system has tens of chips, not
// thousands of tiles, so nodes^2 entries are cheap).
#pragma once

#include <string>
#include <vector>

#include "aimcsim/chip_link.h"
#include "aimcsim/core/params.h"

namespace aimcsim {

// Adds the parameters every chip-to-chip topology shares to a schema.
void add_chip_link_params(ParamSchema& schema);
[[nodiscard]] ChipLinkParams chip_link_params_from(const Params& params);

class ChipLinkGraph : public ChipLinkTopology {
public:
    explicit ChipLinkGraph(const Params& params) : params_(chip_link_params_from(params)) {}

    // Builds the links (build()), then checks each chip has the ports they take.
    void setup(int chips) override;
    [[nodiscard]] int nodes() const override { return nodes_; }
    [[nodiscard]] const std::vector<Link>& links() const override { return links_; }
    [[nodiscard]] std::vector<int> route(int src_chip, int dst_chip) const override;
    [[nodiscard]] const ChipLinkParams& params() const override { return params_; }

protected:
    // Creates the links for `chips` chips; returns the number of nodes (chips + switches).
    virtual int build(int chips) = 0;
    // The next node on the static route from `cur` to `dst` (cur != dst).
    [[nodiscard]] virtual int next_node(int cur, int dst) const = 0;
    [[nodiscard]] virtual std::string name() const = 0;
    void add_link(int src, int dst);
    [[nodiscard]] int chips() const { return chips_; }

private:
    ChipLinkParams params_;
    int chips_ = 0;
    int nodes_ = 0;
    std::vector<Link> links_;
    std::vector<int> link_of_pair_;  // [src * nodes + dst] -> link id, -1 if none
};

// A bidirectional ring: chip i links to i - 1 and i + 1 (mod chips); the shorter
// way round, clockwise (ascending) on a tie. 2 ports per chip (1 for two chips).
class RingChipLinks final : public ChipLinkGraph {
public:
    static ParamSchema schema();
    explicit RingChipLinks(const Params& p) : ChipLinkGraph(p) {}

private:
    int build(int chips) override;
    [[nodiscard]] int next_node(int cur, int dst) const override;
    [[nodiscard]] std::string name() const override { return "ring"; }
};

// Chips on a near-square grid (ceil(sqrt(chips)) columns, row-major, the last row
// possibly short), each linked to its 4 neighbours; XY routing (along the row
// first), YX from a chip of a short last row so a route never needs a missing chip.
class Mesh2dChipLinks final : public ChipLinkGraph {
public:
    static ParamSchema schema();
    explicit Mesh2dChipLinks(const Params& p) : ChipLinkGraph(p) {}

private:
    int build(int chips) override;
    [[nodiscard]] int next_node(int cur, int dst) const override;
    [[nodiscard]] std::string name() const override { return "mesh2d"; }
    int cols_ = 1;
};

// Every chip has one link to a central switch and one back (node `chips`); a route
// is chip -> switch -> chip, 2 hops. 1 port per chip; the switch has one per chip.
class SwitchChipLinks final : public ChipLinkGraph {
public:
    static ParamSchema schema();
    explicit SwitchChipLinks(const Params& p) : ChipLinkGraph(p) {}

private:
    int build(int chips) override;
    [[nodiscard]] int next_node(int cur, int dst) const override;
    [[nodiscard]] std::string name() const override { return "switch"; }
};

// A direct link between every ordered pair of chips: one hop, chips - 1 ports.
class AllToAllChipLinks final : public ChipLinkGraph {
public:
    static ParamSchema schema();
    explicit AllToAllChipLinks(const Params& p) : ChipLinkGraph(p) {}

private:
    int build(int chips) override;
    [[nodiscard]] int next_node(int, int dst) const override { return dst; }
    [[nodiscard]] std::string name() const override { return "all_to_all"; }
};

}  // namespace aimcsim
