"""The output file is netCDF-4 / CF (docs/output-format.md): xarray (engines h5netcdf and
netcdf4), pandas and ncdump read every group as named dimensions with a datetime index.

Needs Debian's python3-xarray, python3-pandas, python3-h5netcdf, python3-netcdf4 and netcdf-bin
(scripts/install-deps.sh)."""

import os
import shutil
import subprocess

import h5py
import numpy as np
import pytest

xr = pytest.importorskip("xarray")
pd = pytest.importorskip("pandas")

REPO = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
DATA = os.path.join(REPO, "scenarios", "data")

# Leesburg VA (EPW time zone UTC-5), starting 2023-07-10 00:00 local standard time; a cooling
# plant and power chain (subgroups), a training job with a UTF-8 name, 4 racks.
SCENARIO = """\
name: netcdf-check
seed: 5
duration: 12 h
site:
  weather: {data}/weather/USA_VA_Leesburg.Exec.epw
  carbon: {data}/carbon/US-MIDA-PJM_2023_hourly.csv
  price: {data}/prices/US-MIDA-PJM_2023.csv
  start: 2023-07-10T00:00
cluster:
  racks: {{count: 4, nodes_per_rack: 2}}
  node: {{type: dgx-h100}}
power_chain:
  ups: {{type: double-conversion, redundancy: 2N}}
cooling: {{type: chilled-water, economizer: water-side}}
workload:
  generator: list
  jobs:
    - {{name: "entraînement", submit: 0 h, nodes: 6, duration: 5 h, mfu: 0.4}}
    - {{name: eval, submit: 1 h, nodes: 2, duration: 3 h, utilization: 0.5}}
    - {{name: long, submit: 2 h, nodes: 8, duration: 10 h, utilization: 0.5}}
    - {{name: queued, submit: 3 h, nodes: 8, duration: 1 h, utilization: 0.5}}
scheduler: {{policy: fifo}}
output: {{facility_interval: 10 min, rack_interval: 1 h}}
"""

GROUPS = ["facility", "facility/cooling", "facility/losses", "racks", "jobs", "gpu_power"]


