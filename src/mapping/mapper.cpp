#include "src/mapping/mapper.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "aimcsim/core/error.h"
#include "src/mapping/grid_geometry.h"

namespace aimcsim {

namespace {
int ceil_div(int a, int b) { return (a + b - 1) / b; }
}  // namespace

int tiles_for_matrix(int rows, int cols, int tile_rows, int tile_cols) {
    return ceil_div(rows, tile_rows) * ceil_div(cols, tile_cols);
}

BlockCut block_cut(const Layer& l, int tile_rows, int tile_cols) {
    BlockCut cut;
    if (l.groups <= 1) {
        cut.row_blocks = ceil_div(l.rows, tile_rows);
        cut.col_blocks = cut.pack_col_blocks = ceil_div(l.cols, tile_cols);
        return cut;
    }
    const int gc = l.group_cols();
    cut.groups_per_block = std::clamp(std::min(tile_rows / l.rows, tile_cols / gc), 1, l.groups);
    const int packs = ceil_div(l.groups, cut.groups_per_block);
    // A pack of several groups fits one tile; a pack of one group may need several.
    cut.row_blocks = ceil_div(cut.groups_per_block * l.rows, tile_rows);
    cut.pack_col_blocks = ceil_div(cut.groups_per_block * gc, tile_cols);
    cut.col_blocks = packs * cut.pack_col_blocks;
    return cut;
}

BlockCut block_of_cut(const Layer& l, BlockCut cut, int tile_rows, int tile_cols, int rb, int cb) {
    const int pack = cb / cut.pack_col_blocks, j = cb % cut.pack_col_blocks;
    const int g0 = pack * cut.groups_per_block;
    const int ng = std::min(cut.groups_per_block, l.groups - g0);
    const int gc = l.group_cols();
    cut.row_begin = g0 * l.rows + rb * tile_rows;
    cut.rows = std::min(tile_rows, ng * l.rows - rb * tile_rows);
    cut.col_begin = g0 * gc + j * tile_cols;
    cut.cols = std::min(tile_cols, ng * gc - j * tile_cols);
    // Several whole groups: only their diagonal blocks hold weights; else all cells do.
    cut.weight_cells = ng > 1 ? static_cast<long long>(ng) * l.rows * gc : static_cast<long long>(cut.rows) * cut.cols;
    return cut;
}

int tiles_for_layer(const Layer& l, int tile_rows, int tile_cols) {
    const BlockCut cut = block_cut(l, tile_rows, tile_cols);
    return cut.row_blocks * cut.col_blocks;
}

int tiles_needed(const Network& net, int tile_rows, int tile_cols) {
    int n = 0;
    for (const Layer& l : net.layers) {
        if (l.has_weights_matrix() && l.shares_weights < 0) n += tiles_for_layer(l, tile_rows, tile_cols);
    }
    return n;
}

int snake_tile(int k, int grid_rows, int grid_cols) {
    const int r = k / grid_cols;
    const int c = k % grid_cols;
    (void)grid_rows;
    return r * grid_cols + ((r % 2 == 0) ? c : grid_cols - 1 - c);
}

long long Mapping::cells_used() const {
    long long cells = 0;
    for (const TileBlock& b : blocks) {
        if (b.shared < 0) cells += b.weight_cells;
    }
    return cells;
}

int Mapping::tiles_used() const {
    int n = 0;
    for (const TileBlock& b : blocks) n += b.shared < 0 ? 1 : 0;
    return n;
}

double Mapping::cell_utilization() const {
    if (blocks.empty()) return 0.0;
    return static_cast<double>(cells_used()) / (static_cast<double>(tiles_used()) * tile_rows * tile_cols);
}

double Mapping::chip_cell_utilization() const {
    return static_cast<double>(cells_used()) / (static_cast<double>(tiles_total()) * tile_rows * tile_cols);
}

const LayerPlacement* Mapping::placement(int network_layer) const {
    if (network_layer < 0 || network_layer >= static_cast<int>(placement_of_layer.size())) return nullptr;
    const int i = placement_of_layer[static_cast<std::size_t>(network_layer)];
    return i < 0 ? nullptr : &layers[static_cast<std::size_t>(i)];
}

bool Mapping::failed(int tile) const { return std::binary_search(failed_tiles.begin(), failed_tiles.end(), tile); }

std::vector<int> Mapping::working_tiles_in_snake_order() const {
    std::vector<int> tiles;
    for (int k = 0; k < tiles_total(); ++k) {
        const int t = snake_tile(k, grid_rows, grid_cols);
        if (!failed(t)) tiles.push_back(t);
    }
    return tiles;
}

namespace {
std::string id_list(const std::vector<int>& ids) {
    std::string s;
    for (int id : ids) s += (s.empty() ? "" : ", ") + std::to_string(id);
    return s;
}
}  // namespace

int Mapping::manhattan(int a, int b) const { return grid_manhattan(a, b, grid_cols); }

std::string Mapping::tile_map_text(const Network& net) const {
    std::ostringstream os;
    os << "tile  (row,col)  layer            block   rows x cols\n";
    for (const TileBlock& b : blocks) {
        os << b.tile << "\t(" << b.grid_row << "," << b.grid_col << ")\t"
           << net.layers[static_cast<std::size_t>(b.layer)].name << "\t[" << b.block_row << "," << b.block_col << "]\t"
           << b.rows << " x " << b.cols << "\n";
    }
    return os.str();
}

namespace {

// Copies per network layer: the requested ones, then greedy filling of free tiles.
std::vector<int> layer_copies(const Network& net, int tile_rows, int tile_cols, int free_tiles,
                              const Replication& rep) {
    std::vector<int> copies(net.layers.size(), 1);
    for (std::size_t li = 0; li < net.layers.size() && li < rep.copies.size(); ++li) {
        const int c = rep.copies[li];
        if (c <= 1) continue;
        const Layer& l = net.layers[li];
        if (l.op != Op::Conv) {
            throw InputError("layer '" + l.name +
                             "' cannot be replicated: only conv layers have output pixels to share out (it is " +
                             op_name(l.op) + ")");
        }
        copies[li] = c;
        free_tiles -= (c - 1) * tiles_for_layer(l, tile_rows, tile_cols);
    }
    if (free_tiles < 0) {
        throw InputError("network '" + net.name + "': the requested replicas need " + std::to_string(-free_tiles) +
                         " more tiles than the chip has");
    }
    if (!rep.fill) return copies;
    std::vector<bool> candidate(net.layers.size(), false);
    for (std::size_t li = 0; li < net.layers.size(); ++li) candidate[li] = net.layers[li].op == Op::Conv;
    for (;;) {
        int best = -1;
        double best_load = 0.0;
        for (std::size_t li = 0; li < net.layers.size(); ++li) {
            if (!candidate[li]) continue;
            const Shape& out = net.shape(net.layers[li].output);
            const double load = static_cast<double>(out.h) * out.w / copies[li];
            if (load > best_load) {
                best = static_cast<int>(li);
                best_load = load;
            }
        }
        if (best < 0 || best_load <= 1.0) break;  // nothing left to share out
        const Layer& l = net.layers[static_cast<std::size_t>(best)];
        const int need = tiles_for_layer(l, tile_rows, tile_cols);
        if (need > free_tiles) {  // the slowest stage cannot grow: balancing the others would not help
            break;
        }
        ++copies[static_cast<std::size_t>(best)];
        free_tiles -= need;
    }
    return copies;
}

}  // namespace

Mapping map_network(const Network& net, int tile_rows, int tile_cols, int grid_rows, int grid_cols,
                    const Replication& replication, const std::vector<int>& failed_tiles) {
    Mapping m;
    m.tile_rows = tile_rows;
    m.tile_cols = tile_cols;
    m.grid_rows = grid_rows;
    m.grid_cols = grid_cols;

    m.failed_tiles = failed_tiles;
    std::sort(m.failed_tiles.begin(), m.failed_tiles.end());
    m.failed_tiles.erase(std::unique(m.failed_tiles.begin(), m.failed_tiles.end()), m.failed_tiles.end());
    const std::vector<int> working = m.working_tiles_in_snake_order();

    const int needed = tiles_needed(net, tile_rows, tile_cols);
    const int have = static_cast<int>(working.size());
    if (needed > have) {
        // Smallest near-square grid that fits: what to write in chip.rows / chip.cols.
        const int want = needed + static_cast<int>(m.failed_tiles.size());
        const int cols = static_cast<int>(std::ceil(std::sqrt(static_cast<double>(want))));
        const int rows = ceil_div(want, cols);
        const std::string failed_text = m.failed_tiles.empty()
                                            ? std::string()
                                            : " of which " + std::to_string(m.failed_tiles.size()) +
                                                  " failed (chip.failed_tiles: " + id_list(m.failed_tiles) +
                                                  "), leaving " + std::to_string(have);
        throw InputError("network '" + net.name + "' needs " + std::to_string(needed) + " tiles of " +
                         std::to_string(tile_rows) + "x" + std::to_string(tile_cols) + " cells but the chip has " +
                         std::to_string(grid_rows) + "x" + std::to_string(grid_cols) + " = " +
                         std::to_string(grid_rows * grid_cols) + failed_text + "; use a chip of at least " +
                         std::to_string(want) + " tiles (e.g. chip.rows: " + std::to_string(rows) +
                         ", chip.cols: " + std::to_string(cols) + ")");
    }

    const std::vector<int> copies = layer_copies(net, tile_rows, tile_cols, have - needed, replication);
    m.placement_of_layer.assign(net.layers.size(), -1);
    m.block_of_tile.assign(static_cast<std::size_t>(m.tiles_total()), -1);
    std::size_t k = 0;  // next working tile in snake order
    for (std::size_t li = 0; li < net.layers.size(); ++li) {
        const Layer& l = net.layers[li];
        if (!l.has_weights_matrix()) continue;
        LayerPlacement lp;
        lp.layer = static_cast<int>(li);
        lp.name = l.name;
        lp.rows = l.input_rows();
        lp.cols = l.cols;
        const BlockCut cut = block_cut(l, tile_rows, tile_cols);
        lp.row_blocks = cut.row_blocks;
        lp.col_blocks = cut.col_blocks;
        lp.first_block = static_cast<int>(m.blocks.size());
        lp.replicas = copies[li];
        if (l.shares_weights >= 0) {  // the shared layer's blocks again, on its tiles
            const LayerPlacement* src = m.placement(l.shares_weights);
            if (src == nullptr || src->rows != l.rows || src->cols != l.cols)
                throw InputError("layer '" + l.name + "' shares the weights of a layer that is not an earlier weight "
                                 "layer of the same shape");
            lp.replicas = 1;
            for (int bi = src->first_block; bi < src->first_block + src->tiles(); ++bi) {
                TileBlock b = m.blocks[static_cast<std::size_t>(bi)];
                b.layer = lp.layer;
                b.shared = bi;
                m.blocks.push_back(b);
            }
            m.placement_of_layer[li] = static_cast<int>(m.layers.size());
            m.layers.push_back(lp);
            continue;
        }
        for (int rep = 0; rep < lp.replicas; ++rep) {
            for (int bc = 0; bc < lp.col_blocks; ++bc) {
                for (int br = 0; br < lp.row_blocks; ++br) {
                    TileBlock b;
                    b.layer = lp.layer;
                    b.replica = rep;
                    b.block_row = br;
                    b.block_col = bc;
                    const BlockCut extent = block_of_cut(l, cut, tile_rows, tile_cols, br, bc);
                    b.row_begin = extent.row_begin;
                    b.col_begin = extent.col_begin;
                    b.rows = extent.rows;
                    b.cols = extent.cols;
                    b.weight_cells = extent.weight_cells;
                    b.tile = working[k++];
                    b.grid_row = b.tile / grid_cols;
                    b.grid_col = b.tile % grid_cols;
                    m.block_of_tile[static_cast<std::size_t>(b.tile)] = static_cast<int>(m.blocks.size());
                    m.blocks.push_back(b);
                }
            }
        }
        m.placement_of_layer[li] = static_cast<int>(m.layers.size());
        m.layers.push_back(lp);
    }
    return m;
}

}  // namespace aimcsim
