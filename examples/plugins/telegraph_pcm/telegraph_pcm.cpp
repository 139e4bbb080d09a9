// "telegraph_pcm": a device model that wraps another one (by default the built-in `pcm`)
// and adds random telegraph noise (RTN) to a fraction of its devices: the example of
// wrapping a device model and keeping per-device state of one's own.
//
// RTN: a defect near the conduction path traps and releases a carrier, so the device
// switches between two conductance levels, g (1 + a) and g (1 - a). In PCM it shows in a
// minority of devices, mostly at low conductance (Ielmini et al., IEEE T-ED 2010). Here:
//   - at programming (begin_block) each device is an RTN device with probability
//     `fraction`; its relative amplitude a is |N(0, amplitude)| (state of this model's own,
//     kept per DeviceSite::index, drawn from a stream of its own);
//   - every read (one per device per evaluation time) asks the wrapped model for its
//     conductances under V- and V+ and, for an RTN device, multiplies both by (1 + a) or
//     (1 - a), one level drawn per read (so with fraction 0 the results are the wrapped
//     model's, bit for bit).
// The wrapped model is configured in the `inner` section, as the tile configures its device:
//   device: {model: telegraph_pcm, fraction: 0.1, amplitude: 0.05, inner: {model: pcm}}
#include <aimcsim/device.h>
#include <aimcsim/plugin.h>

#include <cmath>
#include <memory>
#include <vector>

namespace {

using aimcsim::DeviceBlock;
using aimcsim::DeviceModel;
using aimcsim::DeviceRead;
using aimcsim::DeviceSite;
using aimcsim::ModelConfig;
using aimcsim::Params;
using aimcsim::ParamSchema;
using aimcsim::ProgrammedDevice;
using aimcsim::Rng;

class TelegraphPcmDevice : public DeviceModel {
public:
    static ParamSchema schema() {
        ParamSchema s;
        s.real("fraction", 0.1, "", "fraction of devices with random telegraph noise (assumed: a minority)")
            .range(0.0, 1.0);
        s.real("amplitude", 0.05, "",
               "std of the relative amplitude a of an RTN device's two levels g (1 +- a) (assumed: a few %)")
            .range(0.0, 0.5);
        s.section("inner", "the wrapped device model: model: pcm | hermes_pcm | ideal | <plugin>",
                  ModelConfig<DeviceModel>::resolver());
        return s;
    }

    explicit TelegraphPcmDevice(const Params& p)
        : fraction_(p.real("fraction")), amplitude_(p.real("amplitude")),
          inner_(p.resolved<ModelConfig<DeviceModel>>("inner").create()) {}

    // Everything about the cell and the block is the wrapped model's business too.
    void configure_cell(int devices_per_polarity) override { inner_->configure_cell(devices_per_polarity); }
    [[nodiscard]] double g_max_us() const override { return inner_->g_max_us(); }
    [[nodiscard]] bool polarity_level_fit() const override { return inner_->polarity_level_fit(); }
    [[nodiscard]] double state_bytes_per_device() const override {
        return inner_->state_bytes_per_device() + sizeof(float);
    }

    void begin_block(const DeviceBlock& block) override {
        inner_->begin_block(block);
        // This model's own state: one amplitude per device (0: no RTN), from its own stream.
        Rng rng(block.seed, aimcsim::Stream::DeviceState, {block.tile_id, kTag});
        amplitude_of_.assign(block.devices, 0.0F);
        for (float& a : amplitude_of_) {
            const bool rtn = rng.uniform() < fraction_;
            const double n = rng.normal();  // always drawn: the fraction does not shift the amplitudes
            a = rtn ? static_cast<float>(std::fabs(amplitude_ * n)) : 0.0F;
        }
    }

    [[nodiscard]] ProgrammedDevice program(double g_target_us, const DeviceSite& site, Rng& rng) override {
        return inner_->program(g_target_us, site, rng);
    }

    [[nodiscard]] DeviceRead read(const ProgrammedDevice& device, const DeviceSite& site, double t_s,
                                  Rng& rng) const override {
        DeviceRead g = inner_->read(device, site, t_s, rng);
        const double a = amplitude_of_[site.index];
        if (a == 0.0) return g;  // no draw: with fraction 0 every read is the wrapped model's own
        const double factor = rng.uniform() < 0.5 ? 1.0 + a : 1.0 - a;  // the level this read sees
        g.g_us *= factor;
        g.g_plus_us *= factor;
        return g;
    }

private:
    static constexpr std::uint64_t kTag = 0x7E1E;  // this model's sub-stream of Stream::DeviceState

    double fraction_;
    double amplitude_;
    std::unique_ptr<DeviceModel> inner_;
    std::vector<float> amplitude_of_;  // per DeviceSite::index
};

}  // namespace

AIMCSIM_PLUGIN() {
    aimcsim::register_model<aimcsim::DeviceModel, TelegraphPcmDevice>(
        "telegraph_pcm", "wraps a device model (default pcm) and adds random telegraph noise to a fraction of devices");
}
