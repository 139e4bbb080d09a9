// The controller's input stream (schedule.h): the pixels of inference after
// inference reach the I/O tile's router one every io_cycles, and every LSTM's zero
// initial state is at its blocks when the inference's first pixel is. Generated as
// they fall due instead of queued up front, so the event queue holds no more than
// the chip has in flight, whatever the batch.
//
// Order (the schedule's (cycle, sequence) order of these events, which all come
// before any event raised while simulating): inference n's pixel 0, its initial
// states (recurrent destination 0..R-1), then its pixels 1..P-1.
#pragma once

#include <cstdint>
#include <limits>

namespace aimcsim {

class InputStream {
public:
    static constexpr std::uint64_t kNever = std::numeric_limits<std::uint64_t>::max();

    struct Item {
        int inference = 0;
        int pixel = 0;       // the input pixel (recurrent < 0)
        int recurrent = -1;  // else: which initial state (index of the recurrent destination)
        std::uint64_t cycle = 0;
    };

    InputStream(int batch, int pixels, std::uint64_t io_cycles, int recurrent)
        : batch_(batch), pixels_(pixels), io_cycles_(io_cycles), recurrent_(recurrent) {}

    [[nodiscard]] bool done() const { return n_ >= batch_; }
    // Cycle of the next item, kNever when the stream is done.
    [[nodiscard]] std::uint64_t next_cycle() const { return done() ? kNever : item().cycle; }
    // The inference the next item belongs to (batch when done): earlier ones have had all their input.
    [[nodiscard]] int next_inference() const { return n_; }
    // When inference n's first pixel is injected.
    [[nodiscard]] std::uint64_t first_input_cycle(int n) const {
        return static_cast<std::uint64_t>(n) * static_cast<std::uint64_t>(pixels_) * io_cycles_;
    }

    Item pop() {
        const Item it = item();
        if (++k_ == pixels_ + recurrent_) {
            k_ = 0;
            ++n_;
        }
        return it;
    }

private:
    // Step k of inference n: 0 pixel 0, 1..R the initial states, R+1.. pixels 1..
    [[nodiscard]] Item item() const {
        Item it;
        it.inference = n_;
        if (k_ >= 1 && k_ <= recurrent_) {
            it.recurrent = k_ - 1;
            it.cycle = first_input_cycle(n_);
            return it;
        }
        it.pixel = k_ == 0 ? 0 : k_ - recurrent_;
        it.cycle = (static_cast<std::uint64_t>(n_) * static_cast<std::uint64_t>(pixels_) +
                    static_cast<std::uint64_t>(it.pixel)) *
                   io_cycles_;
        return it;
    }

    int batch_, pixels_;
    std::uint64_t io_cycles_;
    int recurrent_;
    int n_ = 0, k_ = 0;
};

}  // namespace aimcsim
