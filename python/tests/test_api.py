"""The Python API against hand-derived figures and against the command line.

Run by ctest (python_api_pytest) with Debian's python3 and PYTHONPATH=build/python;
by hand: PYTHONPATH=build/python /usr/bin/python3 -m pytest python/tests"""

import json
import os
import re
import subprocess

import numpy as np
import pytest

import aimcsim
from onnx_writer import gemm_model

SOURCE = os.environ.get("AIMCSIM_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
CLI = os.environ.get("AIMCSIM_CLI", os.path.join(SOURCE, "build", "aimcsim"))
HERMES_CORE = os.path.join(SOURCE, "configs", "hermes_core.yaml")


def hermes_mvm_interval_cycles():
    # One-phase hermes MVM (configs/hermes_core.yaml): 1 cycle to load the inputs,
    # 2^(8-1) = 128 cycles of PWM window for 8-bit signed inputs at 1 cycle per LSB,
    # 1 cycle to latch the CCO counters; the LDPU overlaps the next MVM.
    return 1 + 2 ** 7 + 1


def test_run_gives_the_peak_tops_of_one_hermes_core():
    report = aimcsim.run(HERMES_CORE)
    interval_ns = hermes_mvm_interval_cycles() / 1.0  # 1 GHz
    assert report["tile"]["mvm_interval_ns"] == pytest.approx(interval_ns)
    # 2 operations (multiply, add) per weight of the 256x256 array per MVM.
    assert report["tile"]["peak_tops"] == pytest.approx(2 * 256 * 256 / interval_ns / 1e3, rel=1e-12)
    assert report["tile"]["peak_tops"] == pytest.approx(1.008246, abs=1e-6)
    assert report["schema"] == "aimcsim.report/1"


def test_set_overrides_keys_with_python_values():
    report = aimcsim.run(HERMES_CORE, set={"tile.clock_ghz": 2.0, "simulation.t_inference_s": [60, 86400],
                                           "simulation.functional": False}, seed=7)
    interval_ns = hermes_mvm_interval_cycles() / 2.0
    assert report["tile"]["peak_tops"] == pytest.approx(2 * 256 * 256 / interval_ns / 1e3, rel=1e-12)
    assert report["seed"] == 7
    assert report["simulation"]["functional"] is False


def without_wall_times(report):
    """A report without the keys that measure this machine (wall_s, images per second, peak memory)."""
    if isinstance(report, dict):
        return {k: without_wall_times(v) for k, v in report.items() if k not in ("wall_s", "analog_images_per_s", "peak_rss_mb")}
    return report


def test_run_returns_the_report_json_of_the_command_line(tmp_path):
    cli_out = tmp_path / "cli"
    subprocess.run([CLI, "run", HERMES_CORE, "--quiet", "--out", str(cli_out), "--seed", "3"], check=True)
    with open(cli_out / "report.json", encoding="utf-8") as f:
        cli_report = json.load(f)
    py_out = tmp_path / "py"
    report = aimcsim.run(HERMES_CORE, seed=3, out=py_out)
    assert without_wall_times(report) == without_wall_times(cli_report)
    with open(py_out / "report.json", encoding="utf-8") as f:
        assert without_wall_times(json.load(f)) == without_wall_times(report)
    assert (py_out / "resolved_config.yaml").exists()


def test_version_is_the_command_lines_and_in_the_report():
    cli = subprocess.run([CLI, "--version"], check=True, capture_output=True, text=True).stdout
    assert cli == f"aimcsim {aimcsim.__version__} (git {aimcsim.git_hash})\n"
    with open(os.path.join(SOURCE, "CMakeLists.txt"), encoding="utf-8") as f:
        project_version = re.search(r"project\(aimcsim VERSION ([0-9.]+)", f.read()).group(1)
    assert aimcsim.__version__ == project_version
    assert re.fullmatch(r"[0-9a-f]{12}|unknown", aimcsim.git_hash)
    report = aimcsim.run(HERMES_CORE, set={"simulation.functional": False})
    assert report["simulation"]["version"] == project_version
    assert report["simulation"]["git_hash"] == aimcsim.git_hash


def test_input_errors_name_the_key_and_the_line(tmp_path):
    with pytest.raises(aimcsim.InputError, match=r"ps_per_lbs.*did you mean 'ps_per_lsb'"):
        aimcsim.run(HERMES_CORE, set={"tile.adc.ps_per_lbs": 150})
    # A typo in a file: the message has file:line:col of the key, as on the command line.
    lines = open(HERMES_CORE, encoding="utf-8").read().splitlines()
    line = next(i for i, text in enumerate(lines) if text.startswith("  clock_ghz:"))
    lines[line] = lines[line].replace("clock_ghz", "clock_gz")
    bad = tmp_path / "typo.yaml"
    bad.write_text("\n".join(lines).replace("../workloads/", os.path.join(SOURCE, "workloads") + "/") + "\n")
    with pytest.raises(aimcsim.InputError) as e:
        aimcsim.run(bad)
    assert str(e.value).startswith(f"{bad}:{line + 1}:") and "clock_gz" in str(e.value)
    cli = subprocess.run([CLI, "run", str(bad)], capture_output=True, text=True)
    assert cli.returncode == 2 and str(e.value) in cli.stderr
    assert issubclass(aimcsim.InputError, ValueError)
    with pytest.raises(aimcsim.InputError, match="cannot be read"):
        aimcsim.run(HERMES_CORE, workload=tmp_path / "absent.yaml")
    with pytest.raises(aimcsim.InputError, match="seed"):
        aimcsim.run(HERMES_CORE, seed=-1)


def test_models_gives_the_schema():
    m = aimcsim.models()
    hermes = m["tile"]["hermes"]
    assert hermes["params"]["rows"]["type"] == "int" and hermes["params"]["rows"]["default"] == 256
    assert m["adc"]["cco"]["params"]["ps_per_lsb"]["default"] == 300.0  # the HERMES CCO's published 300 ps/LSB
    assert hermes["params"]["input"]["params"]["mode"]["choices"] == ["one_phase", "four_phase"]
    assert hermes["params"]["clock_ghz"]["unit"] == "GHz"
    assert aimcsim.models("adc") == m["adc"] and "cco" in m["adc"]
    with pytest.raises(aimcsim.InputError, match="unknown axis 'nope'; expected"):
        aimcsim.models("nope")


IDEAL = {"tile.device": "{model: ideal}", "tile.adc": {"model": "ideal", "bits": 24}, "tile.gdc.enabled": False}


def test_infer_on_an_ideal_chip_is_the_matrix_product(tmp_path):
    rng = np.random.default_rng(1)
    w = rng.normal(size=(32, 8)).astype(np.float32)
    b = rng.normal(size=8).astype(np.float32)
    model = tmp_path / "gemm.onnx"
    gemm_model(model, w, b)
    # Integer inputs with max |x| = 127: the 8-bit input codes are the values themselves.
    x = rng.integers(-127, 128, size=(1, 32)).astype(np.float32)
    x[0, 0] = 127
    y = aimcsim.infer(model, x, set=IDEAL)
    assert y.shape == (1, 8) and y.dtype == np.float32
    expected = x.astype(np.float64) @ w + b
    assert np.max(np.abs(y - expected)) < 1e-4 * np.max(np.abs(expected))
    # Without the batch dimension the output has none either.
    assert aimcsim.infer(model, x[0], set=IDEAL).shape == (8,)
    with pytest.raises(aimcsim.InputError, match=r"shape \(1, 31\) does not match .* expected \(32,\) or \(N, 32\)"):
        aimcsim.infer(model, x[:, :31], set=IDEAL)


def test_infer_batches_key_the_read_noise_by_image(tmp_path):
    rng = np.random.default_rng(2)
    model = tmp_path / "gemm.onnx"
    w = rng.normal(size=(64, 16)).astype(np.float32)
    gemm_model(model, w, np.zeros(16, np.float32))
    x = rng.normal(size=(3, 64)).astype(np.float32)
    calibration = rng.normal(size=(8, 64)).astype(np.float32)
    ys = aimcsim.infer(model, x, calibration=calibration, seed=5)
    assert ys.shape == (3, 16)
    # Image 0 of a batch is the single input (image id 0) bit for bit; PCM noise makes
    # the same input differ between image ids and between seeds.
    y0 = aimcsim.infer(model, x[:1], calibration=calibration, seed=5)
    assert np.array_equal(ys[0], y0[0])
    same = aimcsim.infer(model, np.stack([x[0], x[0]]), calibration=calibration, seed=5)
    assert not np.array_equal(same[0], same[1])
    assert not np.array_equal(aimcsim.infer(model, x[:1], calibration=calibration, seed=6), y0)
    exact = x[0] @ w
    assert np.linalg.norm(y0[0] - exact) < 0.5 * np.linalg.norm(exact)  # noisy, not broken


def test_infer_matches_the_command_line(tmp_path):
    rng = np.random.default_rng(3)
    model = tmp_path / "gemm.onnx"
    gemm_model(model, rng.normal(size=(16, 4)).astype(np.float32), rng.normal(size=4).astype(np.float32))
    x = rng.normal(size=(1, 16)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    subprocess.run([CLI, "infer", str(model), "--input", str(tmp_path / "x.npy"), "--output",
                    str(tmp_path / "y.npy"), "--seed", "4"], check=True, capture_output=True)
    assert np.array_equal(np.load(tmp_path / "y.npy"), aimcsim.infer(model, x, seed=4))


def test_sweep_returns_one_row_per_point(tmp_path):
    spec = {"config": HERMES_CORE, "parameters": {"tile.clock_ghz": [0.5, 2.0]},
            "set": {"simulation.functional": False}, "metrics": ["tile.peak_tops"]}
    rows = aimcsim.sweep(spec, out=tmp_path / "sweep", jobs=2)
    assert [r["params"]["tile.clock_ghz"] for r in rows] == [0.5, 2.0]
    for r in rows:
        interval_ns = hermes_mvm_interval_cycles() / r["params"]["tile.clock_ghz"]
        assert r["status"] == "ok"
        assert r["metrics"]["tile.peak_tops"] == pytest.approx(2 * 256 * 256 / interval_ns / 1e3, rel=1e-12)
    assert (tmp_path / "sweep" / "results.csv").exists()
    with pytest.raises(aimcsim.InputError, match="clock_gz"):
        aimcsim.sweep({"config": HERMES_CORE, "parameters": {"tile.clock_gz": [1.0]}})


def test_chip_runs_elaborate_again_in_one_process():
    # Each run builds its SystemC chip in a fresh context: a second run in the same
    # Python process gives the same report (wall times aside).
    settings = {"accuracy.enabled": False, "simulation.batch": 2}
    config = os.path.join(SOURCE, "configs", "hermes64.yaml")
    first, second = (without_wall_times(aimcsim.run(config, set=settings)) for _ in range(2))
    assert first == second and first["chip"]["tiles"] == 64
