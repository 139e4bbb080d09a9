#!/usr/bin/python3
"""Train the small Fashion-MNIST vision transformer (ViT) that aimcsim ships, and export it as ONNX.

The model: 7x7 patches of the 28x28 image (a Conv with kernel = stride = 7, so 16 patch
tokens), a learned class token and position embedding (17 tokens of width 64), four
PyTorch nn.TransformerEncoderLayer blocks (batch_first, pre-norm, 4 heads, GELU, FFN 128),
a final LayerNorm on the class token and a 64 -> 10 classifier. Trained plainly (fmnist_vit),
then fine-tuned hardware-aware (HWA, fmnist_vit_hwa) from those weights: Gaussian noise on
every weight matrix in the forward pass (the projections, the FFN, the patch embedding and
the classifier, the layers the chip keeps on PCM tiles) with the settings of
scripts/train_fmnist.py. Four float epochs (about 50 s each on 2 idle cores) reach 87.5 %.

Run with Debian's interpreter (the pyenv python3 first on PATH has no torch):
    /usr/bin/python3 scripts/train_fmnist_vit.py [--data DIR] [--out DIR] [--epochs N] [--hwa-batches N]

Inputs: pixel / 255 (as src/import/idx_dataset.cpp reads them).
Outputs in workloads/onnx/ per model <name> (fmnist_vit, fmnist_vit_hwa):
    <name>.onnx  the torch default opset, input "input" [1, 1, 28, 28], output "logits" [1, 10]
    <name>.json  float top-1 on the full t10k set (and its first 1000 images), settings.
"""
import argparse
import json
import os
import sys
import time

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    import torch.nn.utils.parametrize as parametrize
except ImportError as e:
    sys.exit(f"error: {e}. Install Debian's torch (apt-get install python3-torch) and run this "
             f"script with /usr/bin/python3.")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_fmnist import (CLIP_STD, DEFAULT_DATA, HWA_NOISE_REL, REPO, SEED,  # noqa: E402
                          load_split, top1)

WIDTH = 64
HEADS = 4
LAYERS = 4
FFN = 128
PATCH = 7


class WeightNoise(nn.Module):
    """Parametrization: w + N(0, (rel * max|w|)^2) in training mode, w otherwise."""

    def __init__(self):
        super().__init__()
        self.rel = 0.0

    def forward(self, w):
        if not self.training or self.rel <= 0.0:
            return w
        return w + torch.randn_like(w) * (self.rel * w.detach().abs().max())


