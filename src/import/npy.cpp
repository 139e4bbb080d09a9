#include "src/import/npy.h"

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "aimcsim/core/error.h"

namespace aimcsim {

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr std::size_t kMagicLen = 6;

[[noreturn]] void fail(const std::string& path, const std::string& what) {
    throw InputError("'" + path + "': not a float32 .npy file: " + what);
}

// The value of `key` in the header dict, as its raw text (up to the next top-level ',' or '}').
std::string dict_value(const std::string& path, const std::string& header, const std::string& key) {
    std::size_t k = header.find("'" + key + "'");
    if (k == std::string::npos) k = header.find("\"" + key + "\"");
    if (k == std::string::npos) fail(path, "header has no '" + key + "'");
    std::size_t p = header.find(':', k);
    if (p == std::string::npos) fail(path, "malformed header");
    ++p;
    while (p < header.size() && header[p] == ' ') ++p;
    int depth = 0;
    std::size_t e = p;
    for (; e < header.size(); ++e) {
        const char c = header[e];
        if (c == '(' || c == '[') ++depth;
        if (c == ')' || c == ']') --depth;
        if (depth == 0 && (c == ',' || c == '}')) break;
    }
    std::string v = header.substr(p, e - p);
    while (!v.empty() && v.back() == ' ') v.pop_back();
    return v;
}

std::vector<std::size_t> parse_shape(const std::string& path, const std::string& text) {
    if (text.size() < 2 || text.front() != '(' || text.back() != ')') fail(path, "malformed shape " + text);
    std::vector<std::size_t> shape;
    std::string num;
    for (std::size_t i = 1; i < text.size(); ++i) {
        const char c = text[i];
        if (c >= '0' && c <= '9') {
            num += c;
        } else if (c == ',' || c == ')') {
            if (!num.empty()) shape.push_back(static_cast<std::size_t>(std::stoull(num)));
            num.clear();
        } else if (c != ' ' && c != 'L') {
            fail(path, "malformed shape " + text);
        }
    }
    return shape;
}

bool little_endian_host() {
    const std::uint16_t one = 1;
    unsigned char b = 0;
    std::memcpy(&b, &one, 1);
    return b == 1;
}

}  // namespace

std::string npy_shape_str(const std::vector<std::size_t>& shape) {
    std::string s = "(";
    for (std::size_t i = 0; i < shape.size(); ++i) s += (i > 0 ? ", " : "") + std::to_string(shape[i]);
    if (shape.size() == 1) s += ",";
    return s + ")";
}

std::string NpyArray::shape_str() const { return npy_shape_str(shape); }

