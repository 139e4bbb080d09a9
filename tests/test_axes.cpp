// The list of axes: a registry joins it when first used, so a new axis is declared
// here, in the test, with no edit in core, and the listing of `aimcsim models` and
// its errors see it like the built-in ones.
#include <catch2/catch.hpp>

#include <algorithm>
#include <sstream>

#include "aimcsim/core/axes.h"
#include "aimcsim/core/error.h"
#include "aimcsim/core/registry.h"
#include "src/app/model_listing.h"

using Catch::Matchers::Contains;

namespace {

// A multi-chip axis, as it would be declared outside core.
class SystemModel {
public:
    static constexpr const char* kAxis = "system";
    static constexpr const char* kDefaultModel = "two_chips";
    virtual ~SystemModel() = default;
    [[nodiscard]] virtual int chips() const = 0;
};

class TwoChips : public SystemModel {
public:
    static aimcsim::ParamSchema schema() {
        aimcsim::ParamSchema s;
        s.integer("chips", 2, "", "chips on the board").range(1, 64);
        return s;
    }
    explicit TwoChips(const aimcsim::Params& p) : chips_(static_cast<int>(p.integer("chips"))) {}
    [[nodiscard]] int chips() const override { return chips_; }

private:
    int chips_;
};

AIMCSIM_REGISTER(SystemModel, TwoChips, "two_chips", "chips side by side on one board");

std::vector<std::string> axis_names() {
    std::vector<std::string> names;
    for (const aimcsim::Axis* a : aimcsim::axis_list()) names.push_back(a->name());
    return names;
}

}  // namespace

TEST_CASE("a registry joins the list of axes: a new axis is one declaration, listed by models", "[axes]") {
    const std::vector<std::string> names = axis_names();
    for (const char* axis : {"adc", "device", "system", "tile", "topology"}) {
        CHECK(std::count(names.begin(), names.end(), axis) == 1);
    }
    CHECK(std::is_sorted(names.begin(), names.end()));

    const aimcsim::Axis* system = aimcsim::find_axis("system");
    REQUIRE(system != nullptr);
    REQUIRE(system->models().size() == 1);
    CHECK(system->models()[0].name == "two_chips");
    CHECK(system->models()[0].origin == "built-in");
    CHECK(aimcsim::find_axis("fpga") == nullptr);

    std::ostringstream one, all;
    aimcsim::list_models(one, "system");
    CHECK(one.str() == "system model 'two_chips': chips side by side on one board\n"
                       "    chips (int) default 2, [1, 64]: chips on the board\n");
    aimcsim::list_models(all, "");
    CHECK_THAT(all.str(), Contains(one.str()) && Contains("tile model 'hermes'") && Contains("adc model 'cco'"));
    CHECK_THROWS_WITH(aimcsim::list_models(all, "fpga"),
                      Contains("unknown axis 'fpga'") && Contains("system") && Contains("topology"));

    // The registry behind the listing builds the model like any other.
    const aimcsim::Registry<SystemModel>& reg = aimcsim::Registry<SystemModel>::instance();
    CHECK(reg.has("two_chips"));
    CHECK(reg.get("two_chips", aimcsim::ConfigNode{}).factory(reg.get("two_chips", {}).schema.defaults())->chips() ==
          2);
}
