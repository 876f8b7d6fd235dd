"""plot: every panel written, non-empty, in each format; panels without data are skipped."""

import os

import numpy as np
import pytest

from joule_analysis import plots
from joule_analysis.cli import main
from joule_analysis.runfile import Run

MAGIC = {"png": b"\x89PNG", "pdf": b"%PDF", "svg": b"<?xml"}


@pytest.mark.parametrize("fmt", plots.FORMATS)
def test_plots_written_for_each_format(sim_h5, tmp_path, fmt):
    results = plots.plot_run(Run(sim_h5), str(tmp_path), fmt)
    written = {p: path for p, path, _ in results if path}
    skipped = {p: note for p, path, note in results if not path}
    # The tiny scenario has no facility model or weather: only PUE vs wet-bulb is skipped.
    assert set(written) == set(plots.PANELS) - {"pue-wetbulb"}
    assert "facility" in skipped["pue-wetbulb"]
    for path in written.values():
        assert os.path.getsize(path) > 1000
        with open(path, "rb") as f:
            assert f.read(5).startswith(MAGIC[fmt])


def test_all_panels_with_a_facility_model(facility_h5, tmp_path):
    results = plots.plot_run(Run(facility_h5), str(tmp_path), "png")
    assert [p for p, path, _ in results if path] == list(plots.PANELS)


def test_plot_cli_reports_skips(sim_h5, tmp_path, capsys):
    assert main(["plot", sim_h5, "-o", str(tmp_path), "--format", "svg"]) == 0
    out = capsys.readouterr().out
    assert "skipped pue-wetbulb" in out
    assert out.count("wrote ") == len(plots.PANELS) - 1
    assert main(["plot", sim_h5, "--panels", "nope"]) == 2


def test_energy_flow_balances(facility_h5):
    run = Run(facility_h5)
    (label, grid, _, children), notes = plots.energy_flows(run)
    s = run.summary
    assert label == "grid" and grid == pytest.approx(s["facility_energy_kwh"])
    # Grid = losses + cooling + IT (+ other): the children add up to the parent.
    assert sum(c[1] for c in children) == pytest.approx(grid, rel=1e-9)
    by_name = {c[0]: c for c in children}
    # Each aggregate splits into its components: PDU + UPS + transformer, fans + chillers + ...
    # (the components are integrals of float32 traces: each within 2^-24 ≈ 6e-8 of its energy)
    for name, key in (("power-chain losses", "power_chain_loss_kwh"),
                      ("cooling", "cooling_energy_kwh")):
        node = by_name[name]
        assert node[1] == pytest.approx(s[key])
        assert len(node[3]) > 1
        assert sum(c[1] for c in node[3]) == pytest.approx(node[1], rel=6e-8)
    it = children[-1]
    assert it[1] == pytest.approx(s["it_energy_kwh"])
    assert sum(c[1] for c in it[3]) == pytest.approx(it[1], rel=1e-9)
    jobs = it[3][0]
    job_kwh = float(np.sum(run.jobs["energy_kwh"]))
    assert jobs[1] == pytest.approx(job_kwh)
    # Useful work: each training job's energy times its goodput; other jobs count whole.
    g = np.where(np.isfinite(run.jobs["goodput"]), run.jobs["goodput"], 1.0)
    assert 0 < np.nanmin(run.jobs["goodput"]) < 1  # the fixture's training job lost work
    useful, lost = jobs[3]
    assert useful[1] == pytest.approx(float(np.sum(run.jobs["energy_kwh"] * g)))
    assert useful[1] + lost[1] == pytest.approx(job_kwh)
    assert notes == []


def test_energy_flow_without_facility(sim_h5):
    (label, it, _, children), notes = plots.energy_flows(Run(sim_h5))
    assert label == "IT (servers)"
    assert any("no facility model" in n for n in notes)
    assert sum(c[1] for c in children) == pytest.approx(it)


def test_rack_matrix_block_averages(sim_h5):
    run = Run(sim_h5)
    import h5py
    with h5py.File(sim_h5, "r") as f:
        full = f["racks/power_w"][...]
    times, edges, m = run.rack_matrix(max_rows=1000, max_cols=1000)
    assert m.shape == full.shape and np.allclose(m, full)
    times, edges, m = run.rack_matrix(max_rows=4, max_cols=2)
    assert m.shape[0] <= 4 and m.shape[1] == 2
    assert list(edges) == [0, 2, 3]
    # Equal intervals: the mean over everything is kept.
    assert np.nanmean(m[:, 1]) == pytest.approx(full[:, 2].mean())


