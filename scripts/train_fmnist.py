#!/usr/bin/python3
"""Train the Fashion-MNIST models that aimcsim ships, and export them as ONNX.

Four models: a small CNN and an MLP, each trained plainly and hardware-aware
(HWA). HWA training adds Gaussian noise to every weight matrix in the forward
pass, so the network learns to tolerate the PCM programming noise it will see
on the chip (IBM's noise-aware training, docs/physics.md, "Accuracy of the shipped models").

Run with Debian's interpreter (the pyenv python3 first on PATH has no torch):
    /usr/bin/python3 scripts/train_fmnist.py [--data DIR] [--out DIR] [--epochs N]

Input normalisation: pixel / 255, so inputs lie in [0, 1]. The C++ reader
(src/import/idx_dataset.cpp) uses exactly the same, so the float accuracy the
simulator measures equals the one recorded here.

Outputs, per model <name> in workloads/onnx/:
    <name>.onnx  opset 13, input "input" of shape [1, 1, 28, 28], output "logits" [1, 10]
    <name>.json  float top-1 on the full t10k set (and on its first 1000 images,
                 which the C++ test reproduces exactly), normalisation, HWA settings.
"""
import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import time

# Debian's python3-torch brings numpy. Install it if we are allowed to, otherwise say how.
try:
    import numpy as np
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    import torch.onnx
except ImportError as e:
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print(f"missing {e.name}; installing Debian package python3-torch", file=sys.stderr)
        subprocess.check_call(["apt-get", "install", "-y", "python3-torch"])
        os.execv(sys.executable, [sys.executable] + sys.argv)
    sys.exit(f"error: {e}. Install Debian's torch with: sudo apt-get install -y python3-torch\n"
             f"and run this script with /usr/bin/python3 (not a pyenv/venv python).")

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_DATA = "/usr/share/datasets/fashion-mnist"

# PCM programming noise near g_max is about 1.06 uS of a 25 uS range, i.e. ~4 % of the
# largest weight. IBM's noise-aware training uses about twice the programming noise during training.
HWA_NOISE_REL = 0.08
# Clip each weight matrix to +-2.5 standard deviations after every step: a few outliers
# would otherwise set max|W|, the value mapped to g_max, and waste the conductance range.
CLIP_STD = 2.5
SEED = 0


def read_idx(path, magic, ndim):
    """Read one gzipped IDX file (big-endian header: magic, then ndim sizes)."""
    if not os.path.exists(path):
        sys.exit(f"error: {path} not found; install Debian package dataset-fashion-mnist "
                 f"or pass --data DIR")
    with gzip.open(path, "rb") as f:
        raw = f.read()
    header = np.frombuffer(raw[: 4 * (1 + ndim)], dtype=">u4")
    if header[0] != magic:
        sys.exit(f"error: {path}: magic {header[0]}, expected {magic}")
    dims = [int(d) for d in header[1:]]
    data = np.frombuffer(raw[4 * (1 + ndim):], dtype=np.uint8)
    if data.size != int(np.prod(dims)):
        sys.exit(f"error: {path}: {data.size} bytes of data, expected {int(np.prod(dims))}")
    return data.reshape(dims)


def load_split(data_dir, split):
    images = read_idx(os.path.join(data_dir, f"{split}-images-idx3-ubyte.gz"), 2051, 3)
    labels = read_idx(os.path.join(data_dir, f"{split}-labels-idx1-ubyte.gz"), 2049, 1)
    x = torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1)  # N,1,28,28
    y = torch.from_numpy(labels.astype(np.int64))
    return x, y


class NoisyLinear(nn.Linear):
    """Linear layer with additive weight noise in training mode (std relative to max|W|)."""

    noise_rel = 0.0

    def forward(self, x):
        return F.linear(x, noisy(self.weight, self.noise_rel, self.training), self.bias)


class NoisyConv2d(nn.Conv2d):
    noise_rel = 0.0

    def forward(self, x):
        w = noisy(self.weight, self.noise_rel, self.training)
        return F.conv2d(x, w, self.bias, self.stride, self.padding)


def noisy(w, rel, training):
    if not training or rel <= 0.0:
        return w
    # The noise scale is a constant: no gradient flows through max|W|.
    std = rel * w.detach().abs().max()
    return w + torch.randn_like(w) * std