namespace {

NpyArray read_npy_as(const std::string& path, bool any_numeric, std::string* dtype_out) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError("'" + path + "': cannot open the .npy file");
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.size() < kMagicLen + 4 || bytes.compare(0, kMagicLen, kMagic, kMagicLen) != 0) {
        fail(path, "bad magic (expected \\x93NUMPY)");
    }
    const auto major = static_cast<unsigned char>(bytes[6]);
    std::size_t header_len = 0, header_at = 0;
    if (major == 1) {
        header_len = static_cast<unsigned char>(bytes[8]) |
                     (static_cast<std::size_t>(static_cast<unsigned char>(bytes[9])) << 8);
        header_at = 10;
    } else if (major == 2 || major == 3) {
        if (bytes.size() < 12) fail(path, "truncated header");
        for (int i = 0; i < 4; ++i)
            header_len |= static_cast<std::size_t>(static_cast<unsigned char>(bytes[8 + i])) << (8 * i);
        header_at = 12;
    } else {
        fail(path, "unsupported format version " + std::to_string(major));
    }
    if (bytes.size() < header_at + header_len) fail(path, "truncated header");
    const std::string header = bytes.substr(header_at, header_len);

    std::string descr = dict_value(path, header, "descr");
    if (descr.size() >= 2 && (descr.front() == '\'' || descr.front() == '"')) descr = descr.substr(1, descr.size() - 2);
    if (descr.size() == 3 && descr[0] == '=' && little_endian_host()) descr[0] = '<';
    if (descr == "|u1" || descr == "<u1") descr = "|u1";
    if (descr == "|i1" || descr == "<i1") descr = "|i1";
    const bool numeric = descr == "|u1" || descr == "|i1" || descr == "<i4" || descr == "<i8" || descr == "<f8";
    if (descr != "<f4" && !(any_numeric && numeric)) {
        fail(path, "dtype '" + descr + "', expected '<f4' (float32 little-endian; numpy: x.astype('<f4'))" +
                       (any_numeric ? std::string(", or uint8, int8, int32, int64, float64") : std::string()));
    }
    if (dtype_out) *dtype_out = descr;
    const std::size_t item = descr == "|u1" || descr == "|i1" ? 1 : descr == "<i8" || descr == "<f8" ? 8 : 4;
    const std::string fortran = dict_value(path, header, "fortran_order");
    if (fortran == "True") fail(path, "Fortran order; expected C order (numpy: np.ascontiguousarray(x))");
    if (fortran != "False") fail(path, "malformed fortran_order " + fortran);

    NpyArray a;
    a.shape = parse_shape(path, dict_value(path, header, "shape"));
    std::size_t n = 1;
    for (std::size_t d : a.shape) n *= d;
    const std::size_t data_at = header_at + header_len;
    if (n > (std::size_t{1} << 34) / item || bytes.size() - data_at < n * item) {
        fail(path, "shape " + a.shape_str() + " needs " + std::to_string(n * item) + " bytes of data, the file has " +
                       std::to_string(bytes.size() - data_at));
    }
    if (!little_endian_host()) throw std::logic_error("read_npy: big-endian hosts are not supported");
    a.data.resize(n);
    const char* raw = bytes.data() + data_at;
    auto convert = [&](auto tag) {
        using T = decltype(tag);
        for (std::size_t k = 0; k < n; ++k) {
            T v;
            std::memcpy(&v, raw + k * sizeof(T), sizeof(T));
            a.data[k] = static_cast<float>(v);
        }
    };
    if (descr == "<f4") {
        if (n > 0) std::memcpy(a.data.data(), raw, n * sizeof(float));
    } else if (descr == "|u1") {
        convert(std::uint8_t{});
    } else if (descr == "|i1") {
        convert(std::int8_t{});
    } else if (descr == "<i4") {
        convert(std::int32_t{});
    } else if (descr == "<i8") {
        convert(std::int64_t{});
    } else {
        convert(double{});
    }
    return a;
}

}  // namespace

NpyArray read_npy(const std::string& path) { return read_npy_as(path, false, nullptr); }

NpyArray read_npy_numeric(const std::string& path, std::string* dtype) { return read_npy_as(path, true, dtype); }

void write_npy(const std::string& path, const std::vector<std::size_t>& shape, const std::vector<float>& data) {
    std::size_t n = 1;
    for (std::size_t d : shape) n *= d;
    if (n != data.size()) throw std::logic_error("write_npy: shape does not match the data");
    if (!little_endian_host()) throw std::logic_error("write_npy: big-endian hosts are not supported");
    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + npy_shape_str(shape) + ", }";
    // Magic (6) + version (2) + length (2) + header, padded with spaces to a multiple of 64, ending in '\n'.
    const std::size_t total = kMagicLen + 4 + header.size() + 1;
    header.append((64 - total % 64) % 64, ' ');
    header += '\n';
    std::ofstream out(path, std::ios::binary);
    out.write(kMagic, kMagicLen);
    const char version[2] = {1, 0};
    out.write(version, 2);
    const char len[2] = {static_cast<char>(header.size() & 0xff), static_cast<char>(header.size() >> 8)};
    out.write(len, 2);
    out << header;
    out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size() * sizeof(float)));
    if (!out) throw InputError("'" + path + "': cannot write the .npy file");
}

}  // namespace aimcsim
