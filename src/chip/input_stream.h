// The controller's input stream (schedule.h): the pixels of inference after
// inference stream into the I/O tile's router as one stream of bits, io_bits_per_cycle
// a cycle, and a pixel is there once its last bit is (so a 1-channel 8-bit pixel takes an
// eighth of a 64-bit cycle, and where Flatten sits in the graph does not change the
// time an image takes). Every LSTM's zero initial state is at its blocks when the
// inference's first pixel is. Generated as they fall due instead of queued up front, so
// the event queue holds no more than the chip has in flight, whatever the batch.
//
// The stream may be held back (chip.inferences_in_flight): restart(n, cycle) makes
// inference n's first bit enter at `cycle`, and the stream continues from there.
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

    InputStream(int batch, int pixels, std::uint64_t bits_per_pixel, std::uint64_t io_bits_per_cycle, int recurrent)
        : batch_(batch),
          pixels_(pixels),
          bits_per_pixel_(bits_per_pixel),
          io_bits_per_cycle_(io_bits_per_cycle),
          recurrent_(recurrent) {}

    [[nodiscard]] bool done() const { return n_ >= batch_; }
    // Cycle of the next item, kNever when the stream is done.
    [[nodiscard]] std::uint64_t next_cycle() const { return done() ? kNever : item().cycle; }
    // The inference the next item belongs to (batch when done): earlier ones have had all their input.
    [[nodiscard]] int next_inference() const { return n_; }
    // True between two inferences: the next item is the first of inference next_inference().
    [[nodiscard]] bool at_inference_start() const { return k_ == 0 && !done(); }
    // When the first bit of inference n (not started yet, or the current one) enters the
    // stream, if nothing holds it back (its latency counts from here).
    [[nodiscard]] std::uint64_t first_input_cycle(int n) const {
        return origin_cycle_ + static_cast<std::uint64_t>(n - origin_n_) * static_cast<std::uint64_t>(pixels_) *
                                   bits_per_pixel_ / io_bits_per_cycle_;
    }
    // The next inference (at_inference_start()) enters from `cycle` on, later than it would.
    void restart(std::uint64_t cycle) {
        origin_n_ = n_;
        origin_cycle_ = cycle;
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
            it.cycle = arrival_cycle(0);
            return it;
        }
        it.pixel = k_ == 0 ? 0 : k_ - recurrent_;
        it.cycle = arrival_cycle(it.pixel);
        return it;
    }

    // The cycle pixel p of the current inference has all its bits in: ceil(bits so far / width).
    [[nodiscard]] std::uint64_t arrival_cycle(int p) const {
        const std::uint64_t bits = (static_cast<std::uint64_t>(n_ - origin_n_) * static_cast<std::uint64_t>(pixels_) +
                                    static_cast<std::uint64_t>(p) + 1) *
                                   bits_per_pixel_;
        return origin_cycle_ + (bits + io_bits_per_cycle_ - 1) / io_bits_per_cycle_;
    }

    int batch_, pixels_;
    std::uint64_t bits_per_pixel_, io_bits_per_cycle_;
    int recurrent_;
    int n_ = 0, k_ = 0;
    int origin_n_ = 0;  // the stream runs on from inference origin_n_'s first bit at origin_cycle_
    std::uint64_t origin_cycle_ = 0;
};

}  // namespace aimcsim
