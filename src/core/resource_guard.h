// Resource guard: before a run allocates its models and datasets, estimate the memory
// it needs and stop with an InputError (exit 2) when that does not fit in the memory
// the machine has available, instead of thrashing, hanging or dying in bad_alloc.
// Core only adds up what the run's parts say they need (src/app/run_memory.h asks
// the tile model and the dataset); it knows no part's sizes.
#pragma once

#include <string>
#include <vector>

namespace aimcsim {

// `count` things of `bytes_each` bytes. Doubles, so that an absurd config cannot
// overflow the product.
struct MemoryItem {
    std::string what;  // "tiles", "dataset images"
    double count = 0;
    double bytes_each = 0;

    [[nodiscard]] double bytes() const { return count * bytes_each; }
};

struct MemoryEstimate {
    std::vector<MemoryItem> items;

    [[nodiscard]] double total_bytes() const;
};

// MemAvailable from /proc/meminfo, in bytes; 0 when it cannot be read. The
// environment variable AIMCSIM_MEMORY_LIMIT_BYTES, when set, replaces it (tests, batch jobs).
[[nodiscard]] double available_memory_bytes();

// Throws InputError naming `what`, the estimate item by item, the available memory
// and `advice` when the estimate exceeds `available` (0 = unknown: no check).
void check_memory(const MemoryEstimate& need, double available, const std::string& what, const std::string& advice);

}  // namespace aimcsim
