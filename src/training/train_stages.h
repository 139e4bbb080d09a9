// The network under training as a chain of stages (docs/training.md): weight layers (Dense,
// and Conv through im2col: one MVM per output pixel on the same tiles and numerics) whose
// forward and transposed MVMs run on the crossbars, and the digital stages between them
// (ReLU, max and average pooling, Flatten) with their backward passes in the digital units.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "aimcsim/network.h"
#include "src/training/trained_layer.h"

namespace aimcsim {

enum class StageKind { Dense, Conv, Relu, MaxPool, AvgPool, Flatten };

// One stage as training sees it.
struct StageSpec {
    std::string name;
    StageKind kind = StageKind::Dense;
    Shape in, out;
    Window window;     // Conv, MaxPool, AvgPool
    int rows = 0;      // Dense, Conv: the matrix (Conv: cin*kh*kw x cout)
    int cols = 0;
    [[nodiscard]] bool weights() const { return kind == StageKind::Dense || kind == StageKind::Conv; }
    // MVMs per image: a Conv layer's output pixels, 1 for Dense.
    [[nodiscard]] int pixels() const { return kind == StageKind::Conv ? out.h * out.w : 1; }
    [[nodiscard]] std::string str() const;  // "conv 9x16, 784 pixels", "maxpool 2x2/2"
};

// The stages of `net`, in order; InputError naming the first layer training cannot run
// (supported: Conv without groups, Dense, Relu, MaxPool, AvgPool, Flatten, a final Softmax,
// each layer reading the one before it).
[[nodiscard]] std::vector<StageSpec> training_stages(const Network& net);

// The stages with their trained layers and the activations of the last forward pass.
class StageChain {
public:
    // The weight layers' matrices come from `init(spec, weight_layer_index)`.
    StageChain(std::vector<StageSpec> specs, const TileConfig& tile, const TrainingSettings& settings,
               std::uint64_t seed, const std::function<std::vector<float>(const StageSpec&, std::size_t)>& init);

    // Logits of n images x (n x input size); vector k's noise id is ids[k] (a Conv layer's
    // pixel p of image k: ids[k] * pixels + p); MVM energy into `energy` (nullptr: not counted).
    const std::vector<float>& forward(const float* x, int n, MvmPass pass, const std::uint64_t* ids,
                                      MvmEnergy* energy);
    // From dLoss/dlogits (n x classes, consumed) back through every stage, updating each
    // weight layer after its transposed MVM (with the weights of the forward pass).
    void backward_update(std::vector<float>& grad, int n, const std::uint64_t* ids, double lr, std::uint64_t step,
                         double t_s, TrainingCost& cost, bool count_energy);

    [[nodiscard]] const std::vector<StageSpec>& specs() const { return specs_; }
    // The trained layers, in order (nullptr for digital stages).
    [[nodiscard]] std::vector<TrainedLayer*> weight_layers() const;
    [[nodiscard]] int classes() const { return specs_.back().out.c; }
    // Forward and backward MVM time of one image (each MVM as long as its layer's tiles;
    // pixel after pixel, layer after layer); the backward pass skips the first weight layer.
    [[nodiscard]] double forward_ns_per_image() const;
    [[nodiscard]] double backward_ns_per_image() const;

private:
    struct Stage {
        StageSpec spec;
        std::unique_ptr<TrainedLayer> layer;
        std::vector<float> in;     // n x in.size() of the last forward pass
        std::vector<float> cols;   // Conv: n*pixels x rows (im2col)
        std::vector<int> argmax;   // MaxPool: per output value, the input index
        bool needs_input_grad = false;  // a weight layer before it
    };
    std::vector<StageSpec> specs_;
    std::vector<Stage> stages_;
    std::vector<float> out_;
    std::vector<std::uint64_t> pixel_ids_;
};

// Per image (CHW) the im2col rows of every output pixel (pixels x rows), and its adjoint:
// the rows' gradients added back into the image (col2im).
void im2col_image(const StageSpec& conv, const float* in_chw, float* cols);
void col2im_image(const StageSpec& conv, const float* cols, float* in_chw);

}  // namespace aimcsim
