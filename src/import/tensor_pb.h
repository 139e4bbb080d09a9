// ONNX TensorProto files (.pb), the format of the ONNX test data (input_0.pb,
// output_0.pb): one serialized onnx.TensorProto. `aimcsim infer` reads float32
// tensors from them (values in raw_data, little-endian, or in float_data) and can
// write its output as one.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "src/import/npy.h"

namespace aimcsim {

// Reads a serialized TensorProto of data type FLOAT. Throws InputError naming the
// file and what was expected on a missing or unreadable file, bytes that are not a
// TensorProto, another data type, external or segmented data, negative dims, or a
// value count that does not match the dims.
[[nodiscard]] NpyArray read_tensor_pb(const std::string& path);

// Writes `data` (C order, product of `shape` values) as a FLOAT TensorProto with
// raw_data and the given name. Throws InputError naming the file if it cannot be written.
void write_tensor_pb(const std::string& path, const std::vector<std::size_t>& shape, const std::vector<float>& data,
                     const std::string& name = "");

// True when `path` ends in ".pb" (any case): the tensor is a TensorProto, not .npy.
[[nodiscard]] bool is_tensor_pb_path(const std::string& path);

}  // namespace aimcsim
