#include "src/import/tensor_pb.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "aimcsim/core/error.h"

namespace aimcsim {

namespace {

// Larger tensors than this (1 GiB of floats) are a corrupt or hostile file.
constexpr std::uint64_t kMaxElements = std::uint64_t{1} << 28;

[[noreturn]] void fail(const std::string& path, const std::string& what) {
    throw InputError("'" + path + "': not a float32 ONNX TensorProto (.pb): " + what);
}

std::string type_name(int t) {
    const std::string name = onnx::TensorProto_DataType_IsValid(t)
                                 ? onnx::TensorProto_DataType_Name(static_cast<onnx::TensorProto_DataType>(t))
                                 : std::string("unknown");
    return name + " (" + std::to_string(t) + ")";
}

float float_from_le(const char* p) {
    std::uint32_t bits = 0;
    for (int i = 0; i < 4; ++i) bits |= static_cast<std::uint32_t>(static_cast<unsigned char>(p[i])) << (8 * i);
    float v = 0.0F;
    std::memcpy(&v, &bits, sizeof v);
    return v;
}

void float_to_le(float v, char* p) {
    std::uint32_t bits = 0;
    std::memcpy(&bits, &v, sizeof v);
    for (int i = 0; i < 4; ++i) p[i] = static_cast<char>((bits >> (8 * i)) & 0xFF);
}

}  // namespace

bool is_tensor_pb_path(const std::string& path) {
    if (path.size() < 3) return false;
    std::string ext = path.substr(path.size() - 3);
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    return ext == ".pb";
}

NpyArray read_tensor_pb(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError("'" + path + "': cannot open the .pb tensor file");
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.size() > kMaxElements * sizeof(float) + (1U << 20)) fail(path, "the file is larger than 1 GiB");
    onnx::TensorProto t;
    if (!t.ParseFromString(bytes)) fail(path, "the bytes do not parse as a TensorProto (corrupt or another format)");
    // An empty or unrelated file can still parse (every field is optional): demand the
    // fields a tensor needs.
    if (t.data_type() != onnx::TensorProto::FLOAT) {
        fail(path, "data type " + type_name(t.data_type()) + ", expected FLOAT (1) (numpy: x.astype(np.float32))");
    }
    if (t.has_data_location() && t.data_location() == onnx::TensorProto::EXTERNAL) {
        fail(path, "the values are in an external file; expected them in raw_data or float_data");
    }
    if (t.has_segment()) fail(path, "segmented tensors are not supported");

    NpyArray a;
    std::uint64_t n = 1;
    for (const std::int64_t d : t.dims()) {
        if (d < 0) fail(path, "negative dimension " + std::to_string(d));
        a.shape.push_back(static_cast<std::size_t>(d));
        n = d == 0 ? 0 : n * static_cast<std::uint64_t>(d);
        if (n > kMaxElements) fail(path, "more than " + std::to_string(kMaxElements) + " values");
    }
    const bool raw = t.has_raw_data();
    if (raw && t.float_data_size() > 0) fail(path, "values in both raw_data and float_data");
    if (raw) {
        if (t.raw_data().size() != n * sizeof(float)) {
            fail(path, "dims " + npy_shape_str(a.shape) + " need " + std::to_string(n * sizeof(float)) +
                           " bytes of raw_data, it has " + std::to_string(t.raw_data().size()));
        }
        a.data.resize(static_cast<std::size_t>(n));
        for (std::size_t i = 0; i < a.data.size(); ++i) a.data[i] = float_from_le(t.raw_data().data() + 4 * i);
    } else {
        if (static_cast<std::uint64_t>(t.float_data_size()) != n) {
            fail(path, "dims " + npy_shape_str(a.shape) + " need " + std::to_string(n) + " values, float_data has " +
                           std::to_string(t.float_data_size()) +
                           (t.float_data_size() == 0 ? " (and there is no raw_data)" : ""));
        }
        a.data.assign(t.float_data().begin(), t.float_data().end());
    }
    return a;
}

void write_tensor_pb(const std::string& path, const std::vector<std::size_t>& shape, const std::vector<float>& data,
                     const std::string& name) {
    std::size_t n = 1;
    for (std::size_t d : shape) n *= d;
    if (n != data.size()) throw std::logic_error("write_tensor_pb: shape does not match the data");
    onnx::TensorProto t;
    if (!name.empty()) t.set_name(name);
    t.set_data_type(onnx::TensorProto::FLOAT);
    for (std::size_t d : shape) t.add_dims(static_cast<std::int64_t>(d));
    std::string raw(data.size() * sizeof(float), '\0');
    for (std::size_t i = 0; i < data.size(); ++i) float_to_le(data[i], &raw[4 * i]);
    t.set_raw_data(std::move(raw));
    std::ofstream out(path, std::ios::binary);
    if (!out || !t.SerializeToOstream(&out)) throw InputError("'" + path + "': cannot write the .pb tensor file");
    out.close();
    if (!out) throw InputError("'" + path + "': cannot write the .pb tensor file");
}

}  // namespace aimcsim
