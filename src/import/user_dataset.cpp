#include "src/import/user_dataset.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "aimcsim/core/error.h"
#include "src/import/npy.h"
#include "src/import/tensor_pb.h"

namespace aimcsim {

namespace {

namespace fs = std::filesystem;

bool ends_with(const std::string& s, const std::string& e) {
    return s.size() >= e.size() && s.compare(s.size() - e.size(), e.size(), e) == 0;
}

bool is_idx(const std::string& p) { return ends_with(p, ".gz") || ends_with(p, "-ubyte") || ends_with(p, ".idx"); }

// The per-sample dims a file may hold for `want`, in the spec's layout.
std::vector<std::vector<std::size_t>> accepted_dims(const Shape& want, const std::string& layout) {
    const auto c = static_cast<std::size_t>(want.c), h = static_cast<std::size_t>(want.h),
               w = static_cast<std::size_t>(want.w);
    std::vector<std::vector<std::size_t>> d;
    d.push_back(layout == "NHWC" ? std::vector<std::size_t>{h, w, c} : std::vector<std::size_t>{c, h, w});
    if (c == 1) d.push_back({h, w});
    if (h == 1 && w == 1) d.push_back({c});
    return d;
}

std::string wanted_str(const Shape& want, const std::string& layout) {
    std::vector<std::size_t> d = accepted_dims(want, layout).front();
    d.insert(d.begin(), 0);
    std::string s = npy_shape_str(d);
    s.replace(1, 1, "N");
    return s + " (" + layout + ")";
}

// Appends the samples of one array (a batch, or one sample without the batch dim).
void append_samples(const NpyArray& a, const std::string& path, const UserDatasetSpec& spec, const Shape& want,
                    bool uint8, std::size_t limit, std::vector<std::vector<float>>& out) {
    std::size_t n = 0;
    bool ok = false;
    for (const auto& d : accepted_dims(want, spec.layout)) {
        if (a.shape.size() == d.size() + 1 && std::equal(d.begin(), d.end(), a.shape.begin() + 1)) {
            n = a.shape.front();
            ok = true;
        } else if (a.shape == d) {
            n = 1;
            ok = true;
        }
        if (ok) break;
    }
    if (!ok)
        throw InputError(path + ": images have shape " + a.shape_str() + " but the model wants " +
                         wanted_str(want, spec.layout));
    const bool nhwc = spec.layout == "NHWC" && want.c > 1;
    const std::size_t per = want.size(), hw = static_cast<std::size_t>(want.h) * want.w;
    for (std::size_t i = 0; i < n && (limit == 0 || out.size() < limit); ++i) {
        std::vector<float> x(per);
        for (std::size_t k = 0; k < per; ++k) {
            // k is the CHW index; NHWC files hold (h, w, c).
            const std::size_t c = k / hw, p = k % hw;
            float v = a.data[i * per + (nhwc ? p * want.c + c : k)];
            if (!std::isfinite(v))
                throw InputError(path + ": sample " + std::to_string(out.size()) + " holds a NaN or infinite value");
            if (uint8) v /= 255.0f;
            const auto pick = [&](const std::vector<double>& m, double dflt) {
                return m.empty() ? dflt : m[m.size() == 1 ? 0 : c];
            };
            if (!spec.mean.empty() || !spec.std.empty())
                v = static_cast<float>((v - pick(spec.mean, 0.0)) / pick(spec.std, 1.0));
            x[k] = v;
        }
        out.push_back(std::move(x));
    }
}

void check_norm(const UserDatasetSpec& spec, const Shape& want) {
    for (const auto* m : {&spec.mean, &spec.std})
        if (!m->empty() && m->size() != 1 && m->size() != static_cast<std::size_t>(want.c))
            throw InputError("accuracy.user_dataset: mean/std have " + std::to_string(m->size()) +
                             " values; expected 1 or one per channel (" + std::to_string(want.c) + ")");
    for (double s : spec.std)
        if (!(s > 0.0)) throw InputError("accuracy.user_dataset: std values must be positive");
}

}  // namespace

std::vector<std::vector<float>> load_user_images(const std::string& path, const UserDatasetSpec& spec,
                                                 const Shape& want, std::size_t limit) {
    check_norm(spec, want);
    std::error_code ec;
    if (!fs::exists(path, ec)) throw InputError(path + ": dataset file not found");
    std::vector<std::vector<float>> out;
    if (fs::is_directory(path, ec)) {  // a folder of .pb tensors, in name order
        std::vector<std::string> files;
        for (const auto& e : fs::directory_iterator(path))
            if (is_tensor_pb_path(e.path().string())) files.push_back(e.path().string());
        std::sort(files.begin(), files.end());
        if (files.empty()) throw InputError(path + ": the folder holds no .pb tensors");
        for (const std::string& f : files) {
            if (limit != 0 && out.size() >= limit) break;
            append_samples(read_tensor_pb(f), f, spec, want, false, limit, out);
        }
        return out;
    }
    if (is_idx(path)) {
        if (!is_idx(spec.labels))
            throw InputError(path + ": IDX images go with IDX labels (accuracy.user_dataset.labels)");
        const Dataset d = load_idx(path, spec.labels, limit);
        NpyArray a;
        a.shape = {d.count, static_cast<std::size_t>(d.rows), static_cast<std::size_t>(d.cols)};
        a.data = d.images;  // already / 255
        append_samples(a, path, spec, want, false, limit, out);
        return out;
    }
    std::string dtype;
    const NpyArray a = read_npy_numeric(path, &dtype);
    append_samples(a, path, spec, want, dtype == "|u1", limit, out);
    return out;
}

Dataset load_user_dataset(const UserDatasetSpec& spec, const Shape& want, std::size_t limit) {
    if (spec.images.empty() || spec.labels.empty())
        throw InputError("accuracy.user_dataset: 'images' and 'labels' are required with dataset: user");
    const std::vector<std::vector<float>> images = load_user_images(spec.images, spec, want, limit);
    std::vector<float> labels;
    std::string label_shape;
    if (is_idx(spec.labels)) {
        if (!is_idx(spec.images))
            throw InputError(spec.labels + ": IDX labels go with IDX images; give the labels as .npy");
        const Dataset d = load_idx(spec.images, spec.labels, limit);
        labels.assign(d.labels.begin(), d.labels.end());
        label_shape = "(" + std::to_string(d.labels.size()) + ",)";
    } else {
        const NpyArray l = read_npy_numeric(spec.labels);
        if (l.shape.size() != 1 && !(l.shape.size() == 2 && l.shape[1] == 1))
            throw InputError(spec.labels + ": labels have shape " + l.shape_str() + "; expected (N,) or (N, 1)");
        label_shape = l.shape_str();
        labels = l.data;
        if (limit != 0 && labels.size() > limit) labels.resize(limit);
    }
    if (labels.size() != images.size())
        throw InputError(spec.labels + ": " + label_shape + " labels for " + std::to_string(images.size()) +
                         " images of " + spec.images + "; expected one label per image");
    Dataset d;
    d.count = images.size();
    d.channels = want.c;
    d.rows = want.h;
    d.cols = want.w;
    d.images.reserve(d.count * want.size());
    for (const auto& x : images) d.images.insert(d.images.end(), x.begin(), x.end());
    for (std::size_t i = 0; i < labels.size(); ++i) {
        const float v = labels[i];
        if (!(v >= 0.0f) || v != std::floor(v) || v > 1e9f)
            throw InputError(spec.labels + ": label " + std::to_string(i) + " is " + std::to_string(v) +
                             "; expected a class index (an integer >= 0)");
        d.labels.push_back(static_cast<int>(v));
    }
    return d;
}

}  // namespace aimcsim
