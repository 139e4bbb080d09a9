// The IDX reader on Debian's Fashion-MNIST, and on broken copies of it. Broken files
// are written uncompressed (the reader takes plain IDX too), so the tests need no zlib.
#include <catch2/catch.hpp>

#include "tests/test_support.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "aimcsim/core/error.h"
#include "src/import/idx_dataset.h"

using namespace aimcsim;
namespace fs = std::filesystem;

namespace {

fs::path temp_dir() {
    static int counter = 0;
    fs::path d = fs::temp_directory_path() /
                 ("aimcsim_idx_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::create_directories(d);
    return d;
}

void put_u32(std::string& s, uint32_t v) {
    for (int shift : {24, 16, 8, 0}) s += static_cast<char>((v >> shift) & 0xff);
}

// A plain IDX file: magic, dims, then `payload` bytes of value 7.
void write_idx(const fs::path& path, uint32_t magic, const std::vector<uint32_t>& dims, std::size_t payload) {
    std::string s;
    put_u32(s, magic);
    for (uint32_t d : dims) put_u32(s, d);
    s.append(payload, '\x07');
    std::ofstream(path, std::ios::binary) << s;
}

using test::error_of;

}  // namespace

TEST_CASE("Fashion-MNIST t10k: 10000 images of 28x28, 1000 per class, x/255", "[dataset]") {
    const Dataset d = load_fashion_mnist();
    REQUIRE(d.count == 10000u);
    CHECK(d.rows == 28);
    CHECK(d.cols == 28);
    REQUIRE(d.images.size() == 10000u * 784);
    REQUIRE(d.labels.size() == 10000u);
    std::array<int, 10> histogram{};
    for (int l : d.labels) ++histogram.at(static_cast<std::size_t>(l));
    for (int n : histogram) CHECK(n == 1000);
    const auto [lo, hi] = std::minmax_element(d.images.begin(), d.images.end());
    CHECK(*lo == 0.0f);
    CHECK(*hi == 1.0f);
    CHECK(d.image(3).size() == 784u);
    CHECK_THROWS_AS(d.image(10000), InputError);

    const Dataset first = load_fashion_mnist(kFashionMnistDir, "t10k", 5);
    CHECK(first.count == 5u);
    CHECK(std::equal(first.images.begin(), first.images.end(), d.images.begin()));
    CHECK(std::equal(first.labels.begin(), first.labels.end(), d.labels.begin()));
    CHECK(load_fashion_mnist(kFashionMnistDir, "train", 100).count == 100u);
}

TEST_CASE("bad IDX input throws InputError naming the file and what was expected", "[dataset]") {
    const fs::path dir = temp_dir();
    const fs::path images = dir / "t10k-images-idx3-ubyte.gz", labels = dir / "t10k-labels-idx1-ubyte.gz";
    const std::string real = kFashionMnistDir;

    SECTION("missing directory names the Debian package") {
        const std::string msg = error_of([&] { (void)load_fashion_mnist((dir / "none").string()); });
        CHECK_THAT(msg, Catch::Contains("t10k-images-idx3-ubyte.gz") &&
                            Catch::Contains("install Debian package dataset-fashion-mnist"));
    }
    SECTION("unknown split") {
        CHECK_THAT(error_of([&] { (void)load_fashion_mnist(real, "test"); }), Catch::Contains("'t10k' or 'train'"));
    }
    SECTION("wrong magic") {
        write_idx(images, 2049, {10, 28, 28}, 10 * 784);  // a label magic in the image file
        fs::copy_file(real + "/t10k-labels-idx1-ubyte.gz", labels);
        const std::string msg = error_of([&] { (void)load_fashion_mnist(dir.string()); });
        CHECK_THAT(msg, Catch::Contains(images.string()) && Catch::Contains("magic number 2049, expected 2051"));
    }
    SECTION("truncated image data") {
        write_idx(images, 2051, {10, 28, 28}, 9 * 784);
        write_idx(labels, 2049, {10}, 10);
        const std::string msg = error_of([&] { (void)load_fashion_mnist(dir.string()); });
        CHECK_THAT(msg, Catch::Contains(images.string()) && Catch::Contains("truncated"));
    }
    SECTION("truncated gzip stream") {
        // Half of the real compressed file: the gzip stream ends early.
        std::ifstream in(real + "/t10k-images-idx3-ubyte.gz", std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        std::ofstream(images, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
        fs::copy_file(real + "/t10k-labels-idx1-ubyte.gz", labels);
        const std::string msg = error_of([&] { (void)load_fashion_mnist(dir.string()); });
        CHECK_THAT(msg, Catch::Contains(images.string()));
    }
    SECTION("image and label counts differ") {
        write_idx(images, 2051, {10, 28, 28}, 10 * 784);
        write_idx(labels, 2049, {11}, 11);
        const std::string msg = error_of([&] { (void)load_fashion_mnist(dir.string()); });
        CHECK_THAT(msg,
                   Catch::Contains("10 images") && Catch::Contains("11 labels") && Catch::Contains(labels.string()));
    }
    SECTION("wrong image size") {
        write_idx(images, 2051, {10, 20, 20}, 10 * 400);
        write_idx(labels, 2049, {10}, 10);
        const std::string msg = error_of([&] { (void)load_fashion_mnist(dir.string()); });
        CHECK_THAT(msg, Catch::Contains(images.string()) && Catch::Contains("expected 28x28"));
        CHECK(load_idx(images.string(), labels.string()).count == 10u);  // fine as a generic IDX pair
    }
    fs::remove_all(dir);
}
