#include "src/training/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>

#include <cblas.h>

#include "aimcsim/core/error.h"
#include "src/import/idx_dataset.h"
#include "src/training/trained_layer.h"

namespace aimcsim {

namespace {

// Softmax cross-entropy of logits z (n x k): the loss summed, correct predictions counted,
// and z replaced by dLoss/dz = softmax(z) - onehot.
void softmax_xent(std::vector<float>& z, int n, int k, const int* labels, double& loss, long& correct) {
    for (int s = 0; s < n; ++s) {
        float* zs = &z[static_cast<std::size_t>(s) * k];
        const int arg = static_cast<int>(std::max_element(zs, zs + k) - zs);
        correct += arg == labels[s];
        const float m = zs[arg];
        double sum = 0.0;
        for (int j = 0; j < k; ++j) sum += std::exp(static_cast<double>(zs[j] - m));
        loss += std::log(sum) - (zs[labels[s]] - m);
        for (int j = 0; j < k; ++j) zs[j] = static_cast<float>(std::exp(static_cast<double>(zs[j] - m)) / sum);
        zs[labels[s]] -= 1.0F;
    }
}

double evaluate(StageChain& model, const Dataset& test, std::uint64_t tag) {
    constexpr int kChunk = 256;
    const int k = model.classes();
    long correct = 0;
    std::vector<std::uint64_t> ids(kChunk);
    for (std::size_t i0 = 0; i0 < test.count; i0 += kChunk) {
        const int n = static_cast<int>(std::min<std::size_t>(kChunk, test.count - i0));
        for (int s = 0; s < n; ++s) ids[s] = (tag << 32) | (i0 + s);
        const std::vector<float>& z =
            model.forward(&test.images[i0 * test.image_size()], n, MvmPass::Evaluate, ids.data(), nullptr);
        for (int s = 0; s < n; ++s) {
            const float* zs = &z[static_cast<std::size_t>(s) * k];
            correct += (std::max_element(zs, zs + k) - zs) == test.labels[i0 + s];
        }
    }
    return test.count > 0 ? static_cast<double>(correct) / test.count : 0.0;
}

std::vector<float> initial_weights(const StageSpec& l, std::uint64_t seed, std::uint64_t layer) {
    // PyTorch's nn.Linear and nn.Conv2d default: uniform in +-1/sqrt(fan_in), from the run's seed.
    Rng rng(seed, Stream::Training, {1, layer});
    const double bound = 1.0 / std::sqrt(static_cast<double>(l.rows));
    std::vector<float> w(static_cast<std::size_t>(l.rows) * l.cols);
    for (float& v : w) v = static_cast<float>((2.0 * rng.uniform() - 1.0) * bound);
    return w;
}

}  // namespace

TrainingResult train_network(const TrainingJob& job) {
    // The training's matrices are small (a batch of 32, or a Conv layer's 9 or 144 rows):
    // OpenBLAS's own threads only wait for each other. One CNN epoch of 2,000 images took
    // 90 s wall with them and 10 s without on the loaded 2-core machine (the same CPU time).
    openblas_set_num_threads(1);
    const TrainingSettings& s = job.settings;
    const std::vector<StageSpec> specs = training_stages(*job.net);
    if (job.net->input_shape().size() != 784)
        throw InputError("training: model '" + job.net->name + "' takes " + job.net->input_shape().str() +
                         "; Fashion-MNIST training needs 784 inputs (1x28x28)");
    if (specs.back().cols != 10)
        throw InputError("training: model '" + job.net->name + "' gives " + std::to_string(specs.back().cols) +
                         " outputs; Fashion-MNIST has 10 classes");
    const Dataset train = load_fashion_mnist(s.dataset_dir, "train", s.samples);
    const Dataset test = load_fashion_mnist(s.dataset_dir, "t10k", s.test_samples);

    StageChain model(specs, job.tile, s, job.seed,
                     [&](const StageSpec& l, std::size_t i) { return initial_weights(l, job.seed, i); });
    const std::vector<TrainedLayer*> layers = model.weight_layers();
    TrainingResult r;
    r.model = job.net->name;
    r.rule = s.rule;
    r.train_images = train.count;
    r.test_images = test.count;
    r.batch = s.batch;
    r.learning_rate = s.learning_rate;
    r.lr_decay = s.lr_decay;
    for (const StageSpec& sp : specs) r.layers.push_back(sp.str());
    for (const TrainedLayer* l : layers) r.tiles += l->tiles();
    r.epsilon_us = layers.front()->epsilon_us();
    r.group_max_us = layers.front()->group_max_us();
    r.devices_per_polarity = layers.front()->devices_per_polarity();
    const bool analog = s.rule != TrainingRule::Float;
    double fwd_mvm_ns = 0.0, bwd_mvm_ns = 0.0, static_mw = 0.0;
    if (analog) {
        fwd_mvm_ns = model.forward_ns_per_image();
        bwd_mvm_ns = model.backward_ns_per_image();
        for (const TrainedLayer* l : layers) static_mw += l->static_power_mw();
        r.forward_batch_ns = s.batch * fwd_mvm_ns;
        r.chip_forward_batch_ns = job.chip_forward_batch_ns;
    }

    const int k = model.classes();
    const std::size_t img = train.image_size();
    std::vector<std::size_t> order(train.count);
    std::vector<float> x;
    std::vector<int> labels;
    std::vector<std::uint64_t> ids;
    std::vector<float> delta;
    double t_chip_s = 0.0;
    std::uint64_t step = 0;
    for (int e = 0; e < s.epochs; ++e) {
        const auto wall0 = std::chrono::steady_clock::now();
        for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
        Rng shuffle(job.seed, Stream::Training, {2, static_cast<std::uint64_t>(e)});
        for (std::size_t i = order.size(); i > 1; --i)
            std::swap(order[i - 1], order[static_cast<std::size_t>(shuffle.uniform_int(0, static_cast<long long>(i - 1)))]);
        EpochRecord rec;
        rec.epoch = e + 1;
        const double lr = s.learning_rate * std::pow(s.lr_decay, e);
        rec.learning_rate = lr;
        double loss = 0.0;
        long correct = 0;
        for (std::size_t i0 = 0; i0 < order.size(); i0 += static_cast<std::size_t>(s.batch)) {
            if (job.stop != nullptr && job.stop->load()) {
                r.interrupted = true;
                return r;
            }
            const int n = static_cast<int>(std::min<std::size_t>(s.batch, order.size() - i0));
            x.resize(static_cast<std::size_t>(n) * img);
            labels.resize(n);
            ids.resize(n);
            for (int b = 0; b < n; ++b) {
                const std::size_t src = order[i0 + b];
                std::copy(&train.images[src * img], &train.images[src * img] + img, &x[static_cast<std::size_t>(b) * img]);
                labels[b] = train.labels[src];
                ids[b] = static_cast<std::uint64_t>(e) * train.count + i0 + b;
            }
            TrainingCost cost;
            delta = model.forward(x.data(), n, MvmPass::TrainForward, ids.data(), analog ? &cost.forward : nullptr);
            softmax_xent(delta, n, k, labels.data(), loss, correct);
            model.backward_update(delta, n, ids.data(), lr, step, t_chip_s, cost, analog);
            if (analog) {
                cost.forward_ns = n * fwd_mvm_ns;
                cost.backward_ns = n * bwd_mvm_ns;
                cost.static_pj = static_mw * cost.latency_ns();  // mW x ns = pJ
            }
            cost.images = n;
            cost.steps = 1;
            if (analog && job.chip_step) {
                StepRecord record;
                record.batch = n;
                for (const TrainedLayer* l : layers) record.layers.push_back({l->last_update_vectors(), l->last_update()});
                const ChipStepTimes chip = job.chip_step(record);
                rec.chip_latency_ns += chip.step_ns();
                // The report's example step: the one with the most pulses (the first of equals).
                if (step == 0 || cost.pulses > r.model_step.pulses) {
                    r.chip_step = chip;
                    r.model_step = cost;
                    r.example_step = step;
                }
            }
            t_chip_s += cost.latency_ns() * 1e-9;
            rec.cost += cost;
            ++step;
        }
        rec.train_loss = loss / static_cast<double>(order.size());
        rec.train_accuracy = static_cast<double>(correct) / static_cast<double>(order.size());
        rec.test_accuracy = evaluate(model, test, static_cast<std::uint64_t>(e + 1));
        rec.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
        r.epochs.push_back(rec);
        if (job.on_epoch) job.on_epoch(r);
    }
    if (!analog) return r;
    std::uint64_t tag = 1000;
    for (double t : s.drift_times_s) {
        for (bool gdc : {true, false}) {
            if (job.stop != nullptr && job.stop->load()) {
                r.interrupted = true;
                return r;
            }
            for (TrainedLayer* layer : layers) layer->load_drifted(t_chip_s, t, gdc);
            r.drift.push_back({t, gdc, evaluate(model, test, tag++)});
        }
    }
    for (TrainedLayer* layer : layers) layer->load_trained();
    return r;
}

}  // namespace aimcsim
