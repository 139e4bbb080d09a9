// Read-polarity asymmetry of a PCM device: its conductance under V+ is a = G(V+)/G(V-)
// times the one under V-, with a drawn once per device at programming from
// N(mean, sigma) (docs/physics.md, "Read-polarity asymmetry"). Shared by "pcm" and
// "hermes_pcm"; the factors are state the device model keeps itself, per DeviceSite::index.
#pragma once

#include <vector>

#include "aimcsim/core/params.h"
#include "aimcsim/device.h"

namespace aimcsim {

class ReadAsymmetry {
public:
    // Adds read_asymmetry_mean and read_asymmetry_sigma to a device schema.
    static void add_params(ParamSchema& s);
    explicit ReadAsymmetry(const Params& p);

    // Draws one factor per device of the block, from a stream of its own (seed, tile), so
    // the programming draws are the same with or without asymmetry.
    void begin_block(const DeviceBlock& block);

    // G(V+) / G(V-) of the device at `site` (1 when off).
    [[nodiscard]] double factor(const DeviceSite& site) const {
        return factors_.empty() ? 1.0 : static_cast<double>(factors_[site.index]);
    }
    [[nodiscard]] bool enabled() const { return mean_ != 1.0 || sigma_ > 0.0; }
    [[nodiscard]] double state_bytes_per_device() const { return enabled() ? sizeof(float) : 0.0; }

private:
    double mean_;
    double sigma_;
    std::vector<float> factors_;
};

}  // namespace aimcsim
