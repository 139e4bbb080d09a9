#include "models/ideal_device.h"

#include "aimcsim/core/registry.h"

namespace aimcsim {

ParamSchema IdealDevice::schema() {
    ParamSchema s;
    s.real("g_max_us", 25.0, "uS", "largest programmable conductance of one device").positive();
    return s;
}

IdealDevice::IdealDevice(const Params& p) : g_max_us_(p.real("g_max_us")) {}

ProgrammedDevice IdealDevice::program(double g_target_us, const DeviceSite& /*site*/, Rng& /*rng*/) {
    return {static_cast<float>(g_target_us), 0.0F};
}

DeviceRead IdealDevice::read(const ProgrammedDevice& device, const DeviceSite& /*site*/, double /*t_inference_s*/,
                             Rng& /*rng*/) const {
    return {device.g_prog_us, device.g_prog_us};
}

AIMCSIM_REGISTER(DeviceModel, IdealDevice, "ideal", "exact conductance: no programming noise, drift or read noise");

}  // namespace aimcsim
