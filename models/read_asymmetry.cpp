#include "models/read_asymmetry.h"

#include <algorithm>

namespace aimcsim {

namespace {
constexpr std::uint64_t kAsymmetryTag = 0xA5;  // this model's sub-stream of Stream::DeviceState
}  // namespace

void ReadAsymmetry::add_params(ParamSchema& s) {
    s.real("read_asymmetry_mean", 1.0, "",
           "mean over devices of G(V+)/G(V-), the conductance read under a positive over a negative read voltage "
           "(Sarwat et al., Adv. Mater. 2022; Le Gallo et al., npj Unconv. Comput. 2024). 1: symmetric; the value "
           "is not published, configs set it `# assumed`. Only one-phase reads apply V+")
        .range(0.5, 2.0);
    s.real("read_asymmetry_sigma", 0.0, "",
           "device-to-device standard deviation of G(V+)/G(V-), drawn once per device at programming (# assumed, "
           "see read_asymmetry_mean)")
        .range(0.0, 0.5);
}

ReadAsymmetry::ReadAsymmetry(const Params& p)
    : mean_(p.real("read_asymmetry_mean")), sigma_(p.real("read_asymmetry_sigma")) {}

void ReadAsymmetry::begin_block(const DeviceBlock& block) {
    factors_.clear();
    if (!enabled()) return;
    Rng rng(block.seed, Stream::DeviceState, {block.tile_id, kAsymmetryTag});
    factors_.resize(block.devices);
    for (float& a : factors_) a = static_cast<float>(std::max(0.0, mean_ + sigma_ * rng.normal()));
}

}  // namespace aimcsim
