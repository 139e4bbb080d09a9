#include "src/app/run_memory.h"

namespace aimcsim {

namespace {

// A 28x28 Fashion-MNIST image: the uint8 read buffer and its float copy.
constexpr double kBytesPerImage = 28.0 * 28.0 * (1 + sizeof(float));
// samples: 0 means the whole test split, 10000 images in Fashion-MNIST.
constexpr double kTestSplitImages = 10000;

}  // namespace

MemoryEstimate estimate_run_memory(const TileModel& tile, double tiles, const AccuracySettings* accuracy) {
    MemoryEstimate e;
    e.items.push_back({"tiles", tiles, tile.programmed_bytes()});
    if (accuracy != nullptr && accuracy->enabled) {
        const double test = accuracy->samples == 0 ? kTestSplitImages : static_cast<double>(accuracy->samples);
        e.items.push_back(
            {"dataset images", test + static_cast<double>(accuracy->calibration_samples), kBytesPerImage});
    }
    return e;
}

void check_run_memory(const TileModel& tile, double tiles, const AccuracySettings* accuracy) {
    check_memory(estimate_run_memory(tile, tiles, accuracy), available_memory_bytes(), "this run",
                 "make the chip or the tiles smaller");
}

}  // namespace aimcsim
