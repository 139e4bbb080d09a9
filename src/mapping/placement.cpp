#include "src/mapping/placement.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <stdexcept>
#include <utility>

#include "src/mapping/grid_geometry.h"
#include "src/mapping/token_layout.h"

namespace aimcsim {

const char* placement_method_name(PlacementMethod m) { return m == PlacementMethod::Traffic ? "traffic" : "snake"; }

PlacementMethod parse_placement_method(const std::string& name) {
    if (name == "snake") return PlacementMethod::Snake;
    if (name == "traffic") return PlacementMethod::Traffic;
    throw std::invalid_argument("placement method '" + name + "': expected snake|traffic");
}

namespace {

// Pixels p in [0, pixels) with p % copies == copy: what one replica computes.
std::uint64_t pixels_of_copy(int pixels, int copies, int copy) {
    return static_cast<std::uint64_t>(pixels / copies + (copy < pixels % copies ? 1 : 0));
}

// A channel slice of a tensor and where it lives (ChipSchedule's Part).
struct Slice {
    int lo = 0, hi = 0;
    FlowEnd end;
};

struct TensorSlices {
    int w = 1;
    int pixels = 1;
    std::vector<Slice> slices;
    int replicated = -1;  // placement whose replicas hold the pixels (pixel p on replica p % copies), or -1
};

// Enumerates what ChipSchedule sends in one inference (see placement.h).
class FlowBuilder {
public:
    FlowBuilder(const Network& net, const Mapping& map, const TrafficParams& params)
        : net_(net), map_(map), params_(params) {}

    std::vector<Flow> build() {
        locate_tensors();
        for (std::size_t t = 0; t < net_.tensors.size(); ++t) tensor_flows(static_cast<int>(t));
        for (const LayerPlacement& lp : map_.layers) {
            psum_flows(lp);
            if (net_.layers[static_cast<std::size_t>(lp.layer)].op == Op::Lstm) gate_flows(lp);
        }
        std::vector<Flow> flows;
        for (const auto& kv : bits_) flows.push_back(Flow{kv.first.first, kv.first.second, kv.second});
        return flows;
    }

private:
    [[nodiscard]] bool have_gdpus() const { return !params_.gdpu_tiles.empty(); }
    [[nodiscard]] const TensorSlices& tensor(int t) const { return tensors_[static_cast<std::size_t>(t)]; }
    [[nodiscard]] static FlowEnd block_end(int block) { return FlowEnd{block, false}; }

    void add(const FlowEnd& src, const FlowEnd& dst, std::uint64_t bits) {
        if (src == dst || bits == 0) return;  // stays where it is
        bits_[{src, dst}] += bits;
    }