def test_fixed_pue_run_without_weather(mini_replay_h5, tmp_path):
    results = {p: (path, note) for p, path, note in
               plots.plot_run(Run(mini_replay_h5), str(tmp_path), "png")}
    assert results["pue-wetbulb"][0] is None
    assert "constant outdoor air" in results["pue-wetbulb"][1]
    assert all(results[p][0] for p in plots.PANELS if p != "pue-wetbulb")
    (label, grid, _, children), _ = plots.energy_flows(Run(mini_replay_h5))
    by_name = {c[0]: c[1] for c in children}
    # fixed-pue: the overhead = (1.12 - 1) x IT, named as such (not "chillers"), no power chain.
    assert by_name["fixed-PUE overhead"] == pytest.approx(0.12 * by_name["IT (servers)"],
                                                          rel=1e-9)
    assert "cooling" not in by_name and "power-chain losses" not in by_name
    assert list(Run(mini_replay_h5).cooling_components()) == ["fixed-PUE overhead"]


def test_calendar_time_from_the_scenario(facility_h5, sim_h5):
    run = Run(facility_h5)
    start, offset = run.calendar()
    # No site.start in the fixture: the site's default start; Leesburg's EPW says UTC-5.
    assert str(start) == "2023-01-01T00:00:00" and offset == -5.0
    assert str(run.datetimes([86400 + 1800])[0]) == "2023-01-02T00:30:00.000"
    assert run.time_zone_label() == "local standard time, UTC\u22125"
    assert Run(sim_h5).calendar()[1] is None  # no weather, no time zone
    assert Run(sim_h5).time_zone_label() == "site local standard time"


def test_calendar_time_from_cf_units(facility_h5, tmp_path):
    import shutil
    import h5py
    path = tmp_path / "cf.h5"
    shutil.copy(facility_h5, path)
    with h5py.File(path, "r+") as f:  # a CF time coordinate, as netCDF-4 files carry
        if "time" not in f["facility"]:
            f["facility"].create_dataset("time", data=f["facility/time_s"][...])
        f["facility/time"].attrs["units"] = "seconds since 2023-07-10T00:00:00-05:00"
    run = Run(str(path))
    assert "time" not in run.facility  # a coordinate, not a trace
    assert run.calendar() == (np.datetime64("2023-07-10T00:00:00"), -5.0)
    assert str(run.datetimes([3600.0])[0]) == "2023-07-10T01:00:00.000"
    with h5py.File(path, "r+") as f:
        f["facility/time"].attrs["units"] = "seconds since 2024-03-01 06:30:00 +0530"
    assert Run(str(path)).calendar() == (np.datetime64("2024-03-01T06:30:00"), 5.5)
    assert Run(str(path)).time_zone_label() == "local standard time, UTC+5:30"


def test_zero_components_are_hidden(facility_h5, tmp_path):
    import shutil
    import h5py
    path = tmp_path / "zero.h5"
    shutil.copy(facility_h5, path)
    with h5py.File(path, "r+") as f:
        drawn = [k for k, ds in f["facility/cooling"].items() if np.any(ds[...])]
        assert len(drawn) > 1
        f["facility/cooling"][drawn[0]][...] = 0.0  # a component that drew nothing
    run = Run(str(path))
    names = set(run.cooling_components())
    assert drawn[0][:-2] not in names and drawn[1][:-2] in names
    assert all(np.any(v) for v in run.cooling_components().values())


def test_inlet_colour_scale_spans_the_recommended_envelope(facility_h5, tmp_path):
    import matplotlib.pyplot as plt
    run = Run(facility_h5)
    fig = plt.figure()
    plots.panel_racks(run, fig)
    mesh = fig.axes[0].collections[0]
    lo, hi = plots.INLET_RECOMMENDED_C
    assert mesh.norm.vmin <= lo and mesh.norm.vmax >= hi
    plt.close(fig)


def test_power_stack_reaches_the_grid_meter(facility_h5):
    # The stacked components (zero ones hidden) add up to the metered total in every interval.
    run = Run(facility_h5)
    parts = [run.facility["it_power_w"], *run.loss_components().values(),
             *run.cooling_components().values()]
    other = run.series("other_power_w")
    if other is not None:
        parts.append(other)
    total = run.total_power_w()
    assert np.allclose(np.sum(parts, axis=0), total, rtol=1e-9, atol=1e-6 * total.max())
