#include "src/core/resource_guard.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "aimcsim/core/error.h"

namespace aimcsim {

namespace {

std::string gib(double bytes) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.3g GiB", bytes / (1024.0 * 1024.0 * 1024.0));
    return buf;
}

}  // namespace

double MemoryEstimate::total_bytes() const {
    double total = 0;
    for (const MemoryItem& i : items) total += i.bytes();
    return total;
}

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

void check_memory(const MemoryEstimate& need, double available, const std::string& what, const std::string& advice) {
    if (available <= 0 || need.total_bytes() <= available) return;
    std::ostringstream msg;
    msg << what << " needs about " << gib(need.total_bytes()) << " of memory (";
    bool first = true;
    for (const MemoryItem& i : need.items) {
        if (i.count <= 0) continue;
        msg << (first ? "" : "; ") << i.count << " " << i.what << " x " << i.bytes_each << " bytes: " << gib(i.bytes());
        first = false;
    }
    msg << ") but only " << gib(available) << " is available";
    if (!advice.empty()) msg << "; " << advice;
    throw InputError(msg.str());
}

}  // namespace aimcsim
