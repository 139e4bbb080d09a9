"""Fashion-MNIST accuracy of the 64-core chip vs time after programming, with and
without global drift compensation (GDC): one aimcsim.run evaluates both at every time.
    PYTHONPATH=build/python /usr/bin/python3 examples/python/drift_study.py [CONFIG] [OUT.png]"""
import os
import sys

import matplotlib
matplotlib.use("Agg")  # write a file, no display needed
import matplotlib.pyplot as plt

import aimcsim

here = os.path.dirname(os.path.abspath(__file__))
config = os.path.join(here, "..", "..", "configs", "hermes64.yaml")  # in the repository, else the .deb's
if not os.path.exists(config):
    config = "/usr/share/aimcsim/configs/hermes64.yaml"
config = sys.argv[1] if len(sys.argv) > 1 else config
out = sys.argv[2] if len(sys.argv) > 2 else "drift_study.png"
times = [1, 60, 3600, 86400, 2592000, 31536000]  # 1 s, 1 min, 1 h, 1 day, 30 days, 1 year
r = aimcsim.run(config, set={"simulation.t_inference_s": times, "simulation.batch": 1, "accuracy.samples": 300})
for gdc in (True, False):
    points = [p for p in r["accuracy"]["vs_time"] if p["gdc"] == gdc]
    plt.semilogx([p["t_inference_s"] for p in points], [100 * p["top1"] for p in points], "o-",
                 label="with GDC" if gdc else "without GDC")
plt.axhline(100 * r["accuracy"]["top1_float"], color="gray", linestyle="--", label="float model")
plt.xlabel("time after programming (s)")
plt.ylabel(f"top-1 accuracy, {r['accuracy']['samples']} test images (%)")
plt.title(f"{r['name']}: PCM drift")
plt.legend()
plt.savefig(out, dpi=120)
print(f"wrote {out}")
