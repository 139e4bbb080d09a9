// Time and energy of training steps on the chip (docs/training.md, "Time and energy"):
// an analytic model built from the tiles' own per-MVM phases and energies, the digital
// update's multiply-accumulates and the programming pulses' durations and energies.
#pragma once

#include "aimcsim/tile.h"

namespace aimcsim {

struct TrainingCost {
    double forward_ns = 0.0;      // forward MVMs, image after image, layer after layer
    double backward_ns = 0.0;     // transposed MVMs of the backward pass
    double digital_ns = 0.0;      // outer products and the rule, on the digital units beside the tiles
    double programming_ns = 0.0;  // SET pulses (row by row, the columns in parallel) and refreshes
    MvmEnergy forward;            // from the tiles' activity counters
    MvmEnergy backward;
    double digital_pj = 0.0;
    double pulse_pj = 0.0;    // SET pulses of the updates
    double refresh_pj = 0.0;  // RESET and reprogramming of refreshed pairs
    double static_pj = 0.0;   // the used tiles' static power over the steps
    long pulses = 0;
    long refreshes = 0;
    long images = 0;
    long steps = 0;

    [[nodiscard]] double latency_ns() const { return forward_ns + backward_ns + digital_ns + programming_ns; }
    [[nodiscard]] double programming_pj() const { return pulse_pj + refresh_pj; }
    [[nodiscard]] double energy_pj() const {
        return forward.total_pj() + backward.total_pj() + digital_pj + programming_pj() + static_pj;
    }
    TrainingCost& operator+=(const TrainingCost& o) {
        forward_ns += o.forward_ns;
        backward_ns += o.backward_ns;
        digital_ns += o.digital_ns;
        programming_ns += o.programming_ns;
        forward += o.forward;
        backward += o.backward;
        digital_pj += o.digital_pj;
        pulse_pj += o.pulse_pj;
        refresh_pj += o.refresh_pj;
        static_pj += o.static_pj;
        pulses += o.pulses;
        refreshes += o.refreshes;
        images += o.images;
        steps += o.steps;
        return *this;
    }
};

}  // namespace aimcsim
