// SystemC allows one elaboration per simulation context. Each run (and each test)
// starts from a fresh context so that several simulations can live in one process.
#pragma once

namespace aimcsim {

void fresh_sim_context();

}  // namespace aimcsim
