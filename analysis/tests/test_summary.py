"""summary: KPIs equal the file's /summary and the integral of its traces."""

import csv
import io
import json
import shutil
import subprocess
import sys

import h5py
import numpy as np
import pytest

from joule_analysis import kpi
from joule_analysis.cli import main
from joule_analysis.runfile import NotAJouleFile, Run, downsample


def raw(path):
    with h5py.File(path, "r") as f:
        t = f["facility/time_s"][...]
        it = f["facility/it_power_w"][...]
        s = {k: float(v) for k, v in f["summary"].attrs.items()}
    return t, it, s


def test_kpis_equal_summary_and_trace_integral(sim_h5):
    t, it, s = raw(sim_h5)
    k = kpi.kpis(Run(sim_h5))
    # By hand: Σ P_i · (t_i − t_{i−1}) with t_{−1} = 0, in MWh.
    integral_mwh = float(np.sum(it * np.diff(np.concatenate(([0.0], t))))) / 3.6e9
    assert k["it_energy_mwh"] == pytest.approx(s["it_energy_kwh"] / 1e3, rel=1e-12)
    assert k["it_energy_trace_mwh"] == pytest.approx(integral_mwh, rel=1e-12)
    assert k["it_energy_mwh"] == pytest.approx(integral_mwh, rel=1e-6)
    assert k["trace_check"] == "ok"
    assert k["peak_it_power_kw"] == s["peak_it_power_kw"]
    assert k["jobs_submitted"] == s["jobs_submitted"] == 3
    assert k["mean_wait_h"] == pytest.approx(s["mean_wait_s"] / 3600)
    assert k["simulated_h"] == pytest.approx(6)
    # Every KPI of the registry the file carries is reported (absent ones as None).
    with h5py.File(sim_h5, "r") as f:
        registry = json.loads(f.attrs["kpi_registry"])
    shown = {e["name"] for e in registry if e["topic"] != "engine"}
    assert {"p95_wait_s", "makespan_s", "gpu_utilization", "cooling_unmet_heat_kwh"} <= shown
    assert len([key for key in k if key not in kpi.CHECK_ROWS]) == len(shown)
    assert k["gpu_utilization"] == pytest.approx(s["gpu_utilization"])
    # No facility model in this scenario: those KPIs are absent, not zero.
    assert k["pue"] is None and k["facility_energy_mwh"] is None and k["co2e_t"] is None


def test_facility_kpis_and_trace_check(facility_h5):
    with h5py.File(facility_h5, "r") as f:
        t = f["facility/time_s"][...]
        total = f["facility/total_power_w"][...]
        s = dict(f["summary"].attrs)
    k = kpi.kpis(Run(facility_h5))
    dt = np.diff(np.concatenate(([0.0], t)))
    assert k["facility_energy_mwh"] == pytest.approx(s["facility_energy_kwh"] / 1e3)
    assert k["facility_energy_trace_mwh"] == pytest.approx(np.sum(total * dt) / 3.6e9)
    assert k["pue"] == pytest.approx(s["facility_energy_kwh"] / s["it_energy_kwh"])
    assert k["co2e_t"] == pytest.approx(s["co2e_t"])
    assert k["trace_check"] == "ok"


def test_trace_check_reports_a_mismatch(sim_h5, tmp_path):
    bad = tmp_path / "bad.h5"
    shutil.copy(sim_h5, bad)
    with h5py.File(bad, "r+") as f:
        f["facility/it_power_w"][...] = f["facility/it_power_w"][...] * 1.01
    assert kpi.kpis(Run(str(bad)))["trace_check"].startswith("MISMATCH")


def test_summary_cli_markdown_and_csv(sim_h5, sim_h5_b, capsys):
    assert main(["summary", sim_h5, sim_h5_b]) == 0
    out = capsys.readouterr().out
    header = out.splitlines()[0]
    assert "tiny" in header and "tiny-b" in header
    assert "IT energy (MWh)" in out
    assert main(["summary", "--format", "csv", sim_h5]) == 0
    rows = {r[0]: r[1] for r in csv.reader(io.StringIO(capsys.readouterr().out))}
    _, _, s = raw(sim_h5)
    assert float(rows["it_energy_mwh"]) == pytest.approx(s["it_energy_kwh"] / 1e3, rel=1e-12)
    assert rows["trace_check"] == "ok"


def test_module_entry_point_runs(sim_h5):
    proc = subprocess.run([sys.executable, "-m", "joule_analysis", "summary", sim_h5],
                          capture_output=True, text=True,
                          env={"PYTHONPATH": __file__.rsplit("/tests/", 1)[0]})
    assert proc.returncode == 0, proc.stderr
    assert "| KPI" in proc.stdout


def test_not_a_joule_file(tmp_path, capsys):
    junk = tmp_path / "junk.h5"
    junk.write_text("not hdf5")
    with pytest.raises(NotAJouleFile):
        Run(str(junk))
    partial = tmp_path / "partial.h5"
    with h5py.File(partial, "w") as f:
        f.create_dataset("facility/time_s", data=[60.0])
    with pytest.raises(NotAJouleFile, match="missing"):
        Run(str(partial))
    assert main(["summary", str(tmp_path / "absent.h5")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_downsample_preserves_energy():
    t = np.arange(1, 1001) * 60.0
    t[-1] = t[-2] + 17.0  # a shorter last interval, as at the end of a run
    p = np.linspace(100.0, 900.0, 1000) + 50 * np.sin(np.arange(1000))
    dt = np.diff(np.concatenate(([0.0], t)))
    td, pd = downsample(t, p, max_points=30)
    dtd = np.diff(np.concatenate(([0.0], td)))
    assert len(td) <= 30 + 1
    assert td[-1] == t[-1]
    assert np.sum(pd * dtd) == pytest.approx(np.sum(p * dt), rel=1e-12)
