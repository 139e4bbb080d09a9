// A small reader and writer of NumPy .npy files (format versions 1-3), float32
// little-endian in C order only: what `aimcsim infer` takes and gives.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace aimcsim {

struct NpyArray {
    std::vector<std::size_t> shape;  // () is a scalar (one value)
    std::vector<float> data;         // C order

    [[nodiscard]] std::string shape_str() const;  // "(1, 28, 28)", NumPy's spelling
};

// "(1, 28, 28)", "(10,)", "()".
[[nodiscard]] std::string npy_shape_str(const std::vector<std::size_t>& shape);

// Reads a .npy file. Throws InputError naming the file on a missing file, a bad
// magic string, a dtype other than '<f4', Fortran order, a malformed header or a
// file shorter than its shape says.
[[nodiscard]] NpyArray read_npy(const std::string& path);

// read_npy() of any of the dtypes datasets come in: float32, float64, uint8, int8,
// int32, int64 (labels), converted to float; `dtype` gets numpy's name ("|u1", "<i8", ...).
[[nodiscard]] NpyArray read_npy_numeric(const std::string& path, std::string* dtype = nullptr);

// Writes `data` (C order, product of `shape` values) as a version 1.0 .npy of '<f4'.
// Throws InputError naming the file if it cannot be written.
void write_npy(const std::string& path, const std::vector<std::size_t>& shape, const std::vector<float>& data);

}  // namespace aimcsim
