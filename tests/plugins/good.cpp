// A minimal valid plugin: one device model, registered through AIMCSIM_PLUGIN.
#include "aimcsim/device.h"
#include "aimcsim/plugin.h"

namespace {

class ScaledDevice : public aimcsim::DeviceModel {
public:
    static aimcsim::ParamSchema schema() {
        aimcsim::ParamSchema s;
        s.real("g_max_us", 25.0, "uS", "largest conductance").positive();
        s.real("gain", 1.0, "", "read conductance = gain * target (1: ideal)").positive();
        return s;
    }
    explicit ScaledDevice(const aimcsim::Params& p) : g_max_us_(p.real("g_max_us")), gain_(p.real("gain")) {}
    [[nodiscard]] double g_max_us() const override { return g_max_us_; }
    [[nodiscard]] aimcsim::ProgrammedDevice program(double g_target_us, const aimcsim::DeviceSite&,
                                                    aimcsim::Rng&) override {
        return {static_cast<float>(g_target_us), 0.0F};
    }
    [[nodiscard]] aimcsim::DeviceRead read(const aimcsim::ProgrammedDevice& d, const aimcsim::DeviceSite&, double,
                                           aimcsim::Rng&) const override {
        return {gain_ * d.g_prog_us, gain_ * d.g_prog_us};
    }

private:
    double g_max_us_, gain_;
};

}  // namespace

AIMCSIM_PLUGIN() {
    aimcsim::register_model<aimcsim::DeviceModel, ScaledDevice>("plugin_test_device",
                                                                "test: exact device times a gain");
}
