#!/usr/bin/python3
"""Plot a metric of an aimcsim sweep against one swept parameter, one line per value
of a second parameter.

    scripts/plot_sweep.py OUT/results.csv --x tile.adc.ps_per_lsb --y performance.tops_per_w \
        --y mvm_error.relative_rms --by tile.input.mode --out adc.png

Uses Debian's python3-matplotlib (run it with /usr/bin/python3: another python3 first
on PATH may not see Debian's packages). Without --x, the first swept parameter; without
--by, the second one if the sweep has two or more; without --y, the first metrics the
results have (at most four). Each --y gets its own panel. --where KEY=VALUE keeps only
the rows where a parameter has that value (repeatable), for sweeps of more than two
parameters. Failed points are left out. Points that share x and line (repeated seeds:
`seed` swept, or any parameter left out of the plot) are drawn as their mean with
error bars of one sample standard deviation; --print writes those values to stdout.
"""
import argparse
import csv
import json
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

PREFERRED = [
    "performance.tops_per_w",
    "accuracy.top1_analog",
    "mvm_error.relative_rms",
    "performance.latency_ns",
    "performance.first_mvm_latency_ns",
    "performance.energy_per_inference_nj",
    "performance.tops",
]
TRAILING = ["wall_s", "error", "run_dir"]


def as_number(text):
    try:
        v = float(text)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def read_results(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
        f.seek(0)
        header = next(csv.reader(f))
    if "status" not in header:
        sys.exit(f"plot_sweep: {path}: not an aimcsim results.csv (no status column)")
    params = header[header.index("id") + 1 : header.index("status")]
    metrics = [h for h in header[header.index("status") + 1 :] if h not in TRAILING]
    return header, params, metrics, rows


def aggregate(pts):
    """[(x, value)] -> [(x, mean, sample standard deviation (0 for one point), n)], by x."""
    by_x = {}
    for xv, v in pts:
        by_x.setdefault(xv, []).append(v)
    out = []
    for xv in sorted(by_x):
        vs = by_x[xv]
        mean = sum(vs) / len(vs)
        sd = math.sqrt(sum((v - mean) ** 2 for v in vs) / (len(vs) - 1)) if len(vs) > 1 else 0.0
        out.append((xv, mean, sd, len(vs)))
    return out


def sweep_name(results_path):
    """The sweep's name from the sweep.json beside the results, else the path."""
    meta = os.path.join(os.path.dirname(os.path.abspath(results_path)), "sweep.json")
    try:
        with open(meta) as f:
            return "sweep " + json.load(f)["name"]
    except (OSError, ValueError, KeyError):
        return results_path


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results", help="results.csv of aimcsim sweep (or of sweep merge)")
    ap.add_argument("--x", help="swept parameter on the x axis")
    ap.add_argument("--y", action="append", default=[], help="metric to plot (repeatable: one panel each)")
    ap.add_argument("--by", help="swept parameter: one line per value ('none' for a single line)")
    ap.add_argument("--where", action="append", default=[], metavar="KEY=VALUE", help="keep rows where KEY has VALUE")
    ap.add_argument("--logx", action="store_true", help="logarithmic x axis")
    ap.add_argument("--logy", action="store_true", help="logarithmic y axes")
    ap.add_argument("--title", help="figure title (default: the results' folder)")
    ap.add_argument("--out", "-o", required=True, help="PNG file to write")
    ap.add_argument("--print", action="store_true", help="also print each plotted point: y line x mean sd n")
    a = ap.parse_args()

    header, params, metrics, rows = read_results(a.results)
    if not params:
        sys.exit("plot_sweep: the results have no swept parameters")
    x = a.x or params[0]
    by = a.by if a.by is not None else (params[1] if len(params) > 1 and params[1] != x else None)
    if by == "none":
        by = None
    for name in [x] + ([by] if by else []):
        if name not in params:
            sys.exit(f"plot_sweep: '{name}' is not a swept parameter; the sweep has: {', '.join(params)}")
    ok = [r for r in rows if r["status"] == "ok"]
    for cond in a.where:
        if "=" not in cond:
            sys.exit(f"plot_sweep: --where {cond}: expected KEY=VALUE")
        k, v = cond.split("=", 1)
        if k not in params:
            sys.exit(f"plot_sweep: --where {k}: not a swept parameter ({', '.join(params)})")
        ok = [r for r in ok if r[k] == v]
    if not ok:
        sys.exit("plot_sweep: no successful points to plot")
    ys = a.y
    if not ys:
        have = [m for m in metrics if any(as_number(r.get(m, "")) is not None for r in ok)]
        ys = [m for m in PREFERRED if m in have][:4] or have[:4]
    for y in ys:
        if y not in metrics:
            sys.exit(f"plot_sweep: '{y}' is not a metric column; the results have: {', '.join(metrics)}")
    others = [p for p in params if p not in (x, by, "seed") and p not in [w.split("=", 1)[0] for w in a.where]]
    if others and len({tuple(r[p] for p in others) for r in ok}) > 1:
        print(f"plot_sweep: note: {', '.join(others)} also vary; pick one with --where", file=sys.stderr)

    numeric_x = all(as_number(r[x]) is not None for r in ok)
    x_order = []
    for r in ok:
        if r[x] not in x_order:
            x_order.append(r[x])
    if numeric_x:
        x_order.sort(key=lambda v: as_number(v))

    groups = {}
    for r in ok:
        groups.setdefault(r[by] if by else "", []).append(r)

    fig, axes = plt.subplots(len(ys), 1, figsize=(6.4, 3.2 * len(ys) + 0.6), squeeze=False)
    for ax, y in zip(axes[:, 0], ys):
        for label, rs in groups.items():
            pts = []
            for r in rs:
                v = as_number(r.get(y, ""))
                if v is None:
                    continue
                xv = as_number(r[x]) if numeric_x else x_order.index(r[x])
                pts.append((xv, v))
            if not pts:
                continue
            agg = aggregate(pts)
            repeated = any(n > 1 for _, _, _, n in agg)
            ax.errorbar([p[0] for p in agg], [p[1] for p in agg], yerr=[p[2] for p in agg] if repeated else None,
                        marker="o", capsize=3,
                        label=(f"{by}={label}" if by else "") + (" (mean, error bar 1 sd)" if repeated else "") or None)
            if a.print:
                for xv, mean, sd, n in agg:
                    xs = xv if numeric_x else x_order[int(xv)]
                    print(f"{y} {label or '-'} {xs} {mean:.10g} {sd:.10g} {n}")
        if not numeric_x:
            ax.set_xticks(range(len(x_order)))
            ax.set_xticklabels(x_order)
        if a.logx and numeric_x:
            ax.set_xscale("log")
        if a.logy:
            ax.set_yscale("log")
        ax.set_xlabel(x)
        ax.set_ylabel(y)
        ax.grid(True, alpha=0.3)
        if ax.get_legend_handles_labels()[1]:
            ax.legend(fontsize="small")
    fig.suptitle(a.title or sweep_name(a.results))
    fig.tight_layout()
    fig.savefig(a.out, dpi=120)
    print(f"plot_sweep: wrote {a.out} ({len(ok)} points, {', '.join(ys)} vs {x}" + (f", lines by {by})" if by else ")"))


if __name__ == "__main__":
    main()