    // Mirrors ChipSchedule::build_tensors: where each tensor's slices are.
    void locate_tensors() {
        tensors_.assign(net_.tensors.size(), TensorSlices{});
        const Shape& in = net_.input_shape();
        TensorSlices& input = tensors_[static_cast<std::size_t>(net_.input)];
        input.w = in.w;
        input.pixels = in.h * in.w;
        input.slices = {Slice{0, in.c, FlowEnd{}}};
        if (is_token_tensor(net_, net_.input)) {  // token by token (token_layout.h)
            input.w = 1;
            input.pixels = stream_pixels(net_, net_.input);
            input.slices = {Slice{0, stream_vector(net_, net_.input), FlowEnd{}}};
        }
        for (std::size_t li = 0; li < net_.layers.size(); ++li) {
            const Layer& l = net_.layers[li];
            const Shape& out = net_.shape(l.output);
            TensorSlices& to = tensors_[static_cast<std::size_t>(l.output)];
            to.w = out.w;
            to.pixels = out.h * out.w;
            if (is_transformer_op(l.op) || is_token_tensor(net_, l.output)) {  // (a ReLU on tokens too)
                to.w = 1;
                to.pixels = stream_pixels(net_, l.output);
            }
            const TensorSlices& first = tensor(l.inputs.at(0));
            if (is_transformer_op(l.op) && !l.has_weights_matrix()) {
                // Approximation of the schedule's transformer flows: each slice to the GDPU
                // nearest it (the schedule gathers rows and whole tensors on one of them).
                for (const Slice& s : first.slices) to.slices.push_back(Slice{s.lo, s.hi, FlowEnd{s.end.block, true}});
            } else if (l.op == Op::Lstm) {
                // The cell runs on the GDPU nearest the layer's first tile.
                to.slices = {Slice{0, l.hidden(), FlowEnd{map_.placement(static_cast<int>(li))->first_block, true}}};
            } else if (l.has_weights_matrix()) {
                const LayerPlacement& lp = *map_.placement(static_cast<int>(li));
                for (int c = 0; c < lp.col_blocks; ++c) {
                    const int bi = lp.block_index(0, c);
                    const TileBlock& b = map_.blocks[static_cast<std::size_t>(bi)];
                    to.slices.push_back(Slice{b.col_begin, b.col_begin + b.cols, block_end(bi)});
                }
                if (lp.replicas > 1) to.replicated = map_.placement_of_layer[li];
            } else if (l.op == Op::Flatten) {
                for (const Slice& s : first.slices)
                    to.slices.push_back(Slice{s.lo * first.pixels, s.hi * first.pixels, s.end});
            } else if (l.op == Op::Softmax) {
                FlowEnd unit = first.slices.front().end;
                if (have_gdpus()) unit.at_gdpu = true;  // on a GDPU already: stays there
                to.slices = {Slice{0, out.c, unit}};
            } else if (l.op == Op::Relu || l.op == Op::Unary || l.op == Op::ChannelAffine) {
                to.slices = first.slices;  // in the LDPU, in place
                to.replicated = first.replicated;
            } else if (l.op == Op::Pad || l.op == Op::Resize) {
                to.slices = first.slices;  // where the input is (replica 0's tiles)
            } else if (l.op == Op::Concat) {
                int offset = 0;
                for (int t : l.inputs) {
                    for (const Slice& s : tensor(t).slices)
                        to.slices.push_back(Slice{s.lo + offset, s.hi + offset, s.end});
                    offset += net_.shape(t).c;
                }
            } else if (!have_gdpus()) {
                to.slices = first.slices;  // at the producing (replica 0's) tile
            } else {
                // Pooling, GAP, Add: each slice on the GDPU nearest it (or the one holding it).
                for (const Slice& s : first.slices) to.slices.push_back(Slice{s.lo, s.hi, FlowEnd{s.end.block, true}});
            }
        }
    }

    [[nodiscard]] int copies_of(const TensorSlices& t) const {
        return t.replicated < 0 ? 1 : map_.layers[static_cast<std::size_t>(t.replicated)].replicas;
    }

    // Where slice k of pixels computed by copy r of the producer is.
    [[nodiscard]] FlowEnd source_end(const TensorSlices& t, int k, int copy) const {
        if (t.replicated < 0) return t.slices[static_cast<std::size_t>(k)].end;
        return block_end(map_.layers[static_cast<std::size_t>(t.replicated)].block_index(0, k, copy));
    }

    // Sends `values` channels of slice k, for every pixel, to `dst`.
    void every_pixel(const TensorSlices& t, int k, const FlowEnd& dst, int values) {
        const int copies = copies_of(t);
        for (int r = 0; r < copies; ++r) {
            add(source_end(t, k, r), dst,
                pixels_of_copy(t.pixels, copies, r) * static_cast<std::uint64_t>(values) * params_.activation_bits);
        }
    }

    void tensor_flows(int tensor_id) {
        const TensorSlices& t = tensor(tensor_id);
        if (tensor_id == net_.output) {
            for (std::size_t k = 0; k < t.slices.size(); ++k) {
                every_pixel(t, static_cast<int>(k), FlowEnd{}, t.slices[k].hi - t.slices[k].lo);
            }
        }
        for (std::size_t li = 0; li < net_.layers.size(); ++li) {
            const Layer& l = net_.layers[li];
            if (l.op == Op::Lstm && l.output == tensor_id) recurrent_flows(l, static_cast<int>(li), t);
            for (std::size_t slot = 0; slot < l.inputs.size(); ++slot) {
                if (l.inputs[slot] == tensor_id) consumer_flows(t, static_cast<int>(li), static_cast<int>(slot));
            }
        }
    }

