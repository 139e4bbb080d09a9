#include "src/app/run_memory.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>

#include "src/mapping/token_layout.h"

namespace aimcsim {

namespace {

// A 28x28 Fashion-MNIST image: the uint8 read buffer and its float copy.
constexpr double kBytesPerImage = 28.0 * 28.0 * (1 + sizeof(float));
// samples: 0 means the whole test split, 10000 images in Fashion-MNIST.
constexpr double kTestSplitImages = 10000;
// Measured (VmHWM): the process with its libraries and the SystemC kernel, running one tile.
constexpr double kProcessBytes = 20.0 * 1024 * 1024;
// Per grid tile: its links' state, its router's routes (measured: 60x60 grid +1.5 MB over 8x8).
constexpr double kBytesPerGridTile = 1024;
// Per mapped tile: TileModule, its sockets and the unprogrammed model.
constexpr double kBytesPerMappedTile = 32 * 1024;
// Per inference: its times and its result row, kept to the end of the run.
constexpr double kBytesPerInferenceRecord = 64;
// Per MVM of a trace: its span, about three link crossings, and their JSON events.
constexpr double kTraceBytesPerMvm = 1200;

struct NetworkSize {
    double blocks = 0;       // weight blocks on tiles
    double weights = 0;      // weight values (float)
    double counters = 0;     // an inference's dataflow counters (int)
    double activations = 0;  // an inference's tensor values (float, functional)
    double mvms_per_inference = 0;
};

NetworkSize network_size(const Network& net, int tile_rows, int tile_cols) {
    NetworkSize s;
    for (const Layer& l : net.layers) {
        const Shape& out = net.shape(l.output);
        const double pixels = stream_pixels(net, l.output);  // tokens of a transformer tensor
        s.activations += static_cast<double>(out.size());
        if (!l.has_weights_matrix()) {
            s.counters += pixels * 2;
            continue;
        }
        const double blocks =
            std::ceil(static_cast<double>(l.rows) / tile_rows) * std::ceil(static_cast<double>(l.cols) / tile_cols);
        s.blocks += blocks;
        s.weights += static_cast<double>(l.rows) * l.cols;
        s.counters += pixels * (blocks + 2);
        s.mvms_per_inference += pixels * blocks;
    }
    s.activations += static_cast<double>(net.input_shape().size());
    return s;
}

bool has_weights(const Network& net) {
    for (const Layer& l : net.layers) {
        if (l.has_weights_matrix() && !l.weights.empty()) return true;
    }
    return false;
}

}  // namespace

MemoryEstimate estimate_run_memory(const TileModel& tile, const RunShape& shape, const AccuracySettings* accuracy) {
    MemoryEstimate e;
    e.items.push_back({"process (libraries, SystemC kernel)", 1, kProcessBytes});
    const bool evaluated =
        accuracy != nullptr && accuracy->enabled && (shape.net == nullptr || has_weights(*shape.net));
    if (shape.net == nullptr) {
        e.items.push_back({"programmed tiles", 1, tile.programmed_bytes()});
    } else {
        const NetworkSize n = network_size(*shape.net, tile.rows(), tile.cols());
        const double batch = std::max(1, shape.batch);
        e.items.push_back({"grid tiles", shape.chip_tiles, kBytesPerGridTile});
        e.items.push_back({"mapped tiles", n.blocks, kBytesPerMappedTile});
        // The chip's own programmed copy (functional) and the accuracy evaluation's.
        const double programmed = (shape.functional ? 1.0 : 0.0) + (evaluated ? 1.0 : 0.0);
        // A programmed tile holds the cells its block uses: programmed_bytes() per full tile, per weight.
        const double per_weight = tile.programmed_bytes() / (static_cast<double>(tile.rows()) * tile.cols());
        e.items.push_back({"programmed cells", n.weights * programmed, per_weight});
        e.items.push_back({"network weights", n.weights, sizeof(float)});
        // Inputs stream in faster than the pipeline drains them: up to
        // chip.inferences_in_flight of them (0: the whole batch) are on the chip at once.
        const double in_flight = shape.in_flight > 0 ? std::min<double>(batch, shape.in_flight) : batch;
        e.items.push_back({"inferences in flight (counters)", in_flight, n.counters * sizeof(int)});
        e.items.push_back({"inference records", batch, kBytesPerInferenceRecord});
        if (shape.functional)
            e.items.push_back({"inferences in flight (values)", in_flight, n.activations * sizeof(float)});
        if (shape.trace) e.items.push_back({"trace spans", batch * n.mvms_per_inference, kTraceBytesPerMvm});
    }
    if (evaluated) {
        const double test = accuracy->samples == 0 ? kTestSplitImages : static_cast<double>(accuracy->samples);
        e.items.push_back(
            {"dataset images", test + static_cast<double>(accuracy->calibration_samples), kBytesPerImage});
    }
    return e;
}

void check_run_memory(const TileModel& tile, const RunShape& shape, const AccuracySettings* accuracy) {
    check_memory(estimate_run_memory(tile, shape, accuracy), available_memory_bytes(), "this run",
                 "make the batch, the chip or the tiles smaller");
}

double peak_rss_mb() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("VmHWM:", 0) == 0) {
            std::istringstream fields(line.substr(6));
            double kib = 0;
            fields >> kib;
            return kib / 1024.0;
        }
    }
    return 0.0;
}

}  // namespace aimcsim
