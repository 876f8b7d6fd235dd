"""Hourly and monthly meter tables (/meters, docs/output-format.md): calendar times that xarray
decodes, bins that add up to the run's totals, months cut at local midnight."""

import os

import pytest

from conftest import _run

xr = pytest.importorskip("xarray")
pd = pytest.importorskip("pandas")

DATA = os.path.join(os.path.dirname(__file__), "..", "..", "scenarios", "data")

# Leesburg (UTC-5), two days across the end of July: 24 h in July, 24 h in August.
SCENARIO = f"""\
name: meters
seed: 3
duration: 2 d
site:
  weather: {DATA}/weather/USA_VA_Leesburg.Exec.epw
  carbon: {DATA}/carbon/US-MIDA-PJM_2023_hourly.csv
  start: 2023-07-31T00:00
cluster:
  racks: {{count: 2, nodes_per_rack: 2}}
  node: {{type: dgx-h100}}
power_chain: {{}}
cooling: {{type: chilled-water}}
workload:
  generator: list
  jobs: [{{name: a, nodes: 2, duration: 30 h, mfu: 0.4}}]
output: {{facility_interval: 7 min}}
"""


@pytest.fixture(scope="module")
def meters_h5(joule, tmp_path_factory):
    return _run(joule, tmp_path_factory.mktemp("meters"), "meters", SCENARIO)


def test_hourly_and_monthly_tables_add_up_to_the_totals(meters_h5):
    summary = xr.open_dataset(meters_h5, group="summary").attrs
    hourly = xr.open_dataset(meters_h5, group="meters/hourly")
    monthly = xr.open_dataset(meters_h5, group="meters/monthly")
    assert hourly.sizes["time"] == 48
    # 7-minute intervals straddle the hours: split in proportion, the sums still close.
    for name in ("facility", "it", "cooling", "grid_import"):
        total = summary[f"{name}_energy_kwh" if name != "grid_import" else "grid_import_kwh"]
        assert float(hourly[f"{name}_kwh"].sum()) == pytest.approx(total, rel=1e-9)
        assert float(monthly[f"{name}_kwh"].sum()) == pytest.approx(total, rel=1e-9)
    split = sum(float(monthly[f"{p}_kwh"].sum())
                for p in ("compute", "transfer", "storage", "auxiliary"))
    assert split == pytest.approx(summary["facility_energy_kwh"], rel=1e-9)


def test_months_follow_the_local_calendar(meters_h5):
    monthly = xr.open_dataset(meters_h5, group="meters/monthly")
    hourly = xr.open_dataset(meters_h5, group="meters/hourly")
    # Times decode to UTC instants: local midnight at UTC-5 is 05:00 UTC.
    starts = pd.DatetimeIndex(monthly.time.values)
    assert list(starts) == [pd.Timestamp("2023-07-31 05:00"), pd.Timestamp("2023-08-01 05:00")]
    july = float(hourly.facility_kwh[:24].sum())
    assert float(monthly.facility_kwh[0]) == pytest.approx(july, rel=1e-12)
    assert float(monthly.peak_power_kw.max()) == pytest.approx(float(hourly.peak_power_kw.max()))


def test_the_pv_meter_adds_up_to_the_yield(joule, tmp_path_factory):
    # The same two days with 50 kW of PV: the pv column (the last of a sample's meters) bins
    # the PV delivered, and the columns before it keep their totals.
    text = SCENARIO.replace("power_chain: {}", "power_chain: {pv: {peak: 50 kW}}")
    h5 = _run(joule, tmp_path_factory.mktemp("meters-pv"), "meters-pv", text)
    summary = xr.open_dataset(h5, group="summary").attrs
    hourly = xr.open_dataset(h5, group="meters/hourly")
    assert summary["pv_yield_kwh"] > 100  # two July/August days of sun on 50 kW
    assert float(hourly.pv_kwh.sum()) == pytest.approx(summary["pv_yield_kwh"], rel=1e-9)
    assert float(hourly.grid_import_kwh.sum()) == pytest.approx(summary["grid_import_kwh"],
                                                                rel=1e-9)
