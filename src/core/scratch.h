// Scratch memory for hot loops that write every element before reading it: grows to the
// largest size asked for and never initialises, so asking for a size again (a smaller
// layer, then a larger one) costs nothing. A std::vector resized up again zero-fills
// the new part every time, which was a tenth of the batched engine's time.
#pragma once

#include <cstddef>
#include <memory>

namespace aimcsim {

template <class T> class Scratch {
public:
    // At least n elements, contents unspecified (those of the last use, or uninitialised).
    T* get(std::size_t n) {
        if (n > capacity_) {
            data_.reset(new T[n]);
            capacity_ = n;
        }
        return data_.get();
    }

private:
    std::unique_ptr<T[]> data_;
    std::size_t capacity_ = 0;
};

}  // namespace aimcsim
