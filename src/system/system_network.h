// The network of a multi-chip system as the chip schedule sees it: one
// Interconnect over the tiles of all chips (chip c's tile t is system tile
// c * chip_tiles + t). Within a chip a packet takes that chip's own network (its
// topology and LinkScheduler, as on a single chip). Between chips it goes over
// the source chip's network to its I/O tile's router, through the chip's I/O port
// (TLM) onto the chip-to-chip links (ChipLinkNetwork), and from the destination
// chip's I/O tile over that chip's network to the destination tile. Each leg is
// booked when the packet is sent, in the order packets are sent, the next leg
// ready when the last bit of the previous one has arrived: the I/O port stores a
// packet and forwards it whole (no cut-through, no back-pressure across a chip's
// boundary; within each leg both apply).
//
// SystemLinks holds the state (plain C++: topologies, schedulers, statistics) and
// outlives the simulation; SystemNetwork is the SystemC side the chip owns.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "aimcsim/chip_link.h"
#include "interconnect/interconnect.h"
#include "src/chip/chip_params.h"
#include "src/system/chip_links.h"

namespace aimcsim {

// All links of the system as one Topology (for the chip's trace and link table):
// chip c's link l is c * chip_links + l, chip-to-chip link k is chips * chip_links
// + k, joining the I/O tiles (a switch is node chips * chip_tiles + s).
class SystemTopology final : public Topology {
public:
    SystemTopology(const std::vector<std::unique_ptr<Topology>>& chips, const ChipLinkTopology& chip_links,
                   int chip_tiles, int io_tile);
    void setup(int, int) override {}
    [[nodiscard]] const std::vector<Link>& links() const override { return links_; }
    [[nodiscard]] std::vector<int> route(int src_tile, int dst_tile) const override;
    [[nodiscard]] const LinkParams& link_params() const override { return chips_.front()->link_params(); }
    [[nodiscard]] int nodes() const { return nodes_; }

private:
    const std::vector<std::unique_ptr<Topology>>& chips_;
    const ChipLinkTopology& chip_links_;
    int chip_tiles_, io_tile_, per_chip_links_, nodes_;
    std::vector<Link> links_;
};

class SystemLinks {
public:
    // `chip` is each chip's params; `links` the chip-to-chip topology (not set up yet).
    SystemLinks(const ChipParams& chip, int chips, std::unique_ptr<ChipLinkTopology> links, double clock_ghz);

    [[nodiscard]] int chips() const { return static_cast<int>(chip_nets_.size()); }
    [[nodiscard]] int chip_tiles() const { return chip_tiles_; }
    [[nodiscard]] int io_tile() const { return io_tile_; }
    [[nodiscard]] Interconnect& chip_network(int c) { return *chip_nets_.at(static_cast<std::size_t>(c)); }
    [[nodiscard]] const Interconnect& chip_network(int c) const { return *chip_nets_.at(static_cast<std::size_t>(c)); }
    [[nodiscard]] LinkScheduler& chip_links() { return *chip_link_scheduler_; }
    [[nodiscard]] const LinkScheduler& chip_links() const { return *chip_link_scheduler_; }
    [[nodiscard]] const ChipLinkTopology& chip_link_topology() const { return *chip_link_topology_; }
    [[nodiscard]] const SystemTopology& topology() const { return *system_topology_; }
    // Whole packets, counted once each (hops and stalls over all legs); bit-hops,
    // energy and back-pressure summed over the chips' networks and the chip links.
    [[nodiscard]] NetworkTotals totals() const;
    void count(std::uint64_t bits, const Delivery& d);
    void record_spans(bool on);
    // Every leg's link crossings, with system link ids.
    [[nodiscard]] std::vector<LinkSpan> spans() const;

private:
    int chip_tiles_ = 0;
    int io_tile_ = 0;
    std::vector<std::unique_ptr<Topology>> chip_topologies_;
    std::vector<std::unique_ptr<Interconnect>> chip_nets_;
    std::unique_ptr<ChipLinkTopology> chip_link_topology_;
    std::unique_ptr<ChipLinkRoutes> chip_link_routes_;
    std::unique_ptr<LinkScheduler> chip_link_scheduler_;
    std::unique_ptr<SystemTopology> system_topology_;
    NetworkTotals totals_;
};

class SystemNetwork final : public Interconnect {
public:
    // Elaborates the chip-to-chip network and one I/O port per chip (call in a fresh SystemC context).
    SystemNetwork(SystemLinks& links, sc_core::sc_time clock_period);
    ~SystemNetwork() override;
    Delivery send(int src_tile, int dst_tile, std::uint64_t bits, std::uint64_t ready_cycle) override;

private:
    SystemLinks& links_;
    std::unique_ptr<ChipLinkNetwork> network_;
    std::vector<std::unique_ptr<ChipIoPort>> ports_;
};

}  // namespace aimcsim