class Cnn(nn.Module):
    # 1568 -> 128 is the biggest matrix: 7 row blocks of 256, one column block.
    def __init__(self):
        super().__init__()
        self.conv1 = NoisyConv2d(1, 16, 3, padding=1)
        self.conv2 = NoisyConv2d(16, 32, 3, padding=1)
        self.fc1 = NoisyLinear(32 * 7 * 7, 128)
        self.fc2 = NoisyLinear(128, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        return self.fc2(F.relu(self.fc1(x)))


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = NoisyLinear(784, 256)
        self.fc2 = NoisyLinear(256, 128)
        self.fc3 = NoisyLinear(128, 10)

    def forward(self, x):
        x = torch.flatten(x, 1)
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


def weight_layers(model):
    return [m for m in model.modules() if isinstance(m, (NoisyLinear, NoisyConv2d))]


@torch.no_grad()
def clip_weights(model):
    for m in weight_layers(model):
        bound = CLIP_STD * m.weight.std()
        m.weight.clamp_(-bound, bound)


@torch.no_grad()
def top1(model, x, y):
    model.eval()
    correct = 0
    for i in range(0, len(x), 1000):
        correct += (model(x[i:i + 1000]).argmax(1) == y[i:i + 1000]).sum().item()
    return correct / len(x)


def train(name, model, noise_rel, epochs, train_set, test_set, out_dir):
    torch.manual_seed(SEED)  # same batch order and noise for every retraining
    for m in weight_layers(model):
        m.noise_rel = noise_rel
    x, y = train_set
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    # Cosine decay to zero: a few epochs reach the accuracy a constant rate needs many for.
    steps = epochs * ((len(x) + 127) // 128)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    t0 = time.time()
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(x))
        for i in range(0, len(x), 128):
            idx = order[i:i + 128]
            opt.zero_grad()
            F.cross_entropy(model(x[idx]), y[idx]).backward()
            opt.step()
            sched.step()
            if noise_rel > 0:
                clip_weights(model)
        print(f"{name}: epoch {epoch + 1}/{epochs} test top-1 {top1(model, *test_set):.4f} "
              f"({time.time() - t0:.0f} s)", flush=True)

    model.eval()
    xt, yt = test_set
    acc = top1(model, xt, yt)
    acc1000 = top1(model, xt[:1000], yt[:1000])
    onnx_path = os.path.join(out_dir, f"{name}.onnx")
    torch.onnx.export(model, torch.zeros(1, 1, 28, 28), onnx_path, opset_version=13,
                      input_names=["input"], output_names=["logits"], do_constant_folding=True)
    info = {
        "model": name,
        "float_top1": round(acc, 4),
        "test_samples": len(xt),
        "float_top1_first1000": round(acc1000, 4),
        "normalisation": "x/255",
        "hwa_noise_rel": noise_rel,
        "hwa_clip_std": CLIP_STD if noise_rel > 0 else None,
        "epochs": epochs,
        "seed": SEED,
        "parameters": sum(p.numel() for p in model.parameters()),
        "torch": torch.__version__,
    }
    with open(os.path.join(out_dir, f"{name}.json"), "w") as f:
        json.dump(info, f, indent=2)
        f.write("\n")
    print(f"{name}: float top-1 {acc:.4f}, {info['parameters']} parameters -> {onnx_path}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=DEFAULT_DATA, help="directory of the IDX .gz files")
    ap.add_argument("--out", default=os.path.join(REPO, "workloads", "models"))
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--only", help="train just this model (e.g. fmnist_cnn_hwa)")
    args = ap.parse_args()

    torch.set_num_threads(2)  # the build machine has 2 shared cores
    os.makedirs(args.out, exist_ok=True)
    train_set = load_split(args.data, "train")
    test_set = load_split(args.data, "t10k")
    for name, make, rel in [("fmnist_cnn", Cnn, 0.0), ("fmnist_cnn_hwa", Cnn, HWA_NOISE_REL),
                            ("fmnist_mlp", Mlp, 0.0), ("fmnist_mlp_hwa", Mlp, HWA_NOISE_REL)]:
        if args.only and name != args.only:
            continue
        torch.manual_seed(SEED)  # same initial weights for every retraining
        train(name, make(), rel, args.epochs, train_set, test_set, args.out)


if __name__ == "__main__":
    main()