class Vit(nn.Module):
    def __init__(self):
        super().__init__()
        tokens = (28 // PATCH) ** 2
        self.patch = nn.Conv2d(1, WIDTH, PATCH, stride=PATCH)
        self.cls = nn.Parameter(torch.zeros(1, 1, WIDTH))
        self.pos = nn.Parameter(torch.randn(1, tokens + 1, WIDTH) * 0.02)
        self.blocks = nn.ModuleList([
            nn.TransformerEncoderLayer(WIDTH, HEADS, FFN, dropout=0.0, activation="gelu", batch_first=True,
                                       norm_first=True) for _ in range(LAYERS)])
        self.norm = nn.LayerNorm(WIDTH)
        self.head = nn.Linear(WIDTH, 10)

    def forward(self, x):
        x = self.patch(x).flatten(2).transpose(1, 2)           # B, 16, W
        cls = self.cls.expand(x.shape[0], -1, -1)
        x = torch.cat([cls, x], dim=1) + self.pos              # B, 17, W
        for b in self.blocks:
            x = b(x)
        return self.head(self.norm(x[:, 0]))


def matrices(model):
    """(module, parameter name) of every weight matrix the chip maps onto tiles."""
    out = [(model.patch, "weight"), (model.head, "weight")]
    for b in model.blocks:
        out += [(b.self_attn, "in_proj_weight"), (b.self_attn.out_proj, "weight"), (b.linear1, "weight"),
                (b.linear2, "weight")]
    return out


@torch.no_grad()
def clip_weights(model):
    for m, name in matrices(model):
        w = getattr(m, name)
        bound = CLIP_STD * w.std()
        w.clamp_(-bound, bound)


def train(name, noise_rel, epochs, lr, train_set, test_set, out_dir, init=None, max_batches=None):
    torch.manual_seed(SEED)  # same initial weights, batch order and noise for every retraining
    model = Vit()
    if init is not None:  # HWA fine-tuning starts from the float-trained weights
        model.load_state_dict(init.state_dict())
    if noise_rel > 0:
        for m, pname in matrices(model):
            noise = WeightNoise()
            noise.rel = noise_rel
            parametrize.register_parametrization(m, pname, noise)
    x, y = train_set
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.05)
    batch = 128
    steps = epochs * ((len(x) + batch - 1) // batch)
    if max_batches:
        steps = min(steps, max_batches)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.1)
    t0 = time.time()
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(x))
        for i in range(0, len(x), batch):
            if epoch * ((len(x) + batch - 1) // batch) + i // batch >= steps:
                break
            idx = order[i:i + batch]
            opt.zero_grad()
            F.cross_entropy(model(x[idx]), y[idx]).backward()
            opt.step()
            sched.step()
            if (i // batch) % 100 == 0:
                print(f"{name}: epoch {epoch + 1} batch {i // batch} ({time.time() - t0:.0f} s)", flush=True)
            if noise_rel > 0:
                # The parametrized weights' stored value is `original`.
                with torch.no_grad():
                    for m, pname in matrices(model):
                        w = m.parametrizations[pname].original
                        bound = CLIP_STD * w.std()
                        w.clamp_(-bound, bound)
        print(f"{name}: epoch {epoch + 1}/{epochs} test top-1 {top1(model, *test_set):.4f} "
              f"({time.time() - t0:.0f} s)", flush=True)

    if noise_rel > 0:
        for m, pname in matrices(model):
            parametrize.remove_parametrizations(m, pname, leave_parametrized=False)
    model.eval()
    xt, yt = test_set
    acc = top1(model, xt, yt)
    acc1000 = top1(model, xt[:1000], yt[:1000])
    onnx_path = os.path.join(out_dir, f"{name}.onnx")
    torch.onnx.export(model, torch.zeros(1, 1, 28, 28), onnx_path, input_names=["input"],
                      output_names=["logits"], do_constant_folding=True)
    info = {
        "model": name,
        "float_top1": round(acc, 4),
        "test_samples": len(xt),
        "float_top1_first1000": round(acc1000, 4),
        "normalisation": "x/255",
        "architecture": f"ViT: {PATCH}x{PATCH} patches (16 tokens + class token), width {WIDTH}, "
                        f"{LAYERS} pre-norm encoder layers, {HEADS} heads, FFN {FFN}, GELU",
        "hwa_noise_rel": noise_rel,
        "hwa_clip_std": CLIP_STD if noise_rel > 0 else None,
        "epochs": epochs if not max_batches else f"{steps} batches of {batch}",
        "learning_rate": lr,
        "initialised_from": "fmnist_vit (float-trained)" if init is not None else "random",
        "seed": SEED,
        "parameters": sum(p.numel() for p in model.parameters()),
        "torch": torch.__version__,
    }
    with open(os.path.join(out_dir, f"{name}.json"), "w") as f:
        json.dump(info, f, indent=2)
        f.write("\n")
    print(f"{name}: float top-1 {acc:.4f}, {info['parameters']} parameters -> {onnx_path}", flush=True)
    return model


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=DEFAULT_DATA, help="directory of the IDX .gz files")
    ap.add_argument("--out", default=os.path.join(REPO, "workloads", "onnx"))
    ap.add_argument("--epochs", type=int, default=4, help="float training epochs (about 50 s each on 2 idle cores)")
    ap.add_argument("--hwa-batches", type=int, default=150,
                    help="HWA fine-tuning batches of 128 from the float model (0: no HWA model)")
    ap.add_argument("--limit", type=int, help="train on the first N images only (a smoke test)")
    args = ap.parse_args()

    torch.set_num_threads(2)  # the build machine has 2 shared cores
    os.makedirs(args.out, exist_ok=True)
    train_set = load_split(args.data, "train")
    test_set = load_split(args.data, "t10k")
    if args.limit:
        train_set = (train_set[0][:args.limit], train_set[1][:args.limit])
    plain = train("fmnist_vit", 0.0, args.epochs, 2e-3, train_set, test_set, args.out)
    if args.hwa_batches > 0:
        train("fmnist_vit_hwa", HWA_NOISE_REL, 1, 5e-4, train_set, test_set, args.out, init=plain,
              max_batches=args.hwa_batches)


if __name__ == "__main__":
    main()
