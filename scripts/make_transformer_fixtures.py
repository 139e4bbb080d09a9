#!/usr/bin/python3
"""Write the small transformer fixtures of tests/test_transformer_import.cpp.

PyTorch's own modules, exported by torch.onnx with its default opset, with one random
input and PyTorch's output each, so the C++ test checks the importer and the float
executor against PyTorch without torch in CI:
    encoder_{post,pre}_{relu,gelu}  nn.TransformerEncoderLayer(d_model 8, 2 heads, FFN 16,
                                    batch_first, norm_first false/true), input [1, 5, 8]
    mha                             nn.MultiheadAttention(8, 2, batch_first) self-attention
    vit_tiny                        a 2-layer ViT on 1x8x8 images (4x4 patches, class token,
                                    position embedding, final LayerNorm, classifier), tanh GELU

Run with Debian's interpreter: /usr/bin/python3 scripts/make_transformer_fixtures.py [--out DIR]
Files: <name>.onnx, <name>_in.npy, <name>_out.npy (float32).
"""
import argparse
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Mha(nn.Module):
    def __init__(self):
        super().__init__()
        self.attn = nn.MultiheadAttention(8, 2, batch_first=True)

    def forward(self, x):
        return self.attn(x, x, x, need_weights=False)[0]


class TinyVit(nn.Module):
    def __init__(self):
        super().__init__()
        self.patch = nn.Conv2d(1, 8, 4, stride=4)
        self.cls = nn.Parameter(torch.randn(1, 1, 8))
        self.pos = nn.Parameter(torch.randn(1, 5, 8))
        self.blocks = nn.ModuleList([nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True,
                                                                norm_first=True) for _ in range(2)])
        for b in self.blocks:
            b.activation = lambda x: F.gelu(x, approximate="tanh")
        self.norm = nn.LayerNorm(8)
        self.head = nn.Linear(8, 3)

    def forward(self, x):
        x = self.patch(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls.expand(x.shape[0], -1, -1), x], dim=1) + self.pos
        for b in self.blocks:
            x = b(x)
        return self.head(self.norm(x[:, 0]))


def export(name, model, x, out):
    model.eval()
    with torch.no_grad():
        # Non-trivial LayerNorm parameters, so a wrong gamma/beta would show.
        for m in model.modules():
            if isinstance(m, nn.LayerNorm):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.5, 0.5)
    # With gradients on, nn.TransformerEncoderLayer takes its plain path (the fused
    # inference path would ignore a custom activation), the one the exporter traces.
    y = model(x).detach()
    torch.onnx.export(model, x, os.path.join(out, f"{name}.onnx"), input_names=["input"], output_names=["output"],
                      do_constant_folding=True)
    np.save(os.path.join(out, f"{name}_in.npy"), x.numpy().astype(np.float32))
    np.save(os.path.join(out, f"{name}_out.npy"), y.numpy().astype(np.float32))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(REPO, "tests", "transformer"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.manual_seed(0)
    x = torch.randn(1, 5, 8)
    for norm_first in (False, True):
        for act in ("relu", "gelu"):
            layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, activation=act, batch_first=True,
                                               norm_first=norm_first)
            export(f"encoder_{'pre' if norm_first else 'post'}_{act}", layer, x, args.out)
    export("mha", Mha(), x, args.out)
    export("vit_tiny", TinyVit(), torch.rand(1, 1, 8, 8), args.out)


if __name__ == "__main__":
    main()
