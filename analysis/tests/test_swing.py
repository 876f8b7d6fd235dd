"""/swing and /grid of a run with sub-second windows (docs/power-swings.md): the trace
integrates to the facility trace over the window, the spectrum holds the variance, the swing
KPIs are in the summary and the HTML report, and plot-swing draws the trace and spectrum."""

import h5py
import numpy as np
import pytest

from conftest import _run
from joule_analysis import cli, report, swing

# A two-node job that starts inside the window at 30 s (a step), 1 s resolution trace elsewhere.
SWING = """\
name: swing
seed: 1
duration: 2 min
cluster:
  racks: {count: 1, nodes_per_rack: 2}
  node: {type: dgx-h100}
workload:
  generator: list
  jobs: [{name: a, submit: 30 s, nodes: 2, duration: 1 h}]
output: {facility_interval: 1 s}
swing: {resolution: 10 ms, start: 20 s, window: 30 s, floor: {fraction: 0.6}}
grid:
  demand_response: [{at: 60 s, curtail: 1 kW, within: 10 s, for: 30 s}]
"""


@pytest.fixture(scope="module")
def swing_h5(joule, runs_dir):
    return _run(joule, runs_dir, "swing", SWING)


def test_trace_integrates_to_the_steady_trace(swing_h5):
    with h5py.File(swing_h5) as f:
        g = f["swing"]
        t, it = g["time_s"][...], g["it_power_w"][...]
        assert len(t) == 3000 and g.attrs["resolution_s"] == pytest.approx(0.01)
        steady_t = f["facility/time_s"][...]
        steady = np.asarray(f["facility/it_power_w"][...], dtype=float)  # stored float32
        inside = (steady_t > 20) & (steady_t <= 50)
        # Energy over (20, 50] s: 10 ms samples and 1 s samples agree, to the 1 s trace's
        # float32 rounding (2^-24 ≈ 6e-8 per value).
        assert it.sum() * 0.01 == pytest.approx(steady[inside].sum() * 1.0, rel=6e-8)
        # The job start is the largest step, and named.
        assert g.attrs["largest_step_cause"] == "job_start"
        assert f["summary"].attrs["swing_it_step_mw"] > 0
        assert "grid" in f and f["grid/met"].shape == (1,)


def test_plot_and_report(swing_h5, tmp_path, capsys):
    d = swing.read(swing_h5)
    assert "grid with floor" in d["traces"] and d["f"].size > 1
    assert cli.main(["plot-swing", swing_h5, "-o", str(tmp_path)]) == 0
    assert (tmp_path / "swing.png").stat().st_size > 10_000
    html = report.run_report(swing_h5)
    assert "plot-swing" in html and "IT ramp up in 1 s" in html


def test_plot_swing_without_windows_says_so(sim_h5, tmp_path, capsys):
    assert cli.main(["plot-swing", sim_h5, "-o", str(tmp_path)]) == 2
    assert "no /swing group" in capsys.readouterr().err
