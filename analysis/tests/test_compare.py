"""compare: run files side by side; real sweeps grouped by factor, with warnings and charts."""

import csv
import io
import os
import shutil
import subprocess

import h5py
import numpy as np
import pytest

from joule_analysis import compare, kpi
from joule_analysis.cli import main
from joule_analysis.runfile import Run
from conftest import REPO

SWEEP = """\
base: {base}
set: {{duration: 1 d}}
axes:
  variants:
    - {{name: air, set: {{cooling: {{type: air}}}}}}
    - {{name: chw-econ, set: {{cooling: {{type: chilled-water, economizer: water-side}}}}}}
  grid:
    site.weather:
      - {data}/weather/USA_VA_Leesburg.Exec.epw
      - {data}/weather/USA_AZ_Phoenix-Sky.Harbor.epw
    cluster.node.gpu_power_cap: ["500 W", "700 W"]
"""


@pytest.fixture(scope="module")
def sweep_dir(joule, tmp_path_factory):
    """A real 2 x 2 x 2 sweep of the shipped sweep base (a July week cut to one day)."""
    tmp = tmp_path_factory.mktemp("sweep")
    base = os.path.join(REPO, "scenarios", "sweeps", "base", "small-jobs.yaml")
    data = os.path.join(REPO, "scenarios", "data")
    (tmp / "s.yaml").write_text(SWEEP.format(base=base, data=data))
    proc = subprocess.run([joule, "sweep", str(tmp / "s.yaml"), "-o", str(tmp / "out"), "-j",
                           "2", "-q"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return str(tmp / "out")


def test_files_one_row_each(sim_h5, sim_h5_b, facility_h5):
    cmp_ = compare.load([sim_h5, sim_h5_b, facility_h5])
    assert cmp_.labels == ["tiny", "tiny-b", "tiny-facility"]
    assert cmp_.factors == [] and cmp_.warnings == []
    text = compare.table(cmp_, width=10**6)
    lines = text.splitlines()
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    assert header[0] == "run" and "IT MWh" in header and "PUE" in header
    it_col = header.index("IT MWh")
    for line, path in zip(lines[2:5], (sim_h5, sim_h5_b, facility_h5)):
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert cells[it_col] == kpi.fmt(kpi.kpis(Run(path))["it_energy_mwh"])
    # The runs without a facility model show "-" for PUE.
    pue_col = header.index("PUE")
    assert [line.strip("|").split("|")[pue_col].strip() for line in lines[2:5]][:2] == ["-", "-"]


def test_labels_fall_back_to_file_names_when_names_repeat(sim_h5, tmp_path):
    other = tmp_path / "copy.h5"
    shutil.copy(sim_h5, other)
    assert compare.load([sim_h5, str(other)]).labels == ["tiny", "copy"]


def test_sweep_grouped_by_factor(sweep_dir):
    cmp_ = compare.load([sweep_dir])
    assert cmp_.factors == ["variant", "weather", "gpu_power_cap"]
    assert cmp_.units == {"gpu_power_cap": "W"}
    # Short labels: the explicit variant's name, the weather file's city, the cap.
    assert cmp_.labels[:3] == ["air / Leesburg / 500 W", "air / Leesburg / 700 W",
                               "air / Phoenix / 500 W"]
    assert len(cmp_.labels) == 8 and cmp_.failed == []
    assert list(cmp_.table["gpu_power_cap"].unique()) == [500.0, 700.0]
    # The values are the sweep's: summary.h5's KPIs in display units.
    with h5py.File(os.path.join(sweep_dir, "summary.h5"), "r") as f:
        it_kwh = f["kpis/it_energy_kwh"][...]
        pue = f["kpis/pue"][...]
        names = [n.decode() for n in f["name"][...]]
    assert cmp_.names == names
    assert np.allclose(cmp_.table["it_energy_mwh"], it_kwh / 1e3, rtol=1e-12)
    assert np.allclose(cmp_.table["pue"], pue, rtol=1e-12)
    # The folder, summary.h5 and summary.csv give the same comparison.
    for src in ("summary.h5", "summary.csv"):
        other = compare.load([os.path.join(sweep_dir, src)])
        assert other.labels == cmp_.labels
        assert np.allclose(other.table["pue"], cmp_.table["pue"], rtol=1e-12)


def test_sweep_table_fits_the_terminal_and_keeps_the_operational_kpis(sweep_dir):
    cmp_ = compare.load([sweep_dir])
    text = compare.table(cmp_, width=100)
    assert max(len(line) for line in text.splitlines()) <= 100
    for header in ("PUE", "p95 wait h", "GPU util", "facility MWh"):
        assert header in text, header
    # Makespan is absent when some job is still running at the end (1 day here): no column.
    assert cmp_.table["makespan_h"].isna().all() and "makespan h" not in text
    # Every row appears in each of the split tables.
    for label in cmp_.labels:
        assert text.count(label) == text.count("| variant")


def test_unmet_heat_is_a_warning_naming_the_variant(sweep_dir, tmp_path):
    # Make one variant's plant fall short, as a liquid plant does in a Phoenix July.
    out = tmp_path / "sweep"
    shutil.copytree(sweep_dir, out)
    with h5py.File(out / "summary.h5", "r+") as f:
        unmet = f["kpis/cooling_unmet_heat_kwh"]
        v = unmet[...]
        v[3] = 859.0
        unmet[...] = v
        name = f["name"][3].decode()
    os.remove(out / "summary.csv")
    cmp_ = compare.load([str(out)])
    assert len(cmp_.warnings) == 1
    label, text = cmp_.warnings[0]
    assert label == cmp_.labels[3] and name in text and "859 kWh" in text
    table = compare.table(cmp_, width=200)
    assert "! " + label in table and "unmet heat MWh" in table
    assert "859 kWh" in compare.warnings_text(cmp_)
    # A limit exceeded: a UPS above its rating for 2.5 h in another variant.
    with h5py.File(out / "summary.h5", "r+") as f:
        over = f["kpis/power_chain_overload_h"]
        v = over[...]
        v[5] = 2.5
        over[...] = v
        name = f["name"][5].decode()
    cmp_ = compare.load([str(out)])
    assert [w[0] for w in cmp_.warnings] == [cmp_.labels[3], cmp_.labels[5]]
    assert name in cmp_.warnings[1][1] and "power-chain overload 2.5 h: a power-chain stage (UPS or " \
        "transformer) ran above its rating" in cmp_.warnings[1][1]


def test_failed_variants_are_warnings(tmp_path):
    path = tmp_path / "summary.csv"
    path.write_text(
        "index,name,status,seed,cooling.type,it_energy_kwh,facility_energy_kwh,pue,co2e_t,"
        "output,error\n"
        "0,v0000-type=air,done,1,air,1000,1300,1.3,0.5,a.h5,\n"
        "1,v0001-type=liquid,done,1,liquid,1000,1100,1.1,,b.h5,\n"
        "2,v0002-type=x,failed,1,x,,,,,,boom: bad key\n")
    cmp_ = compare.load([str(path)])
    assert cmp_.labels == ["air", "liquid"]
    assert cmp_.failed == [("x", "failed: boom: bad key")]
    assert cmp_.table.loc["air", "it_energy_mwh"] == pytest.approx(1.0)
    assert np.isnan(cmp_.table.loc["liquid", "co2e_t"])
    assert "variant failed: failed: boom: bad key" in compare.warnings_text(cmp_)
    text = compare.table(cmp_, relative=True, width=200)
    assert "-15.4 %" in text  # facility energy 1100 vs 1300
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="no KPI columns"):
        compare.load([str(bad)])


def test_csv_holds_numbers(sweep_dir):
    cmp_ = compare.load([sweep_dir])
    rows = list(csv.DictReader(io.StringIO(compare.table(cmp_, "csv"))))
    assert len(rows) == 8
    assert float(rows[0]["pue"]) == pytest.approx(cmp_.table["pue"].iloc[0], rel=1e-9)
    assert float(rows[0]["gpu_power_cap"]) == 500.0
    assert rows[0]["name"] == cmp_.names[0]


def test_compare_cli_on_a_sweep(sweep_dir, tmp_path, capsys):
    out = tmp_path / "cmp"
    assert main(["compare", os.path.join(sweep_dir, "summary.h5"), "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "warnings: none" in text
    assert os.path.getsize(out / "compare.md") > 0
    # A 2 x 2 x 2 grid: KPIs against the power cap, one line per variant and weather.
    assert os.path.getsize(out / "compare-gpu_power_cap.png") > 10000


def test_compare_cli_on_files(sim_h5, sim_h5_b, tmp_path, capsys):
    out = tmp_path / "cmp"
    assert main(["compare", sim_h5, sim_h5_b, "-o", str(out), "--relative"]) == 0
    assert "Relative to tiny" in capsys.readouterr().out
    assert os.path.getsize(out / "compare.md") > 0
    assert os.path.getsize(out / "compare.png") > 1000
    assert main(["compare", sim_h5, "x.csv"]) == 2
    assert main(["compare", str(tmp_path)]) == 2  # a folder without a sweep summary


# A sweep with bands (`joule sweep --uncertainty N`): linear nodes behind a fixed PUE whose
# scenario gives it the range 1.1-1.3, so facility energy has a P5-P95 band in every variant.
BANDED_BASE = """\
name: banded
seed: 3
duration: 2 h
cluster:
  racks: {count: 1, nodes_per_rack: 2}
  node: {type: dgx-h100, model: linear, idle_power: 1 kW, max_power: 5 kW}
cooling: {type: fixed-pue, pue: 1.2}
workload:
  generator: list
  jobs: [{name: half, submit: 30 min, nodes: 2, duration: 1 h, utilization: 0.5}]
uncertainty:
  cooling.pue: {range: [1.1, 1.3]}
output: {facility_interval: 5 min, rack_interval: 15 min}
"""
BANDED_SWEEP = """\
base: base.yaml
axes:
  variants:
    - {{name: small, set: {{cluster.node.max_power: 4 kW}}}}
    - {{name: large, set: {{cluster.node.max_power: 6 kW}}}}
  {extra}
"""


def _banded_sweep(joule, tmp, extra=""):
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "base.yaml").write_text(BANDED_BASE)
    (tmp / "s.yaml").write_text(BANDED_SWEEP.format(extra=extra))
    proc = subprocess.run([joule, "sweep", str(tmp / "s.yaml"), "-o", str(tmp / "out"), "-j",
                           "2", "-q", "--uncertainty", "6"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return str(tmp / "out")


def _capture_figures(monkeypatch):
    figures = []
    real = compare._save

    def keep(fig, outdir, stem, fmt):
        figures.append((stem, fig))
        return real(fig, outdir, stem, fmt)

    monkeypatch.setattr(compare, "_save", keep)
    return figures


def _panel(fig, key):
    title = compare._kpi_title(key)
    return next(ax for ax in fig.axes if ax.get_title() == title)


def test_compare_draws_sweep_bands(joule, tmp_path, monkeypatch):
    """Bars with error bars from P5 to P95 (categorical variants), a shaded band along a numeric
    swept value, each at the values summary.h5's /bands holds."""
    import matplotlib.collections as mc

    out = _banded_sweep(joule, tmp_path / "a")
    cmp_ = compare.load([out])
    with h5py.File(os.path.join(out, "summary.h5"), "r") as f:
        names = [n.decode() if isinstance(n, bytes) else n for n in f["bands/name"][...]]
        fac = {n: f["bands/facility_energy_kwh"][i] for i, n in enumerate(names)}
    key = next(s.key for s in cmp_.specs if s.attr == "facility_energy_kwh")
    scale = next(s.scale for s in cmp_.specs if s.attr == "facility_energy_kwh")
    assert set(cmp_.bands[key]) == set(cmp_.labels) == {"small", "large"}
    for label, name in zip(cmp_.labels, cmp_.names):
        p5, p50, p95 = cmp_.bands[key][label]
        assert p5 == pytest.approx(fac[name][0] * scale, rel=1e-12)
        assert p95 == pytest.approx(fac[name][2] * scale, rel=1e-12)
        # PUE uniform on [1.1, 1.3]: a real spread around the nominal 1.2.
        assert p5 < cmp_.table.loc[label, key] < p95
    figures = _capture_figures(monkeypatch)
    compare.charts(cmp_, str(tmp_path / "charts-a"))
    (_, fig), = figures
    ax = _panel(fig, key)
    bars = [c for c in ax.containers if type(c).__name__ == "ErrorbarContainer"]
    assert bars, "no error bars on the facility-energy bars"
    segments = bars[0].lines[2][0].get_segments()
    ends = sorted((min(s[:, 1]), max(s[:, 1])) for s in segments)
    expected = sorted((b[0], b[2]) for b in cmp_.bands[key].values())
    assert np.allclose(ends, expected, rtol=1e-9)
    # A numeric axis: one shaded P5-P95 band per variant along it.
    out = _banded_sweep(joule, tmp_path / "b",
                        extra="grid: {cluster.racks.count: [1, 2]}")
    cmp_ = compare.load([out])
    figures.clear()
    compare.charts(cmp_, str(tmp_path / "charts-b"))
    (_, fig), = figures
    ax = _panel(fig, key)
    shaded = [c for c in ax.collections if isinstance(c, mc.PolyCollection)]
    assert len(shaded) == 2
    for variant, poly in zip(dict.fromkeys(cmp_.table["variant"]), shaded):
        rows = cmp_.table.index[cmp_.table["variant"] == variant]
        ys = poly.get_paths()[0].vertices[:, 1]
        assert min(ys) == pytest.approx(min(cmp_.bands[key][r][0] for r in rows), rel=1e-9)
        assert max(ys) == pytest.approx(max(cmp_.bands[key][r][2] for r in rows), rel=1e-9)
    # Without bands nothing is shaded and no error bars are drawn.
    plain = compare.load([out])
    plain.bands = {}
    figures.clear()
    compare.charts(plain, str(tmp_path / "charts-c"))
    (_, fig), = figures
    ax = _panel(fig, key)
    assert not [c for c in ax.collections if isinstance(c, mc.PolyCollection)]


def test_compare_draws_run_file_bands(joule, tmp_path, monkeypatch):
    """Run files from `joule run --uncertainty N`: error bars at their /uncertainty P5-P95."""
    (tmp_path / "base.yaml").write_text(BANDED_BASE)
    out = tmp_path / "u.h5"
    proc = subprocess.run([joule, "run", str(tmp_path / "base.yaml"), "-o", str(out), "-q",
                           "--uncertainty", "6", "-j", "2"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    cmp_ = compare.load([str(out)])
    spec = next(s for s in cmp_.specs if s.attr == "facility_energy_kwh")
    p5, _, p95 = Run(str(out)).bands["facility_energy_kwh"]
    lo, _, hi = cmp_.bands[spec.key]["banded"]
    assert (lo, hi) == pytest.approx((p5 * spec.scale, p95 * spec.scale), rel=1e-12)
    figures = _capture_figures(monkeypatch)
    compare.charts(cmp_, str(tmp_path / "charts"))
    (_, fig), = figures
    ax = _panel(fig, spec.key)
    bars = [c for c in ax.containers if type(c).__name__ == "ErrorbarContainer"]
    assert bars
    (segment,) = bars[0].lines[2][0].get_segments()
    assert (min(segment[:, 0]), max(segment[:, 0])) == pytest.approx((lo, hi), rel=1e-9)
    # The chart says what its error bars are.
    assert any(compare.BAND_LABEL in t.get_text() for t in fig.texts)
