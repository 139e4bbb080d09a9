#!/usr/bin/python3
"""Plot test accuracy against epochs for one or more `aimcsim train` reports, one line per
report (labelled with its model and rule), and print each epoch's figures. A folder of
`aimcsim sweep` with `command: train` stands for the reports of all its finished points.

    scripts/plot_training.py out/float/report.json out/mp/report.json out/sgd/report.json \
        --out docs/img/training_fmnist.png
    scripts/plot_training.py out/training_sweep --out configs/sweeps/training_fmnist.png

Uses Debian's python3-matplotlib (run it with /usr/bin/python3).
"""
import argparse
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("reports", nargs="+", help="report.json files of aimcsim train")
    ap.add_argument("--out", required=True, help="PNG to write")
    ap.add_argument("--title", help="title of the plot")
    args = ap.parse_args()
    paths = []
    for path in args.reports:
        if not os.path.isdir(path):
            paths.append(path)
            continue
        try:
            with open(os.path.join(path, "results.jsonl")) as f:
                rows = [json.loads(line) for line in f if line.strip()]
        except (OSError, ValueError) as e:
            sys.exit(f"plot_training: {path}: not a sweep folder ({e})")
        for row in sorted(rows, key=lambda r: r["point"]):
            if row.get("status") == "ok":
                paths.append(os.path.join(path, row["run_dir"], "report.json"))
    models = set()
    reports = []
    for path in paths:
        try:
            with open(path) as f:
                t = json.load(f)["training"]
        except (OSError, KeyError, ValueError) as e:
            sys.exit(f"plot_training: {path}: not a training report ({e})")
        models.add(t["model"])
        reports.append(t)
    fig, ax = plt.subplots(figsize=(6, 4))
    colors = {"float": "tab:blue", "mixed_precision": "tab:orange", "analog_sgd": "tab:green"}
    styles = {m: ["-", "--", ":", "-."][i % 4] for i, m in enumerate(sorted(models, key=lambda m: "cnn" in m))}
    for t in reports:
        label = t["rule"] if len(models) == 1 else f"{t['model']} {t['rule']}"
        epochs = [e["epoch"] for e in t["epochs"]]
        acc = [100.0 * e["test_accuracy"] for e in t["epochs"]]
        ax.plot(epochs, acc, marker="o", label=label, color=colors.get(t["rule"]), linestyle=styles[t["model"]])
        for e in t["epochs"]:
            print(f"{label:28s} epoch {e['epoch']:3.0f}  test {100 * e['test_accuracy']:6.2f} %  "
                  f"loss {e['train_loss']:.4f}  pulses {e['pulses']:.0f}  energy {e['energy_pj'] * 1e-6:.1f} uJ  "
                  f"wall {e['wall_s']:.1f} s")
    ax.set_xlabel("epoch")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_ylabel("Fashion-MNIST test accuracy (%)")
    ax.grid(True, alpha=0.3)
    ax.legend()
    if args.title:
        ax.set_title(args.title)
    fig.tight_layout()
    fig.savefig(args.out, dpi=120)


if __name__ == "__main__":
    main()
