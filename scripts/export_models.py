#!/usr/bin/python3
"""Export the models users commonly bring, as ONNX, for aimcsim's import tests.

  mobilenetv2_cifar   torchvision-style MobileNetV2 (inverted residuals: 1x1 expand,
                      3x3 depthwise, 1x1 project; ReLU6; BatchNorm after every conv;
                      width cut down), input 3x32x32, 10 classes
  preact_resnet_cifar a pre-activation ResNet (He et al. 2016, "Identity Mappings in
                      Deep Residual Networks": BN -> ReLU -> conv, BN not after a conv),
                      input 3x32x32, 10 classes

Weights are random (seeded) and the BatchNorm running statistics are randomised so
that every BN does real work; the models are for import, mapping and numerics tests,
not for accuracy. For each model this writes workloads/onnx/<name>.onnx (opset 13,
symbolic batch), <name>.json (provenance), and <name>_input.npy / <name>_output.npy:
4 random inputs and PyTorch's outputs for them (the float-executor test compares).

Run with Debian's python (torch, onnx, numpy): /usr/bin/python3 scripts/export_models.py
"""
import json
import os

import numpy as np
import torch
import torch.nn as nn

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "workloads", "onnx")


def conv_bn(cin, cout, k, stride, groups=1, act=True):
    layers = [nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False), nn.BatchNorm2d(cout)]
    if act:
        layers.append(nn.ReLU6(inplace=True))
    return nn.Sequential(*layers)


class InvertedResidual(nn.Module):
    # As torchvision.models.mobilenetv2.InvertedResidual.
    def __init__(self, cin, cout, stride, expand):
        super().__init__()
        hidden = cin * expand
        self.use_res = stride == 1 and cin == cout
        layers = []
        if expand != 1:
            layers.append(conv_bn(cin, hidden, 1, 1))
        layers += [conv_bn(hidden, hidden, 3, stride, groups=hidden), conv_bn(hidden, cout, 1, 1, act=False)]
        self.conv = nn.Sequential(*layers)

    def forward(self, x):
        return x + self.conv(x) if self.use_res else self.conv(x)


class MobileNetV2(nn.Module):
    # torchvision's layout with (t, c, n, s) settings shrunk for 32x32 inputs.
    SETTINGS = [(1, 8, 1, 1), (6, 12, 2, 2), (6, 16, 2, 2), (6, 24, 2, 1), (6, 32, 1, 2)]

    def __init__(self, classes=10, stem=16, last=128):
        super().__init__()
        layers = [conv_bn(3, stem, 3, 1)]
        cin = stem
        for t, c, n, s in self.SETTINGS:
            for i in range(n):
                layers.append(InvertedResidual(cin, c, s if i == 0 else 1, t))
                cin = c
        layers.append(conv_bn(cin, last, 1, 1))
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(last, classes))

    def forward(self, x):
        x = self.features(x)
        x = nn.functional.adaptive_avg_pool2d(x, (1, 1))
        return self.classifier(torch.flatten(x, 1))


class PreActBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.shortcut = nn.Conv2d(cin, cout, 1, stride, bias=False) if stride != 1 or cin != cout else None

    def forward(self, x):
        out = torch.relu(self.bn1(x))
        short = self.shortcut(out) if self.shortcut is not None else x
        out = self.conv1(out)
        out = self.conv2(torch.relu(self.bn2(out)))
        return out + short


class PreActResNet(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.stem = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.blocks = nn.Sequential(PreActBlock(16, 16, 1), PreActBlock(16, 32, 2), PreActBlock(32, 64, 2))
        self.bn = nn.BatchNorm2d(64)
        self.fc = nn.Linear(64, classes)

    def forward(self, x):
        x = torch.relu(self.bn(self.blocks(self.stem(x))))
        x = nn.functional.adaptive_avg_pool2d(x, (1, 1))
        return self.fc(torch.flatten(x, 1))


def randomise_bn(model, g):
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            c = m.num_features
            m.weight.data = 0.5 + torch.rand(c, generator=g)
            m.bias.data = 0.2 * torch.randn(c, generator=g)
            m.running_mean = 0.2 * torch.randn(c, generator=g)
            m.running_var = 0.5 + torch.rand(c, generator=g)


def export(name, model, seed):
    g = torch.Generator().manual_seed(seed)
    randomise_bn(model, g)
    model.eval()
    x = torch.randn(4, 3, 32, 32, generator=g)
    with torch.no_grad():
        y = model(x)
    path = os.path.join(OUT, name + ".onnx")
    torch.onnx.export(model, x[:1], path, opset_version=13, input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    np.save(os.path.join(OUT, name + "_input.npy"), x.numpy().astype("<f4"))
    np.save(os.path.join(OUT, name + "_output.npy"), y.numpy().astype("<f4"))
    info = {"model": name, "script": "scripts/export_models.py", "weights": "random", "seed": seed,
            "input": [3, 32, 32], "classes": 10, "opset": 13, "batch": "symbolic",
            "parameters": sum(p.numel() for p in model.parameters()), "torch": torch.__version__,
            "fixtures": {"input": name + "_input.npy", "output": name + "_output.npy",
                         "what": "4 random N(0,1) inputs and PyTorch's eval-mode outputs"}}
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump(info, f, indent=2)
        f.write("\n")
    print(name, "parameters", info["parameters"])


def main():
    torch.manual_seed(0)
    export("mobilenetv2_cifar", MobileNetV2(), 1)
    torch.manual_seed(0)
    export("preact_resnet_cifar", PreActResNet(), 2)


if __name__ == "__main__":
    main()
