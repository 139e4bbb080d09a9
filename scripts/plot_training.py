#!/usr/bin/python3
"""Plot test accuracy against epochs for one or more `aimcsim train` reports, one line per
report (labelled with its rule), and print each epoch's figures.

    scripts/plot_training.py out/float/report.json out/mp/report.json out/sgd/report.json \
        --out docs/img/training_fmnist.png

Uses Debian's python3-matplotlib (run it with /usr/bin/python3).
"""
import argparse
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("reports", nargs="+", help="report.json files of aimcsim train")
    ap.add_argument("--out", required=True, help="PNG to write")
    args = ap.parse_args()
    fig, ax = plt.subplots(figsize=(6, 4))
    for path in args.reports:
        try:
            with open(path) as f:
                t = json.load(f)["training"]
        except (OSError, KeyError, ValueError) as e:
            sys.exit(f"plot_training: {path}: not a training report ({e})")
        epochs = [e["epoch"] for e in t["epochs"]]
        acc = [100.0 * e["test_accuracy"] for e in t["epochs"]]
        ax.plot(epochs, acc, marker="o", label=t["rule"])
        for e in t["epochs"]:
            print(f"{t['rule']:16s} epoch {e['epoch']:3.0f}  test {100 * e['test_accuracy']:6.2f} %  "
                  f"loss {e['train_loss']:.4f}  pulses {e['pulses']:.0f}  energy {e['energy_pj'] * 1e-6:.1f} uJ  "
                  f"wall {e['wall_s']:.1f} s")
    ax.set_xlabel("epoch")
    ax.set_ylabel("Fashion-MNIST test accuracy (%)")
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(args.out, dpi=120)


if __name__ == "__main__":
    main()