    // h_t back to the blocks holding the recurrent rows, for steps 1 .. T-1.
    void recurrent_flows(const Layer& l, int li, const TensorSlices& t) {
        const LayerPlacement& lp = *map_.placement(li);
        const int features = net_.shape(l.inputs[0]).c;
        for (int bi = lp.first_block; bi < lp.first_block + lp.all_tiles(); ++bi) {
            const TileBlock& b = map_.blocks[static_cast<std::size_t>(bi)];
            const int v = overlap(features, features + l.hidden(), b.row_begin, b.row_begin + b.rows);
            add(t.slices.front().end, block_end(bi),
                static_cast<std::uint64_t>(std::max(0, t.pixels - 1)) * static_cast<std::uint64_t>(v) *
                    params_.activation_bits);
        }
    }

    void consumer_flows(const TensorSlices& t, int li, int slot) {
        const Layer& l = net_.layers[static_cast<std::size_t>(li)];
        const TensorSlices& out = tensor(l.output);
        switch (l.op) {
            case Op::Conv:
            case Op::Dense:
            case Op::Linear:
            case Op::Lstm: weight_input_flows(t, li); break;
            case Op::Relu: break;  // in the LDPU, in place
            case Op::MaxPool:
            case Op::AvgPool:
            case Op::GlobalAvgPool:
            case Op::Flatten:
                for (std::size_t k = 0; k < t.slices.size(); ++k) {
                    every_pixel(t, static_cast<int>(k), out.slices[k].end, t.slices[k].hi - t.slices[k].lo);
                }
                break;
            case Op::Softmax:
                for (std::size_t k = 0; k < t.slices.size(); ++k) {
                    every_pixel(t, static_cast<int>(k), out.slices.front().end, t.slices[k].hi - t.slices[k].lo);
                }
                break;
            case Op::Add:
                // Input a's slice k is output slice k; input b's slices go to the output slices they overlap.
                for (std::size_t kb = 0; kb < t.slices.size(); ++kb) {
                    for (std::size_t ka = 0; ka < out.slices.size(); ++ka) {
                        const int v =
                            slot == 0 ? (ka == kb ? t.slices[kb].hi - t.slices[kb].lo : 0)
                                      : overlap(out.slices[ka].lo, out.slices[ka].hi, t.slices[kb].lo, t.slices[kb].hi);
                        if (v > 0) every_pixel(t, static_cast<int>(kb), out.slices[ka].end, v);
                    }
                }
                break;
            case Op::Unary:
            case Op::ChannelAffine: break;  // in the LDPU, in place
            case Op::Pad:
            case Op::Resize:
            case Op::Concat: {
                std::size_t base = 0;  // Concat: the output slices of the inputs before this one
                for (int s = 0; l.op == Op::Concat && s < slot; ++s)
                    base += tensor(l.inputs[static_cast<std::size_t>(s)]).slices.size();
                for (std::size_t k = 0; k < t.slices.size(); ++k)
                    every_pixel(t, static_cast<int>(k), out.slices[base + k].end, t.slices[k].hi - t.slices[k].lo);
                break;
            }
            default:  // transformer ops without weights: slice k to output slice k (or the last)
                for (std::size_t k = 0; k < t.slices.size() && !out.slices.empty(); ++k) {
                    every_pixel(t, static_cast<int>(k), out.slices[std::min(k, out.slices.size() - 1)].end,
                                t.slices[k].hi - t.slices[k].lo);
                }
                break;
        }
    }

