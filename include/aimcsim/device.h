// Device models: how a target conductance becomes a programmed device, and what
// that device conducts t seconds later under each read polarity. Pluggable axis
// "device" (`tile.device.model`).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "aimcsim/core/params.h"
#include "aimcsim/core/registry.h"
#include "aimcsim/random_streams.h"

namespace aimcsim {

// One device after programming: drawn once, then read at any time after. State a
// model needs beyond these two values it keeps itself, indexed by DeviceSite::index.
struct ProgrammedDevice {
    float g_prog_us = 0.0F;  // conductance right after programming (with programming noise)
    float nu = 0.0F;         // drift exponent of this device
};

// The block of devices a tile is about to program (DeviceModel::begin_block).
struct DeviceBlock {
    int rows = 0;                // crossbar rows used
    int cols = 0;                // crossbar columns used
    int draws_per_polarity = 1;  // devices drawn per polarity of a weight (1 for a polarity-level fit)
    std::size_t devices = 0;     // rows * cols * 2 * draws_per_polarity: DeviceSite::index < devices
    std::uint64_t seed = 0;      // the run's seed and the tile: a model draws state of its own from
    std::uint64_t tile_id = 0;   // Rng(seed, Stream::DeviceState, {tile_id, <a tag of the model's>})
};

// Where one device sits: its crossbar row (input line) and column (output line), the
// polarity group it belongs to and which device of the group it is.
struct DeviceSite {
    int row = 0;
    int col = 0;
    int polarity = 0;       // 0: positive group (G+, source line SL+), 1: negative group (G-, SL-)
    int member = 0;         // 0 .. draws_per_polarity - 1
    std::size_t index = 0;  // ((row * cols + col) * 2 + polarity) * draws_per_polarity + member
};

// What a device conducts when read (docs/physics.md, "Read-polarity asymmetry"). Four-phase
// reads and drift-compensation references read every device under V-; a one-phase read
// applies V+ to the devices of rows whose input sign opposes the device's polarity.
struct DeviceRead {
    double g_us = 0.0;       // under V-
    double g_plus_us = 0.0;  // under V+ (a symmetric device: g_us)
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

    // Called before the program() calls of one block: a model with per-device state
    // sizes it here (block.devices entries) and may draw it from a stream of its own.
    virtual void begin_block(const DeviceBlock& block) { (void)block; }

    // Programs the device at `site` to `g_target_us` in [0, g_max_us]: draws programming
    // noise and the drift exponent from `rng` (the tile's programming stream).
    [[nodiscard]] virtual ProgrammedDevice program(double g_target_us, const DeviceSite& site, Rng& rng) = 0;

    // Conductance `t_inference_s` seconds after programming under V- and V+: drift plus
    // the accumulated 1/f deviation (one draw per device per evaluation time, from `rng`).
    [[nodiscard]] virtual DeviceRead read(const ProgrammedDevice& device, const DeviceSite& site, double t_inference_s,
                                          Rng& rng) const = 0;

    // Bytes of per-device state the model keeps itself (for the memory guard).
    [[nodiscard]] virtual double state_bytes_per_device() const { return 0.0; }

    // True if read(program(g)) == g exactly under both polarities, at any time (lets the tile skip work).
    [[nodiscard]] virtual bool is_ideal() const { return false; }

    // True if program() and read() describe the summed conductance of all devices of
    // one polarity as one value (a fit measured on the programmed group, like HERMES's
    // 2-device fit): the tile then draws once per polarity, with g_max_us() the group's.
    // False: they describe one device, and the tile draws every device and sums them.
    [[nodiscard]] virtual bool polarity_level_fit() const { return false; }
};

}  // namespace aimcsim