@pytest.fixture(scope="module")
def nc_h5(joule, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("netcdf")
    scenario = tmp / "netcdf-check.yaml"
    scenario.write_text(SCENARIO.format(data=DATA), encoding="utf-8")
    out = tmp / "netcdf-check.h5"
    proc = subprocess.run([joule, "run", str(scenario), "-o", str(out), "-q"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return str(out)


@pytest.mark.parametrize("engine", ["h5netcdf", "netcdf4"])
def test_facility_has_a_datetime_index_in_utc(nc_h5, engine):
    ds = xr.open_dataset(nc_h5, group="facility", engine=engine)
    assert ds.dims["time"] == 72  # 12 h / 10 min
    index = ds.indexes["time"]
    assert isinstance(index, pd.DatetimeIndex)
    # The first interval ends 10 min after 2023-07-10 00:00 at UTC-5, i.e. 05:10 UTC.
    assert index[0] == pd.Timestamp("2023-07-10 05:10")
    assert index[-1] == pd.Timestamp("2023-07-10 17:00")
    assert ds["time"].encoding["units"] == "seconds since 2023-07-10T00:00:00-05:00"
    assert ds["time"].attrs["time_zone"] == "UTC-05:00"
    # The plain-seconds copy agrees with the coordinate.
    seconds = (index - pd.Timestamp("2023-07-10 05:00")).total_seconds().to_numpy()
    np.testing.assert_allclose(ds["time_s"].values, seconds)
    ds.close()


@pytest.mark.parametrize("engine", ["h5netcdf", "netcdf4"])
@pytest.mark.parametrize("group", GROUPS)
def test_every_variable_has_named_dimensions_long_name_and_units(nc_h5, engine, group):
    ds = xr.open_dataset(nc_h5, group=group, engine=engine)
    assert not [d for d in ds.dims if "phony" in d]
    expected = {"facility": {"time"}, "facility/cooling": {"time"},
                "facility/losses": {"time"}, "racks": {"time", "rack"}, "jobs": {"job"},
                "gpu_power": {"time", "bin", "bin_edges_w"}}[group]
    assert set(ds.dims) == expected
    for name, var in ds.variables.items():
        assert var.attrs.get("long_name"), f"{group}/{name} has no long_name"
        if var.dtype.kind in "fiu":
            assert var.attrs.get("units") or name == "time", f"{group}/{name} has no units"
    ds.close()


def test_racks_are_a_named_dimension(nc_h5):
    ds = xr.open_dataset(nc_h5, group="racks", engine="h5netcdf")
    assert ds["power_w"].dims == ("time", "rack")
    assert list(ds["rack"].values) == [0, 1, 2, 3]
    assert ds.dims["time"] == 12
    assert ds["power_w"].attrs["units"] == "W"
    assert ds["power_w"].dtype == np.float32  # docs/output-format.md, "Types and compression"
    ds.close()


def test_jobs_read_as_str_with_job_ids(nc_h5):
    ds = xr.open_dataset(nc_h5, group="jobs", engine="h5netcdf")
    names = list(ds["name"].values)
    assert names == ["entraînement", "eval", "long", "queued"]
    assert all(isinstance(n, str) for n in names)
    assert list(ds["state"].values) == ["done", "done", "running", "queued"]
    assert list(ds["job"].values) == [0, 1, 2, 3]
    assert ds["start_s"].values[2] == 5 * 3600  # waits for the 6-node job to end
    assert np.isnan(ds["start_s"].values[3])
    ds.close()
    with h5py.File(nc_h5, "r") as f:  # h5py readers get str too (asstr for UTF-8)
        assert f["jobs/name"].asstr()[0] == "entraînement"


def test_pandas_reads_every_group_in_one_line(nc_h5):
    """The one-liners of docs/output-format.md and the README, as written."""
    facility = xr.open_dataset(nc_h5, group="facility").to_dataframe()
    assert isinstance(facility.index, pd.DatetimeIndex)
    # Interval averages integrate to the summary's IT energy (kWh), to float32's rounding of
    # each value (2^-24 ≈ 6e-8 relative); the float64 counter holds it to 1e-12.
    assert facility["it_power_w"].dtype == np.float32
    dt = np.diff(np.concatenate(([0.0], facility["time_s"].to_numpy())))
    it_kwh = float((facility["it_power_w"] * dt).sum() / 3.6e6)
    summary = xr.open_dataset(nc_h5, group="summary").attrs
    assert it_kwh == pytest.approx(summary["it_energy_kwh"], rel=6e-8)
    assert facility["it_energy_kwh"].iloc[-1] == pytest.approx(summary["it_energy_kwh"], rel=1e-12)
    racks = xr.open_dataset(nc_h5, group="racks").to_dataframe()
    assert racks.index.names == ["time", "rack"] and len(racks) == 12 * 4
    jobs = xr.open_dataset(nc_h5, group="jobs").to_dataframe()
    assert jobs.loc[1, "name"] == "eval" and jobs.loc[1, "wait_s"] == 0
    for group in GROUPS:
        assert len(xr.open_dataset(nc_h5, group=group).to_dataframe()) > 0


def test_ncdump_reads_the_header(nc_h5):
    ncdump = shutil.which("ncdump")
    if ncdump is None:
        pytest.skip("ncdump missing: install netcdf-bin (scripts/install-deps.sh)")
    proc = subprocess.run([ncdump, "-h", nc_h5], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    header = proc.stdout
    assert "group: facility" in header and "group: racks" in header
    assert "time = UNLIMITED ; // (72 currently)" in header
    assert 'time:units = "seconds since 2023-07-10T00:00:00-05:00"' in header
    # The traces are float32, the time and the cumulative energies double
    # (docs/output-format.md).
    assert "float power_w(time, rack)" in header
    assert "float it_power_w(time)" in header
    assert "double it_energy_kwh(time)" in header and "double time_s(time)" in header
    assert "string name(job)" in header


def test_readme_one_liners_work_as_written(nc_h5, tmp_path, monkeypatch):
    """The Python block under README.md's "### Output", run as written on a run's file."""
    readme = open(os.path.join(REPO, "README.md"), encoding="utf-8").read()
    section = readme[readme.index("### Output"):]
    block = section[section.index("```python") + len("```python"):]
    block = block[:block.index("```")]
    assert "xr.open_dataset" in block and "to_dataframe()" in block
    shutil.copy(nc_h5, tmp_path / "default.h5")
    monkeypatch.chdir(tmp_path)
    names = {}
    exec(compile(block, "README.md", "exec"), names)
    assert isinstance(names["ds"].indexes["time"], pd.DatetimeIndex)
    assert len(names["df"]) == 12 * 4
    assert names["kpis"]["it_energy_kwh"] > 0
