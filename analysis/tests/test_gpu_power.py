"""/gpu_power: the per-GPU power histogram of a run (invariant: GPU-seconds = GPUs x time) and
`analysis/joule gpu-power` (CDF, map, quantiles, KS distance)."""

import os

import h5py
import numpy as np
import pytest

from joule_analysis import cli, gpu_power


def g_dtype(path):
    with h5py.File(path, "r") as f:
        return f["gpu_power/gpu_seconds"].dtype


def test_histogram_holds_every_gpu_second(sim_h5):
    # The tiny run: 6 DGX H100 nodes (48 GPUs) for 6 h, rack interval 15 min.
    edges, t, counts = gpu_power.read(sim_h5)
    assert edges[0] == 0 and np.all(np.diff(edges) == 20.0)
    assert counts.shape == (len(t), len(edges) - 1)
    dt = np.diff(np.concatenate([[0.0], t]))
    # gpu_seconds is float32 (docs/output-format.md): each value to 2^-24 ≈ 6e-8 relative.
    assert g_dtype(sim_h5) == np.float32
    np.testing.assert_allclose(counts.sum(axis=1), 48 * dt, rtol=1.2e-7)
    # Idle GPUs (~70 W without a context) and busy ones (hundreds of W) both appear.
    total = counts.sum(axis=0)
    assert total[edges[:-1] < 100].sum() > 0
    assert total[edges[:-1] >= 300].sum() > 0


def test_cli_plots_and_ks_distance(sim_h5, tmp_path, capsys):
    measured = tmp_path / "measured.csv"
    measured.write_text("power_w,cdf\n100,0.3\n400,0.6\n700,1.0\n")
    assert cli.main(["gpu-power", sim_h5, "-o", str(tmp_path), "--measured", str(measured)]) == 0
    out = capsys.readouterr().out
    assert "P50" in out and "Kolmogorov-Smirnov" in out
    stem = os.path.splitext(os.path.basename(sim_h5))[0]
    assert (tmp_path / f"{stem}-gpu-power-cdf.png").stat().st_size > 0
    assert (tmp_path / f"{stem}-gpu-power-map.png").stat().st_size > 0


def test_ks_distance_by_hand(tmp_path):
    edges = np.array([0.0, 100.0, 200.0])
    counts = np.array([[50.0, 50.0]])  # CDF 0, 0.5, 1 at the edges
    # Measured 0.2 at 100 W and 1.0 at 200 W: |0.5 − 0.2| = 0.3 is the largest gap.
    assert gpu_power.ks_distance(edges, counts, np.array([100.0, 200.0]),
                                 np.array([0.2, 1.0])) == pytest.approx(0.3)
    assert gpu_power.quantile(edges, counts, 0.75) == pytest.approx(150.0)


def test_a_file_without_histogram_is_exit_2(tmp_path, capsys):
    path = tmp_path / "old.h5"
    with h5py.File(path, "w") as f:
        f.create_group("facility")
    assert cli.main(["gpu-power", str(path)]) == 2
    assert "no /gpu_power" in capsys.readouterr().err


ONE_GPU = """\
name: one-gpu
seed: 1
duration: 2 h
cluster:
  racks: {count: 1, nodes_per_rack: 1}
  node: {type: dgx-h100}
workload:
  generator: list
  jobs:
    - {name: eval, submit: 0 h, gpus: 1, duration: 2 h, mfu: 0.45}
scheduler: {policy: fifo}
output: {facility_interval: 10 min, rack_interval: 1 h}
"""


def test_a_one_gpu_job_powers_one_gpu(joule, runs_dir):
    from conftest import _run
    path = _run(joule, runs_dir, "one-gpu", ONE_GPU)
    edges, t, counts = gpu_power.read(path)
    total = counts.sum(axis=0)
    busy = total[edges[:-1] >= 300].sum()
    idle = total[edges[:-1] < 100].sum()
    # One GPU busy for the 2 h, the other seven idle (no context) for the 2 h.
    assert busy == pytest.approx(1 * 7200.0)
    assert idle == pytest.approx(7 * 7200.0)