    // [source copy][consumer copy]: pixels of `t` that consumer copy needs (a pixel goes
    // to every copy that computes an output pixel whose window holds it).
    [[nodiscard]] std::vector<std::vector<std::uint64_t>> pixel_counts(const TensorSlices& t, const Layer& l,
                                                                       const LayerPlacement& lp) const {
        const int src_copies = copies_of(t);
        std::vector<std::vector<std::uint64_t>> counts(
            static_cast<std::size_t>(src_copies), std::vector<std::uint64_t>(static_cast<std::size_t>(lp.replicas), 0));
        if (lp.replicas == 1) {
            for (int r = 0; r < src_copies; ++r)
                counts[static_cast<std::size_t>(r)][0] = pixels_of_copy(t.pixels, src_copies, r);
            return counts;
        }
        const Shape& os = net_.shape(l.output);
        const Window& w = l.window;
        std::vector<char> wanted(static_cast<std::size_t>(lp.replicas));
        for (int p = 0; p < t.pixels; ++p) {
            std::fill(wanted.begin(), wanted.end(), 0);
            const auto ry = outputs_covering(p / t.w, w.kernel_h, w.stride_h, w.pad_top, os.h);
            const auto rx = outputs_covering(p % t.w, w.kernel_w, w.stride_w, w.pad_left, os.w);
            for (int oy = ry.first; oy <= ry.second; ++oy) {
                for (int ox = rx.first; ox <= rx.second; ++ox)
                    wanted[static_cast<std::size_t>(lp.replica_of_pixel(oy * os.w + ox))] = 1;
            }
            auto& row = counts[static_cast<std::size_t>(p % src_copies)];
            for (std::size_t r = 0; r < wanted.size(); ++r) row[r] += static_cast<std::uint64_t>(wanted[r]);
        }
        return counts;
    }

    // Each pixel of each slice to the blocks whose rows read its channels.
    void weight_input_flows(const TensorSlices& t, int li) {
        const Layer& l = net_.layers[static_cast<std::size_t>(li)];
        const LayerPlacement& lp = *map_.placement(li);
        const int kk = l.op == Op::Conv ? l.window.kernel_h * l.window.kernel_w : 1;
        const auto counts = pixel_counts(t, l, lp);
        for (int bi = lp.first_block; bi < lp.first_block + lp.tiles(); ++bi) {
            const TileBlock& b = map_.blocks[static_cast<std::size_t>(bi)];
            const int clo = b.row_begin / kk;  // (cin, ky, kx) row order
            const int chi = (b.row_begin + b.rows - 1) / kk + 1;
            for (std::size_t k = 0; k < t.slices.size(); ++k) {
                const int v = overlap(t.slices[k].lo, t.slices[k].hi, clo, chi);
                if (v == 0) continue;
                for (std::size_t rs = 0; rs < counts.size(); ++rs) {
                    for (int rd = 0; rd < lp.replicas; ++rd) {
                        add(source_end(t, static_cast<int>(k), static_cast<int>(rs)), block_end(bi + rd * lp.tiles()),
                            counts[rs][static_cast<std::size_t>(rd)] * static_cast<std::uint64_t>(v) *
                                params_.activation_bits);
                    }
                }
            }
        }
    }

    // Row blocks > 0 send their column's partial sums to row block 0, per output pixel of their copy.
    void psum_flows(const LayerPlacement& lp) {
        if (lp.row_blocks == 1) return;
        const int pixels = tensor(net_.layers[static_cast<std::size_t>(lp.layer)].output).pixels;
        for (int r = 0; r < lp.replicas; ++r) {
            for (int c = 0; c < lp.col_blocks; ++c) {
                for (int br = 1; br < lp.row_blocks; ++br) {
                    const int bi = lp.block_index(br, c, r);
                    add(block_end(bi), block_end(lp.block_index(0, c, r)),
                        pixels_of_copy(pixels, lp.replicas, r) *
                            static_cast<std::uint64_t>(map_.blocks[static_cast<std::size_t>(bi)].cols) *
                            params_.psum_bits);
                }
            }
        }
    }

    // LSTM: each column's gate pre-activations to the cell, every step.
    void gate_flows(const LayerPlacement& lp) {
        const TensorSlices& out = tensor(net_.layers[static_cast<std::size_t>(lp.layer)].output);
        for (int c = 0; c < lp.col_blocks; ++c) {
            const int bi = lp.block_index(0, c);
            add(block_end(bi), out.slices.front().end,
                static_cast<std::uint64_t>(out.pixels) *
                    static_cast<std::uint64_t>(map_.blocks[static_cast<std::size_t>(bi)].cols) * params_.psum_bits);
        }
    }

