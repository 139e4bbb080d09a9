// Fashion-MNIST (and any IDX image/label pair) for the accuracy evaluation.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace aimcsim {

// Where Debian's dataset-fashion-mnist package installs the gzipped IDX files.
inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

// Images normalised as pixel / 255 (values in [0, 1]), the normalisation
// scripts/train_fmnist.py trains with; any other would cost accuracy silently.
struct Dataset {
    std::size_t count = 0;
    int rows = 0;
    int cols = 0;
    int channels = 1;           // a user dataset's images may have several (CHW)
    std::vector<float> images;  // count x rows x cols, row-major
    std::vector<int> labels;    // count values

    [[nodiscard]] std::size_t image_size() const {
        return static_cast<std::size_t>(channels) * static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols);
    }
    // One image as a CHW vector (C = 1), the input forward_float takes.
    [[nodiscard]] std::vector<float> image(std::size_t i) const;
};

// Reads an IDX image file (magic 2051, uint8 N x rows x cols) and its label file
// (magic 2049, uint8 N), gzipped or plain. limit > 0 reads only the first `limit`
// samples. Throws InputError naming the file and what was expected.
[[nodiscard]] Dataset load_idx(const std::string& images_path, const std::string& labels_path, std::size_t limit = 0);

// Fashion-MNIST split "t10k" (10,000 test images) or "train" (60,000) from `dir`;
// checks 28x28 images and labels 0..9.
[[nodiscard]] Dataset load_fashion_mnist(const std::string& dir = kFashionMnistDir, const std::string& split = "t10k",
                                         std::size_t limit = 0);

}  // namespace aimcsim
