#include "src/sim/sim_context.h"

#include <systemc>

namespace aimcsim {

void fresh_sim_context() {
    // The old context is leaked on purpose: modules of a finished run may still
    // reference it until they are destroyed by their owners.
    sc_core::sc_curr_simcontext = new sc_core::sc_simcontext();
    sc_core::sc_default_global_context = sc_core::sc_curr_simcontext;
}

}  // namespace aimcsim