    const Network& net_;
    const Mapping& map_;
    const TrafficParams& params_;
    std::vector<TensorSlices> tensors_;
    std::map<std::pair<FlowEnd, FlowEnd>, std::uint64_t> bits_;  // ordered: a fixed flow order
};

// Tiles of the blocks, indexed like Mapping::blocks.
std::vector<int> tiles_of_blocks(const Mapping& map) {
    std::vector<int> tiles;
    tiles.reserve(map.blocks.size());
    for (const TileBlock& b : map.blocks) tiles.push_back(b.tile);
    return tiles;
}

// First-improvement local search over block swaps and moves to free tiles.
class PlacementSearch {
public:
    PlacementSearch(const Mapping& map, const std::vector<Flow>& flows, const HopTable& hops)
        : flows_(flows), hops_(hops), tile_of_block_(tiles_of_blocks(map)), block_at_tile_(map.block_of_tile),
          flows_of_block_(map.blocks.size()), stamp_(flows.size(), 0) {
        for (std::size_t f = 0; f < flows.size(); ++f) {
            const Flow& fl = flows[f];
            if (fl.src.block >= 0)
                flows_of_block_[static_cast<std::size_t>(fl.src.block)].push_back(static_cast<int>(f));
            if (fl.dst.block >= 0 && fl.dst.block != fl.src.block) {
                flows_of_block_[static_cast<std::size_t>(fl.dst.block)].push_back(static_cast<int>(f));
            }
        }
    }

    PlacementSearchStats run(std::uint64_t budget) {
        PlacementSearchStats st;
        st.start_cost = placement_cost_bit_hops(flows_, hops_, tile_of_block_);
        cost_ = st.start_cost;
        const int blocks = static_cast<int>(tile_of_block_.size());
        bool improved = true;
        while (improved && evaluations_ < budget) {
            improved = false;
            ++st.passes;
            for (int b = 0; b < blocks && evaluations_ < budget; ++b) {
                for (auto t = hops_.candidate_tiles().begin();
                     t != hops_.candidate_tiles().end() && evaluations_ < budget; ++t) {
                    if (*t != tile_of_block_[static_cast<std::size_t>(b)] && try_move(b, *t)) {
                        improved = true;
                        ++st.moves;
                    }
                }
            }
        }
        st.converged = !improved;
        st.cost = cost_;
        st.flow_evaluations = evaluations_;
        return st;
    }

    [[nodiscard]] const std::vector<int>& tile_of_block() const { return tile_of_block_; }

private:
    [[nodiscard]] std::uint64_t flow_cost(int f) const {
        const Flow& fl = flows_[static_cast<std::size_t>(f)];
        return fl.bits * static_cast<std::uint64_t>(
                             hops_.hops(hops_.site(fl.src, tile_of_block_), hops_.site(fl.dst, tile_of_block_)));
    }

    // The flows that touch block a or b (b may be -1), each once.
    void gather_flows(int a, int b) {
        touched_.clear();
        ++epoch_;
        for (int block : {a, b}) {
            if (block < 0) continue;
            for (int f : flows_of_block_[static_cast<std::size_t>(block)]) {
                if (stamp_[static_cast<std::size_t>(f)] == epoch_) continue;
                stamp_[static_cast<std::size_t>(f)] = epoch_;
                touched_.push_back(f);
            }
        }
    }

    [[nodiscard]] std::uint64_t touched_cost() {
        std::uint64_t c = 0;
        for (int f : touched_) c += flow_cost(f);
        evaluations_ += touched_.size();
        return c;
    }

    // Puts `block` on `tile` (swapping with the block there) if that strictly lowers the cost.
    bool try_move(int block, int tile) {
        const int from = tile_of_block_[static_cast<std::size_t>(block)];
        const int other = block_at_tile_[static_cast<std::size_t>(tile)];
        gather_flows(block, other);
        const std::uint64_t before = touched_cost();
        tile_of_block_[static_cast<std::size_t>(block)] = tile;
        if (other >= 0) tile_of_block_[static_cast<std::size_t>(other)] = from;
        const std::uint64_t after = touched_cost();
        if (after >= before) {
            tile_of_block_[static_cast<std::size_t>(block)] = from;
            if (other >= 0) tile_of_block_[static_cast<std::size_t>(other)] = tile;
            return false;
        }
        block_at_tile_[static_cast<std::size_t>(tile)] = block;
        block_at_tile_[static_cast<std::size_t>(from)] = other;
        cost_ -= before - after;
        return true;
    }

