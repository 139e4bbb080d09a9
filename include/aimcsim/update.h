// Update models: how a device's conductance answers programming pulses while a network
// is trained in memory (src/training/, docs/training.md). Pluggable axis "update"
// (`training.update.model`). A model describes one physical device of a crossbar,
// relative to the g_max of the tile's device model, so the same update model serves
// any device model; the device model still programs (refresh) and reads (drift, 1/f noise).
#pragma once

#include "aimcsim/core/params.h"
#include "aimcsim/core/registry.h"
#include "aimcsim/random_streams.h"

namespace aimcsim {

// What one device keeps of its own pulse response, drawn once (device-to-device spread).
struct PulseDevice {
    float step_scale = 1.0F;  // multiplies the mean step of every pulse on this device
    float g_sat_us = 0.0F;    // the conductance this device saturates at
};

// Duration and energy of the programming operations, for the training's time and energy.
struct PulseCosts {
    double set_ns = 0.0;         // one SET pulse (crystallising: raises the conductance)
    double set_pj = 0.0;
    double reset_ns = 0.0;       // one RESET pulse (amorphising: the conductance to about 0)
    double reset_pj = 0.0;
    double verify_read_ns = 0.0; // one read of a program-and-verify iteration
    int program_iterations = 1;  // program-and-verify iterations of a refresh (SET pulse + read each)
};

class UpdateModel {
public:
    static constexpr const char* kAxis = "update";
    static constexpr const char* kDefaultModel = "pcm_set";
    virtual ~UpdateModel() = default;

    // One device's own response, for a device model of largest conductance g_max_us.
    [[nodiscard]] virtual PulseDevice draw_device(double g_max_us, Rng& rng) const = 0;

    // The conductance after `pulses` SET pulses from g_us: each pulse a random step
    // (cycle-to-cycle noise from rng) that depends on the conductance it starts from.
    [[nodiscard]] virtual double apply_set_pulses(double g_us, int pulses, const PulseDevice& device,
                                                  double g_max_us, Rng& rng) const = 0;

    // Mean step of one SET pulse from g_us on a nominal device (step_scale 1), in uS.
    [[nodiscard]] virtual double mean_step_us(double g_us, double g_max_us) const = 0;

    // The conductance right after a RESET pulse.
    [[nodiscard]] virtual double reset_us(double g_max_us, Rng& rng) const = 0;

    [[nodiscard]] virtual PulseCosts costs() const = 0;
};

// The `training.update:` section, validated once.
using UpdateConfig = ModelConfig<UpdateModel>;

}  // namespace aimcsim
