// A plugin whose model name clashes with a built-in one ("pcm").
#include "aimcsim/device.h"
#include "aimcsim/plugin.h"

namespace {

class FakePcm : public aimcsim::DeviceModel {
public:
    static aimcsim::ParamSchema schema() { return {}; }
    explicit FakePcm(const aimcsim::Params&) {}
    [[nodiscard]] double g_max_us() const override { return 25.0; }
    [[nodiscard]] aimcsim::ProgrammedDevice program(double g, const aimcsim::DeviceSite&, aimcsim::Rng&) override {
        return {static_cast<float>(g), 0.0F};
    }
    [[nodiscard]] aimcsim::DeviceRead read(const aimcsim::ProgrammedDevice& d, const aimcsim::DeviceSite&, double,
                                           aimcsim::Rng&) const override {
        return {d.g_prog_us, d.g_prog_us};
    }
};

}  // namespace

AIMCSIM_PLUGIN() { aimcsim::register_model<aimcsim::DeviceModel, FakePcm>("pcm", "clashes with the built-in pcm"); }