    const std::vector<Flow>& flows_;
    const HopTable& hops_;
    std::vector<int> tile_of_block_;
    std::vector<int> block_at_tile_;                // -1: free
    std::vector<std::vector<int>> flows_of_block_;  // flow ids with the block at either end
    std::vector<std::uint64_t> stamp_;              // [flow]: epoch it was last gathered in
    std::uint64_t epoch_ = 0;
    std::vector<int> touched_;
    std::uint64_t cost_ = 0;
    std::uint64_t evaluations_ = 0;
};

}  // namespace

std::vector<Flow> traffic_flows(const Network& net, const Mapping& map, const TrafficParams& params) {
    return FlowBuilder(net, map, params).build();
}

HopTable::HopTable(const Topology& topology, int grid_rows, int grid_cols, const std::vector<int>& gdpu_tiles,
                   int io_tile, std::vector<int> candidate_tiles)
    : tiles_(grid_rows * grid_cols), io_tile_(io_tile), candidates_(std::move(candidate_tiles)) {
    const auto n = static_cast<std::size_t>(tiles_);
    if (candidates_.empty()) {
        candidates_.resize(n);
        std::iota(candidates_.begin(), candidates_.end(), 0);
    }
    std::sort(candidates_.begin(), candidates_.end());
    candidates_.erase(std::unique(candidates_.begin(), candidates_.end()), candidates_.end());
    // The schedule's choice: the nearest by grid Manhattan distance (ties: lowest index here, see placement.h).
    nearest_gdpu_tile_.resize(n);
    for (int t = 0; t < tiles_; ++t) {
        int best = t;
        int best_d = -1;
        for (int g : gdpu_tiles) {
            const int d = grid_manhattan(t, g, grid_cols);
            if (best_d < 0 || d < best_d) {
                best = g;
                best_d = d;
            }
        }
        nearest_gdpu_tile_[static_cast<std::size_t>(t)] = best;
    }
    std::vector<int> sites = candidates_;
    sites.insert(sites.end(), gdpu_tiles.begin(), gdpu_tiles.end());
    sites.push_back(io_tile);
    std::sort(sites.begin(), sites.end());
    sites.erase(std::unique(sites.begin(), sites.end()), sites.end());
    sites_ = sites.size();
    site_of_tile_.assign(n, -1);
    for (std::size_t i = 0; i < sites_; ++i) site_of_tile_[static_cast<std::size_t>(sites[i])] = static_cast<int>(i);
    hops_.assign(sites_ * sites_, 0);
    for (std::size_t s = 0; s < sites_; ++s) {
        for (std::size_t d = 0; d < sites_; ++d) {
            if (s != d) hops_[s * sites_ + d] = static_cast<int>(topology.route(sites[s], sites[d]).size());
        }
    }
}

std::uint64_t placement_cost_bit_hops(const std::vector<Flow>& flows, const HopTable& hops,
                                      const std::vector<int>& tile_of_block) {
    std::uint64_t cost = 0;
    for (const Flow& f : flows) {
        cost += f.bits *
                static_cast<std::uint64_t>(hops.hops(hops.site(f.src, tile_of_block), hops.site(f.dst, tile_of_block)));
    }
    return cost;
}

std::uint64_t placement_cost_bit_hops(const std::vector<Flow>& flows, const HopTable& hops, const Mapping& map) {
    return placement_cost_bit_hops(flows, hops, tiles_of_blocks(map));
}

PlacementSearchStats optimise_placement(Mapping& map, const std::vector<Flow>& flows, const HopTable& hops,
                                        std::uint64_t flow_evaluation_budget) {
    PlacementSearch search(map, flows, hops);
    const PlacementSearchStats st = search.run(flow_evaluation_budget);
    map.block_of_tile.assign(static_cast<std::size_t>(map.tiles_total()), -1);
    for (std::size_t b = 0; b < map.blocks.size(); ++b) {
        TileBlock& tb = map.blocks[b];
        tb.tile = search.tile_of_block()[b];
        tb.grid_row = tb.tile / map.grid_cols;
        tb.grid_col = tb.tile % map.grid_cols;
        map.block_of_tile[static_cast<std::size_t>(tb.tile)] = static_cast<int>(b);
    }
    return st;
}

}  // namespace aimcsim
