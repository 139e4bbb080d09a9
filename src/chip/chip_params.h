// Parameters of the chip around the tiles (`chip:` section): the grid, the
// interconnect, the digital work done outside the crossbars (partial-sum adds,
// pooling, residual adds) and the controller's I/O port.
#pragma once

#include <vector>

#include "aimcsim/core/config.h"
#include "aimcsim/core/params.h"
#include "aimcsim/topology.h"
#include "digital/gdpu.h"
#include "digital/matmul_unit.h"
#include "src/mapping/mapper.h"
#include "src/mapping/placement.h"

namespace aimcsim {

struct ChipParams {
    int rows = 8;                          // tiles per grid column
    int cols = 8;                          // tiles per grid row
    double other_area_mm2 = 0.0;           // silicon outside the tiles (GDPUs, I/O, clocking), counted in chip.area_mm2
    double static_power_mw = 0.0;          // chip-level static power (clock tree, I/O, controller), besides the tiles'
    bool power_gate_unused_tiles = false;  // tiles the mapping leaves empty draw no static power
    int activation_bits = 8;               // bits of one activation on the interconnect
    int psum_bits = 16;                    // bits of one partial sum on the interconnect
    int psum_add_cycles = 2;               // adding one vector of partial sums in the receiving tile's LDPU
    double psum_add_energy_pj = 0.5;       // per value added
    int pool_cycles = 2;                   // one pooled output pixel (max/avg) at the producing tile
    int add_cycles = 2;                    // one residual-add output pixel
    int gap_cycles = 2;                    // global average pooling, after the last input pixel
    double digital_energy_pj = 0.5;        // per value of a pooling / residual-add / GAP op
    int gdpus = 8;                         // global digital units (0: pooling, add, GAP at the producing tile)
    int gdpu_lanes = 16;                   // values a GDPU takes per cycle
    int lstm_cell_cycles = 4;              // LSTM cell latency after its gates are in (sigmoid/tanh lookups, products)
    int softmax_cycles = 4;      // latency of a GDPU's exp/reciprocal lookup pipeline (softmax waits for it twice)
    int io_tile = 0;             // tile whose router the controller injects into and reads from
    int io_bits_per_cycle = 64;  // controller input stream rate
    int inferences_in_flight = 16;  // the controller streams inference n once n - this is done; 0: no limit
    ModelConfig<Topology> interconnect;  // `interconnect:` section (topology model + link params), validated
    ConfigNode replicate;  // `replicate:` {conv layer name: copies in [1, 1024]} (null: none); names checked on mapping
    bool replicate_fill = false;    // add copies of the slowest conv layers while tiles are free
    std::vector<int> failed_tiles;  // tile ids whose core failed: no block is mapped there
    // Where the blocks go: snake order (layer after layer), or that order improved for
    // the fewest bit-hops per inference (src/mapping/placement.h). The code default
    // stays snake so hand-derived timelines built on ChipParams keep their tiles.
    PlacementMethod placement = PlacementMethod::Snake;
    // Transformers (issue 15): the GDPUs' products of two activations, GELU and
    // LayerNorm (`gdpu:` section; lanes, energy per value and the lookup latency
    // come from gdpu_lanes, digital_energy_pj and softmax_cycles above), where
    // attention's Q K^T and A V run, and the dedicated matmul units (`matmul_unit:`).
    GdpuParams gdpu;
    enum class Attention { Gdpu, MatmulUnit };
    Attention attention = Attention::Gdpu;
    MatmulUnitParams matmul_unit;

    [[nodiscard]] int tiles() const { return rows * cols; }
    // The tile whose router GDPU g is attached to: GDPUs are spread evenly over the
    // grid in row-major order, each at the middle of its share (8 on 8x8: one per
    // row, in column 4; on a grid smaller than that, several share a router).
    [[nodiscard]] int gdpu_tile(int g) const { return static_cast<int>(((2LL * g + 1) * tiles()) / (2LL * gdpus)); }
    // The router matmul unit u sits at: spread like the GDPUs, over matmul_unit.count.
    [[nodiscard]] int matmul_unit_tile(int u) const {
        return static_cast<int>(((2LL * u + 1) * tiles()) / (2LL * matmul_unit.count));
    }
    // What the placement's traffic model needs of the chip.
    [[nodiscard]] TrafficParams traffic_params() const;
};

[[nodiscard]] ParamSchema chip_schema();
// Validates the `chip:` section (null: all defaults), interconnect and replicate copies included.
[[nodiscard]] ChipParams parse_chip_params(const ConfigNode& chip);
// The replication the chip asks for, for this network: `replicate:` names are
// checked against its layers (ConfigError with file:line and a did-you-mean).
[[nodiscard]] Replication chip_replication(const ChipParams& chip, const Network& net);

}  // namespace aimcsim
