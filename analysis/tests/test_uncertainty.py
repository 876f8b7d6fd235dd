"""`joule run --uncertainty N` as the analysis package reads it: the bands in Run, the HTML
report and plots, xarray on /uncertainty, and the validation suite's coverage
(docs/uncertainty.md)."""

import os
import subprocess

import numpy as np
import pytest

from joule_analysis import report, validate
from joule_analysis.runfile import Run

# A chilled-water hall with a UPS, 4 nodes, one job: accelerator, power-chain and cooling
# coefficients are sampled.
SCENARIO = """\
name: unc
seed: 3
duration: 4 h
site:
  weather: {data}/weather/USA_VA_Leesburg.Exec.epw
  start: 2023-07-10T00:00
cluster:
  racks: {{count: 1, nodes_per_rack: 4}}
  node: {{type: dgx-h100}}
power_chain: {{ups: {{type: double-conversion, redundancy: N+1}}}}
cooling: {{type: chilled-water}}
workload:
  generator: list
  jobs: [{{name: j, submit: 0 h, nodes: 4, duration: 3 h, utilization: 0.8}}]
output: {{facility_interval: 5 min, rack_interval: 15 min}}
"""

DATA = os.path.join(os.path.dirname(__file__), "..", "..", "scenarios", "data")


@pytest.fixture(scope="module")
def unc_h5(joule, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("unc")
    scenario = tmp / "unc.yaml"
    scenario.write_text(SCENARIO.format(data=os.path.abspath(DATA)))
    out = tmp / "unc.h5"
    proc = subprocess.run([joule, "run", str(scenario), "-o", str(out), "--force", "-q",
                           "--uncertainty", "12", "-j", "2", "--keep-samples"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return str(out)


def test_bands_are_sample_quantiles_numpy_agrees(unc_h5):
    import h5py
    with h5py.File(unc_h5) as f:
        u = f["uncertainty"]
        names = list(u["kpi_name"].asstr()[...])
        values = u["kpi_value"][...]
        i = names.index("pue")
        col = values[:, i]
        assert u["p5"][i] == pytest.approx(np.percentile(col, 5), rel=1e-12)
        assert u["median"][i] == pytest.approx(np.percentile(col, 50), rel=1e-12)
        assert u["p95"][i] == pytest.approx(np.percentile(col, 95), rel=1e-12)
        assert u["value"].shape == (12, len(u["coefficient_name"]))
    run = Run(unc_h5)
    assert run.samples == 12
    p5, med, p95 = run.bands["pue"]
    assert p5 < med < p95
    assert 1.0 < p5
    lo, mid, hi = run.trace_bands["total_power_w"]
    assert np.all(lo <= hi)
    assert len(lo) == len(run.time_s)
    assert run.band_text("pue", lambda v: f"{v:.3f}") == f" ({p5:.3f}–{p95:.3f})"
    # A KPI the coefficients cannot move shows no band.
    assert run.band_text("jobs_submitted", str) == ""


def test_sample_files_reproduce_the_recorded_kpis(unc_h5):
    files = validate.sample_files(unc_h5)
    assert len(files) == 12
    pues = [Run(f).summary["pue"] for f in files]
    assert validate.band(pues) == pytest.approx(Run(unc_h5).bands["pue"][::2], rel=1e-12)


def test_xarray_opens_the_uncertainty_groups(unc_h5):
    xr = pytest.importorskip("xarray")
    ds = xr.open_dataset(unc_h5, group="uncertainty")
    by_name = ds.swap_dims(kpi="kpi_name")
    assert float(by_name["p95"].sel(kpi_name="pue")) >= float(by_name["p5"].sel(kpi_name="pue"))
    assert ds["value"].dims == ("sample", "coefficient")
    tr = xr.open_dataset(unc_h5, group="uncertainty/facility")
    assert "pue_p95" in tr and tr["pue_p95"].dims == ("time",)


def test_report_and_plots_draw_the_bands(unc_h5, tmp_path):
    html = report.run_report(unc_h5)
    p5, _, p95 = Run(unc_h5).bands["pue"]
    assert f"({report._num(p5)}–{report._num(p95)})" in html
    assert "P95 over 12 samples" in html
    from joule_analysis import plots
    written = plots.plot_run(Run(unc_h5), str(tmp_path), "svg", panels=("power",))
    text = open(written[0][1]).read()
    assert "P5–P95 (12 samples)" in text


def test_coverage_counts_published_figures_inside_their_band():
    rows = [["a", "x", "MWh", 10.0, 9.0, -10.0, "±15 %", "ok", (8.0, 11.0), True],
            ["b", "x", "MWh", 10.0, 5.0, -50.0, "±15 %", "FAIL", (4.0, 6.0), False],
            ["c", "p", "W", 1.0, 1.0, 0.0, "±3 %", "ok", None, None]]
    assert validate.coverage(rows) == (1, 2, 3)
    text = validate.report(rows)
    assert "P5 – P95" in text and "8 – 11" in text
    csv = validate.report(rows, "csv")
    assert csv.splitlines()[0].endswith("p5,p95,inside")


def test_summary_json_carries_the_bands(joule, unc_h5):
    import json
    proc = subprocess.run([joule, "summary", "--json", unc_h5], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    s = json.loads(proc.stdout)
    run = Run(unc_h5)
    assert s["pue"] == pytest.approx(run.summary["pue"], rel=1e-15)
    for kpi, (p5, med, p95) in run.bands.items():
        b = s["bands"][kpi]
        assert (b["p5"], b["p50"], b["p95"]) == (p5, med, p95)  # shortest exact numbers
    assert s["bands"]["pue"]["p5"] < s["bands"]["pue"]["p50"] < s["bands"]["pue"]["p95"]
    # KPIs the scenario lacks have no band; the plain KPIs are unchanged.
    assert all(s[k] is not None for k in s["bands"])


def test_summary_json_of_a_plain_run_has_no_bands(joule, tmp_path):
    scenario = tmp_path / "plain.yaml"
    scenario.write_text(SCENARIO.format(data=os.path.abspath(DATA)).replace("4 h", "1 h"))
    out = tmp_path / "plain.h5"
    subprocess.run([joule, "run", str(scenario), "-o", str(out), "-q"], check=True)
    import json
    s = json.loads(subprocess.run([joule, "summary", "--json", str(out)], capture_output=True,
                                  text=True, check=True).stdout)
    assert "bands" not in s
    assert s["pue"] > 1


def test_sweep_bands_open_in_xarray(joule, tmp_path):
    """`joule sweep --uncertainty N`: summary.h5's /bands is an xarray dataset along (variant,
    quantile), with the KPIs' units (docs/sweeps.md)."""
    xr = pytest.importorskip("xarray")
    (tmp_path / "base.yaml").write_text(
        SCENARIO.format(data=os.path.abspath(DATA)).replace("4 h", "2 h"))
    (tmp_path / "sweep.yaml").write_text(
        "base: base.yaml\naxes:\n  grid:\n    cooling.chw_supply: [8 degC, 12 degC]\n")
    proc = subprocess.run([joule, "sweep", str(tmp_path / "sweep.yaml"), "-o",
                           str(tmp_path / "out"), "-q", "-j", "2", "--uncertainty", "4"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    ds = xr.open_dataset(tmp_path / "out" / "summary.h5", group="bands")
    assert ds["pue"].dims == ("variant", "quantile")
    assert list(ds["quantile"].values) == [0.05, 0.5, 0.95]
    assert ds["facility_energy_kwh"].attrs["units"] == "kWh"
    p5, med, p95 = ds["pue"].sel(variant=1).values
    assert 1 < p5 <= med <= p95
    # Each variant's band is its own output's /uncertainty band.
    names = [str(n) for n in ds["name"].values]
    run = Run(str(tmp_path / "out" / (names[1] + ".h5")))
    assert tuple(ds["pue"].sel(variant=1).values) == pytest.approx(run.bands["pue"], rel=1e-15)
