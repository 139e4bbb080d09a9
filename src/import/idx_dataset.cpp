#include "src/import/idx_dataset.h"

#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <memory>

#include "aimcsim/core/error.h"

namespace aimcsim {

std::vector<float> Dataset::image(std::size_t i) const {
    if (i >= count)
        throw InputError("dataset image " + std::to_string(i) + " out of range (" + std::to_string(count) + " images)");
    const auto first = images.begin() + static_cast<std::ptrdiff_t>(i * image_size());
    return {first, first + static_cast<std::ptrdiff_t>(image_size())};
}

namespace {

constexpr uint32_t kImagesMagic = 2051;
constexpr uint32_t kLabelsMagic = 2049;

// gzread reads plain files too, so uncompressed IDX files work as well.
class IdxFile {
public:
    explicit IdxFile(const std::string& path) : path_(path) {
        std::error_code ec;
        if (!std::filesystem::exists(path, ec))
            throw InputError(path +
                             ": not found; install Debian package dataset-fashion-mnist "
                             "(apt-get install dataset-fashion-mnist) or point to the directory with the IDX files");
        file_.reset(gzopen(path.c_str(), "rb"));
        if (!file_) throw InputError(path + ": cannot open for reading");
    }

    void read(void* dst, std::size_t n, const std::string& what) {
        auto* p = static_cast<unsigned char*>(dst);
        while (n > 0) {
            // gzread takes an unsigned int count: read large blocks in pieces.
            const unsigned chunk = static_cast<unsigned>(std::min<std::size_t>(n, 1u << 30));
            const int got = gzread(file_.get(), p, chunk);
            if (got < 0) {
                int errnum = 0;
                throw InputError(path_ + ": corrupt gzip data while reading " + what + " (" +
                                 gzerror(file_.get(), &errnum) + ")");
            }
            if (got == 0) throw InputError(path_ + ": truncated: the file ends inside " + what);
            p += got;
            n -= static_cast<std::size_t>(got);
        }
    }

    uint32_t read_u32(const std::string& what) {
        unsigned char b[4];
        read(b, 4, what);
        return uint32_t{b[0]} << 24 | uint32_t{b[1]} << 16 | uint32_t{b[2]} << 8 | b[3];  // IDX is big-endian
    }

    void expect_magic(uint32_t magic, const char* kind) {
        const uint32_t got = read_u32("the header");
        if (got != magic)
            throw InputError(path_ + ": magic number " + std::to_string(got) + ", expected " + std::to_string(magic) +
                             " (" + kind + "); not an IDX " + kind + " file");
    }

private:
    struct Closer {
        void operator()(gzFile f) const { gzclose(f); }
    };
    std::string path_;
    std::unique_ptr<gzFile_s, Closer> file_;
};

}  // namespace

Dataset load_idx(const std::string& images_path, const std::string& labels_path, std::size_t limit) {
    IdxFile images(images_path), labels(labels_path);
    images.expect_magic(kImagesMagic, "images, uint8 N x rows x cols");
    labels.expect_magic(kLabelsMagic, "labels, uint8 N");
    const uint32_t n_images = images.read_u32("the header");
    const uint32_t rows = images.read_u32("the header");
    const uint32_t cols = images.read_u32("the header");
    const uint32_t n_labels = labels.read_u32("the header");
    if (rows == 0 || cols == 0 || rows > 4096 || cols > 4096)
        throw InputError(images_path + ": image size " + std::to_string(rows) + "x" + std::to_string(cols) +
                         " is not plausible");
    if (n_images != n_labels)
        throw InputError(images_path + " holds " + std::to_string(n_images) + " images but " + labels_path + " holds " +
                         std::to_string(n_labels) + " labels; they must match");

    Dataset d;
    d.count = limit > 0 ? std::min<std::size_t>(limit, n_images) : n_images;
    d.rows = static_cast<int>(rows);
    d.cols = static_cast<int>(cols);
    // Grow the buffer as the data arrives: a corrupt header promising billions of
    // images must fail as truncated, not allocate what it promises first.
    const std::size_t total = d.count * d.image_size();
    std::vector<unsigned char> buf;
    while (buf.size() < total) {
        const std::size_t have = buf.size();
        buf.resize(have + std::min<std::size_t>(total - have, std::size_t{1} << 24));
        images.read(buf.data() + have, buf.size() - have,
                    std::to_string(d.count) + " images of " + std::to_string(rows) + "x" + std::to_string(cols) +
                        " bytes (header promises " + std::to_string(n_images) + ")");
    }
    d.images.resize(buf.size());
    for (std::size_t i = 0; i < buf.size(); ++i) d.images[i] = static_cast<float>(buf[i]) / 255.0f;
    buf.resize(d.count);
    labels.read(buf.data(), d.count,
                std::to_string(d.count) + " labels (header promises " + std::to_string(n_labels) + ")");
    d.labels.assign(buf.begin(), buf.end());
    return d;
}

Dataset load_fashion_mnist(const std::string& dir, const std::string& split, std::size_t limit) {
    if (split != "t10k" && split != "train")
        throw InputError("Fashion-MNIST split '" + split + "' is unknown; expected 't10k' or 'train'");
    const std::string images = dir + "/" + split + "-images-idx3-ubyte.gz";
    const std::string labels = dir + "/" + split + "-labels-idx1-ubyte.gz";
    Dataset d = load_idx(images, labels, limit);
    if (d.rows != 28 || d.cols != 28)
        throw InputError(images + ": images are " + std::to_string(d.rows) + "x" + std::to_string(d.cols) +
                         ", expected 28x28 for Fashion-MNIST");
    for (std::size_t i = 0; i < d.count; ++i)
        if (d.labels[i] < 0 || d.labels[i] > 9)
            throw InputError(labels + ": label " + std::to_string(d.labels[i]) + " of sample " + std::to_string(i) +
                             " is outside 0..9");
    return d;
}

}  // namespace aimcsim
