// Device models: how a target conductance becomes a programmed device, and what
// that device conducts t seconds later. Pluggable axis "device" (`tile.device.model`).
#pragma once

#include <memory>
#include <string>

#include "aimcsim/core/params.h"
#include "aimcsim/core/registry.h"
#include "aimcsim/random_streams.h"

namespace aimcsim {

// One device after programming: drawn once, then read at any time after.
struct ProgrammedDevice {
    float g_prog_us = 0.0F;  // conductance right after programming (with programming noise)
    float nu = 0.0F;         // drift exponent of this device
};

class DeviceModel {
public:
    static constexpr const char* kAxis = "device";
    static constexpr const char* kDefaultModel = "pcm";
    virtual ~DeviceModel() = default;

    // Called once by the tile before programming: how many devices share one
    // polarity of a weight (1 or 2 in an 8T4R cell). Fits that depend on it adapt.
    virtual void configure_cell(int devices_per_polarity) { (void)devices_per_polarity; }

    // Largest programmable conductance of one device, in uS (of the whole polarity
    // group when polarity_level_fit() is true).
    [[nodiscard]] virtual double g_max_us() const = 0;

    // Programs one device to `g_target_us` in [0, g_max_us]: draws programming
    // noise and the drift exponent.
    [[nodiscard]] virtual ProgrammedDevice program(double g_target_us, Rng& rng) const = 0;

    // Conductance `t_inference_s` seconds after programming: drift plus the
    // accumulated 1/f deviation (one draw per device per evaluation time).
    [[nodiscard]] virtual double read(const ProgrammedDevice& device, double t_inference_s, Rng& rng) const = 0;

    // True if read(program(g)) == g exactly, at any time (lets the tile skip work).
    [[nodiscard]] virtual bool is_ideal() const { return false; }

    // True if program() and read() describe the summed conductance of all devices of
    // one polarity as one value (a fit measured on the programmed group, like HERMES's
    // 2-device fit): the tile then draws once per polarity, with g_max_us() the group's.
    // False: they describe one device, and the tile draws every device and sums them.
    [[nodiscard]] virtual bool polarity_level_fit() const { return false; }
};

}  // namespace aimcsim
