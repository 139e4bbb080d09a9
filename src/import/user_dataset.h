// A user's labelled dataset for the accuracy evaluation (`accuracy.dataset: user`,
// files in `accuracy.user_dataset`): images in .npy (float32, float64 or uint8; NCHW
// or NHWC), IDX (gzipped or plain, with an IDX label file), or a folder of ONNX .pb
// tensors (one or a batch per file, in file-name order); labels in .npy (any integer
// dtype, or float with integer values) or IDX. uint8 and IDX pixels are divided by
// 255 first; then (x - mean[c]) / std[c] if given.
#pragma once

#include <string>
#include <vector>

#include "aimcsim/network.h"
#include "src/import/idx_dataset.h"

namespace aimcsim {

struct UserDatasetSpec {
    std::string images;
    std::string labels;
    std::string layout = "NCHW";  // of .npy images: NCHW or NHWC
    std::vector<double> mean;     // one per channel, or one for all; empty: 0
    std::vector<double> std;      // one per channel, or one for all; empty: 1
    std::string calibration;      // images only (same formats); empty: the first calibration samples of `images`
};

// The images of `path` as CHW samples of shape `want` (the network input), normalised
// as the spec says; at most `limit` (0: all). InputError naming the file, the shape
// found and the shape wanted on a mismatch, or a NaN/infinite value.
[[nodiscard]] std::vector<std::vector<float>> load_user_images(const std::string& path, const UserDatasetSpec& spec,
                                                               const Shape& want, std::size_t limit);

// Images and labels (limit as above); the label file must hold one label per image.
[[nodiscard]] Dataset load_user_dataset(const UserDatasetSpec& spec, const Shape& want, std::size_t limit);

}  // namespace aimcsim
