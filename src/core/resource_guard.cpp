#include "src/core/resource_guard.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "aimcsim/core/error.h"

namespace aimcsim {

namespace {

// A scalar of a config section read by `read`, or `dflt` when absent or of the wrong
// type: the estimate may run before the section is validated, whose checks report bad values.
template <typename T, typename Read> T scalar_or(const ConfigNode* section, const std::string& key, T dflt, Read read) {
    if (section == nullptr || !section->is_map()) return dflt;
    const ConfigNode* n = section->find(key);
    if (n == nullptr || !n->is_scalar()) return dflt;
    try {
        return read(*n);
    } catch (const InputError&) { return dflt; }
}

double size_of(const ConfigNode* section, const std::string& key, double dflt) {
    return scalar_or(section, key, dflt, [](const ConfigNode& n) { return n.as_real(); });
}

bool flag_of(const ConfigNode* section, const std::string& key) {
    return scalar_or(section, key, false, [](const ConfigNode& n) { return n.as_bool(); });
}

std::string gib(double bytes) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.3g GiB", bytes / (1024.0 * 1024.0 * 1024.0));
    return buf;
}

}  // namespace

double available_memory_bytes() {
    if (const char* limit = std::getenv("AIMCSIM_MEMORY_LIMIT_BYTES"); limit != nullptr && *limit != '\0') {
        return std::strtod(limit, nullptr);
    }
    std::ifstream in("/proc/meminfo");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("MemAvailable:", 0) == 0) {
            std::istringstream fields(line.substr(13));
            double kib = 0;
            fields >> kib;
            return kib * 1024.0;
        }
    }
    return 0;
}

void check_memory(const MemoryEstimate& need, double available, const std::string& what) {
    if (available <= 0 || need.total_bytes() <= available) return;
    std::ostringstream msg;
    msg << what << " needs about " << gib(need.total_bytes()) << " of memory (" << need.tiles << " tiles x "
        << need.cells_per_tile << " cells x " << need.devices_per_cell << " devices: " << gib(need.tile_bytes());
    if (need.dataset_images > 0) msg << "; " << need.dataset_images << " dataset images: " << gib(need.dataset_bytes());
    msg << ") but only " << gib(available) << " is available; make the chip or the tiles smaller";
    throw InputError(msg.str());
}

MemoryEstimate estimate_run_memory(const ConfigNode& tile, const ConfigNode* chip, const ConfigNode* accuracy) {
    MemoryEstimate e;
    e.cells_per_tile = size_of(&tile, "rows", 256) * size_of(&tile, "cols", 256);
    e.devices_per_cell = 2 * size_of(&tile, "devices_per_polarity", 2);
    e.tiles = (chip != nullptr && chip->is_map()) ? size_of(chip, "rows", 8) * size_of(chip, "cols", 8) : 1;
    if (flag_of(accuracy, "enabled")) {
        const double samples = size_of(accuracy, "samples", 10000);
        // 0 = the whole test set; Fashion-MNIST's has 10000 images.
        e.dataset_images = (samples <= 0 ? 10000 : samples) + size_of(accuracy, "calibration_samples", 256);
    }
    return e;
}

void check_run_memory(const ConfigNode& tile, const ConfigNode* chip, const ConfigNode* accuracy) {
    check_memory(estimate_run_memory(tile, chip, accuracy), available_memory_bytes(), "this run");
}

}  // namespace aimcsim
