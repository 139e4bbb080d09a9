// Maps a network's weight layers onto the tiles of a chip grid.
// Each weight layer's matrix (Conv: kh*kw*cin rows x cout cols) is cut into
// tile-sized blocks: ceil(rows/R) row blocks x ceil(cols/C) column blocks, one
// tile each. Row blocks of one column block produce partial sums that must be
// added; column blocks run in parallel. Tiles are handed out in snake order over
// the grid (row 0 left to right, row 1 right to left, ...), layer after layer,
// so consecutive blocks and consecutive layers sit on neighbouring tiles.
// Replication: a conv layer may get several copies (replicas) of all its blocks,
// placed right after the original; replica r computes the output pixels
// o with o % replicas == r, so a layer that would hold up the pipeline (many
// output pixels on few tiles, like a first layer) runs on more arrays at once.
#pragma once

#include <string>
#include <vector>

#include "aimcsim/network.h"

namespace aimcsim {

// One weight block on one tile.
struct TileBlock {
    int layer = 0;      // index in Network::layers
    int block_row = 0;  // which slice of the matrix rows
    int block_col = 0;  // which slice of the matrix columns
    int row_begin = 0;  // first matrix row held
    int col_begin = 0;  // first matrix column held
    int rows = 0;       // matrix rows held (<= tile rows)
    int cols = 0;       // matrix columns held (<= tile cols)
    // Cells holding a weight: rows * cols, but only the diagonal group blocks of a
    // grouped Conv's block (its off-diagonal cells are programmed to zero).
    long long weight_cells = 0;
    int replica = 0;  // which copy of the layer's blocks (0: the original)
    int tile = 0;     // tile id = grid_row * grid_cols + grid_col
    int grid_row = 0;
    int grid_col = 0;
    // A layer sharing another's weights (Layer::shares_weights): the block of that
    // layer whose tile (and programmed matrix) this block uses, or -1 (its own tile).
    int shared = -1;
};

// The blocks of one weight layer: blocks[first_block .. first_block + replicas*row_blocks*col_blocks),
// replica outermost, then column block, row block inner (the row blocks of a column sit next to each other).
struct LayerPlacement {
    int layer = 0;
    std::string name;
    int rows = 0, cols = 0;  // the layer's matrix
    int row_blocks = 0;
    int col_blocks = 0;
    int first_block = 0;
    int replicas = 1;
    // Tiles of one copy of the layer.
    [[nodiscard]] int tiles() const { return row_blocks * col_blocks; }
    // Tiles of all its copies.
    [[nodiscard]] int all_tiles() const { return replicas * tiles(); }
    [[nodiscard]] int block_index(int block_row, int block_col, int replica = 0) const {
        return first_block + replica * tiles() + block_col * row_blocks + block_row;
    }
    // The replica that computes output pixel `pixel`.
    [[nodiscard]] int replica_of_pixel(int pixel) const { return pixel % replicas; }
};

struct Mapping {
    int tile_rows = 0, tile_cols = 0;  // cells of one tile
    int grid_rows = 0, grid_cols = 0;  // tiles of the chip
    std::vector<TileBlock> blocks;
    std::vector<LayerPlacement> layers;   // weight layers only, in network order
    std::vector<int> placement_of_layer;  // Network layer index -> index in `layers`, -1 if not a weight layer
    std::vector<int> block_of_tile;       // tile id -> index in `blocks`, -1 if unused
    std::vector<int> failed_tiles;        // tile ids whose core failed (sorted): never given a block

    [[nodiscard]] int tiles_total() const { return grid_rows * grid_cols; }
    // Tiles holding a block (a layer sharing another's weights adds none).
    [[nodiscard]] int tiles_used() const;
    [[nodiscard]] long long cells_used() const;
    // Programmed cells / cells of the tiles used.
    [[nodiscard]] double cell_utilization() const;
    // Programmed cells / cells of the whole chip.
    [[nodiscard]] double chip_cell_utilization() const;
    // Placement of a weight layer, or nullptr.
    [[nodiscard]] const LayerPlacement* placement(int network_layer) const;
    // Grid hop distance (Manhattan) between two tiles.
    [[nodiscard]] int manhattan(int tile_a, int tile_b) const;
    // A text table, one line per block.
    [[nodiscard]] std::string tile_map_text(const Network& net) const;
    [[nodiscard]] bool failed(int tile) const;
    // The tiles that may hold a block, in snake order (failed tiles skipped).
    [[nodiscard]] std::vector<int> working_tiles_in_snake_order() const;
};

// How a weight layer's logical matrix (Layer::input_rows() x cols) is cut into
// blocks. An ungrouped layer: a grid of row_blocks x col_blocks. A grouped Conv is
// block-diagonal: each block holds whole groups on its diagonal (as many as fit a tile,
// groups_per_block) or, for groups larger than a tile, a slice of one group; the
// zero blocks off the diagonal are not mapped. Every column block then has the same
// number of row blocks, all inside its groups.
struct BlockCut {
    int row_blocks = 1, col_blocks = 1;
    int groups_per_block = 1;
    int pack_col_blocks = 1;                               // column blocks of one pack of groups
    int row_begin = 0, rows = 0, col_begin = 0, cols = 0;  // of block (rb, cb), from block()
    long long weight_cells = 0;
};
[[nodiscard]] BlockCut block_cut(const Layer& l, int tile_rows, int tile_cols);
// The extent of block (rb, cb) of a cut (fills row_begin, rows, col_begin, cols, weight_cells).
[[nodiscard]] BlockCut block_of_cut(const Layer& l, BlockCut cut, int tile_rows, int tile_cols, int rb, int cb);
// Tiles a layer needs (one copy).
[[nodiscard]] int tiles_for_layer(const Layer& l, int tile_rows, int tile_cols);

// Tiles a matrix needs on tiles of tile_rows x tile_cols cells.
[[nodiscard]] int tiles_for_matrix(int rows, int cols, int tile_rows, int tile_cols);
// Tiles the whole network needs (layers that share another's weights need none).
[[nodiscard]] int tiles_needed(const Network& net, int tile_rows, int tile_cols);

// Tile id of the k-th tile in snake order.
[[nodiscard]] int snake_tile(int k, int grid_rows, int grid_cols);

// How many copies of which layers: `copies` by network layer index (absent: 1);
// `fill` then adds copies while free tiles remain, each time to the conv layer
// with the most output pixels per copy (the slowest pipeline stage), if its
// blocks fit the tiles left.
struct Replication {
    std::vector<int> copies;  // [network layer] (may be empty)
    bool fill = false;
};

// A layer that shares an earlier layer's weights (Layer::shares_weights) gets blocks
// on that layer's tiles (TileBlock::shared), no tiles of its own, and no replicas.
// Places the network on the tiles that work, in snake order, skipping `failed_tiles`
// (tile ids, e.g. cores that did not program). Throws InputError, with the number of
// tiles needed, the failed tiles and a grid that would fit, if the working tiles are
// too few (for one copy of every layer; then for the requested replicas).
[[nodiscard]] Mapping map_network(const Network& net, int tile_rows, int tile_cols, int grid_rows, int grid_cols,
                                  const Replication& replication = {}, const std::vector<int>& failed_tiles = {});

}  // namespace aimcsim
