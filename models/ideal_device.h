// "ideal": a device that conducts exactly its target, forever (no programming
// noise, drift or read noise). With a high-resolution ADC the chip then reproduces
// the float network.
#pragma once

#include "aimcsim/core/params.h"
#include "aimcsim/device.h"

namespace aimcsim {

class IdealDevice : public DeviceModel {
public:
    static ParamSchema schema();
    explicit IdealDevice(const Params& p);

    [[nodiscard]] double g_max_us() const override { return g_max_us_; }
    [[nodiscard]] ProgrammedDevice program(double g_target_us, const DeviceSite& site, Rng& rng) override;
    [[nodiscard]] DeviceRead read(const ProgrammedDevice& device, const DeviceSite& site, double t_inference_s,
                                  Rng& rng) const override;
    [[nodiscard]] bool is_ideal() const override { return true; }

private:
    double g_max_us_;
};

}  // namespace aimcsim
