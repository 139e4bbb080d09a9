// Routing data of a packet on the interconnect, carried as a TLM-2.0 extension of a
// tlm_generic_payload (the payload's data pointer may carry the activations).
// The sender fills the first block; the network fills the second.
#pragma once

#include <cstdint>

#include <vector>

#include <tlm>

#include "interconnect/link_scheduler.h"

namespace aimcsim {

struct PacketExtension : tlm::tlm_extension<PacketExtension> {
    // Set by the sending tile.
    int src_tile = 0;
    int dst_tile = 0;
    int layer_id = -1;
    std::int64_t pixel_index = -1;
    std::uint64_t bits = 0;  // payload size; sets the number of flits
    void* user = nullptr;    // opaque to the network: for the chip's own bookkeeping

    // Set by the network.
    std::uint64_t ready_cycle = 0;    // injection (clock edge at or after the send)
    std::uint64_t arrival_cycle = 0;  // the last bit reached dst_tile
    int hops = 0;                     // links crossed so far
    std::uint64_t stall_cycles = 0;   // cycles waited for busy links so far
    std::vector<HopRecord> trail;     // links crossed so far (for back-pressure)

    [[nodiscard]] tlm::tlm_extension_base* clone() const override { return new PacketExtension(*this); }
    void copy_from(const tlm::tlm_extension_base& other) override {
        *this = static_cast<const PacketExtension&>(other);
    }

    // The extension of `trans`, or nullptr.
    [[nodiscard]] static PacketExtension* of(tlm::tlm_generic_payload& trans) {
        return trans.get_extension<PacketExtension>();
    }
};

}  // namespace aimcsim
