"""The joule module: scenarios (errors as exceptions with their place), runs in memory and to a
file, the registries as data, sweeps."""

import math
import os

import numpy as np
import pytest

import joule

from conftest import QUEUED, REPO


def test_an_error_in_a_file_is_a_scenario_error_with_its_place(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(QUEUED.replace("count: 4, nodes_per_rack: 2", "count: -4, nodes_per_rack: 2"))
    with pytest.raises(joule.ScenarioError) as err:
        joule.validate(str(path))
    e = err.value
    assert e.file == str(path)
    line = QUEUED.splitlines().index("  racks: {count: 4, nodes_per_rack: 2}") + 1
    assert e.line == line
    assert e.column == len("  racks: {count: ") + 1
    assert f"{path}:{line}:{e.column}" in str(e)
    assert isinstance(e, ValueError)


def test_an_error_in_a_dict_points_into_its_yaml():
    import yaml
    d = yaml.safe_load(QUEUED)
    d["cluster"]["node"]["type"] = "dgx-h1000"
    with pytest.raises(joule.ScenarioError) as err:
        joule.validate(d)
    assert err.value.file == "<dict>"
    lines = yaml.safe_dump(d, sort_keys=False).splitlines()
    line = next(i for i, t in enumerate(lines) if t.strip() == "type: dgx-h1000") + 1
    assert err.value.line == line
    assert err.value.column == lines[line - 1].index("dgx-h1000") + 1
    assert "dgx-h100" in str(err.value)  # did you mean


def test_an_unknown_key_and_a_bad_set_are_errors_at_their_place(queued_yaml):
    with pytest.raises(joule.ScenarioError, match="unknown key 'no_such_key'") as err:
        joule.validate(queued_yaml, set=["cooling.no_such_key=3"])
    assert (err.value.file, err.value.line, err.value.column) == ("--set", 1, 9)
    with pytest.raises(joule.ScenarioError, match="path.to.key=value"):
        joule.load(queued_yaml, set=["cooling.no_such_key"])


def test_a_run_in_memory_has_a_summary_with_units_and_traces_that_integrate_to_it(queued_yaml):
    r = joule.run(queued_yaml)
    assert r.path is None
    s = r.summary
    assert s.loc["it_energy_kwh", "unit"] == "kWh"
    # Trace integral = total: interval averages times interval lengths.
    t = r.facility["time_s"].values
    dt = np.diff(np.concatenate(([0.0], t)))
    it_kwh = float(np.sum(r.facility["it_power_w"].values * dt) / 3.6e6)
    assert it_kwh == pytest.approx(s.loc["it_energy_kwh", "value"], rel=1e-6)
    fac_kwh = float(np.sum(r.facility["total_power_w"].values * dt) / 3.6e6)
    assert fac_kwh == pytest.approx(s.loc["facility_energy_kwh", "value"], rel=1e-6)
    assert s.loc["pue", "value"] >= 1.0
    assert r.racks["power_w"].dims == ("time", "rack")
    assert len(r.jobs) > 5 and set(r.jobs["state"]) <= {"queued", "running", "done"}
    # The KPI names are the registry's, the same the analysis package reads from files.
    assert list(s.index) == [k["name"] for k in joule.kpis()]


def test_a_run_to_a_file_equals_the_command_line_summary(queued_yaml, tmp_path):
    out = tmp_path / "q.h5"
    r = joule.run(queued_yaml, output=out)
    assert r.path == str(out) and out.exists()
    from joule_analysis import kpi
    run = r.run_file()
    assert kpi.kpis(run)["trace_check"] == "ok"
    on_disk = joule.summary(out)
    for name, value in r.values.items():
        if value is not None and name != "wall_s":
            assert on_disk.loc[name, "value"] == value
    with pytest.raises(joule.OutputError):  # exists, no force
        joule.run(queued_yaml, output=out)


def test_the_model_registry_is_what_list_models_prints():
    text = joule.list_models()
    policies = {d["name"] for d in joule.models("policy")}
    assert {"fifo", "easy-backfill", "shortest-job-first"} <= policies
    for d in joule.models():
        assert d["name"] in text
    sjf = next(d for d in joule.models("policy") if d["name"] == "shortest-job-first")
    assert any(k["name"] == "max_nodes" and k["default"] == "0" for k in sjf["keys"])


def test_a_sweep_runs_every_variant_through_the_app_layer(queued_yaml, tmp_path):
    sweep = tmp_path / "s.yaml"
    sweep.write_text(f"base: {queued_yaml}\nset: {{duration: 6 h}}\naxes:\n"
                     "  grid: {scheduler.policy: [fifo, shortest-job-first]}\n")
    table = joule.sweep(sweep, output=tmp_path / "out", jobs=2)
    assert list(table["status"]) == ["done", "done"]
    assert list(table["scheduler.policy"]) == ["fifo", "shortest-job-first"]
    assert os.path.exists(table.attrs["csv"])
    for name, row in table.iterrows():
        alone = joule.run(queued_yaml, set=["duration=6 h", f"scheduler.policy={row['scheduler.policy']}"])
        assert row["it_energy_kwh"] == alone.values["it_energy_kwh"]
    # A policy registered from Python is swept like the others (variants on two threads).
    import shortest_job_first  # noqa: F401
    both = tmp_path / "py.yaml"
    both.write_text(f"base: {queued_yaml}\nset: {{duration: 6 h}}\naxes:\n"
                    "  grid: {scheduler.policy: [shortest-job-first-py, shortest-job-first]}\n")
    table = joule.sweep(both, output=tmp_path / "py", jobs=2)
    assert list(table["status"]) == ["done", "done"]
    assert table["it_energy_kwh"].iloc[0] == table["it_energy_kwh"].iloc[1]
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"base: {queued_yaml}\naxes:\n  grid: {{scheduler.policy: [fifo, fifoo]}}\n")
    with pytest.raises(joule.ScenarioError) as err:
        joule.sweep(bad, output=tmp_path / "bad")
    assert "fifoo" in str(err.value)


def test_ctrl_c_stops_a_run_with_keyboard_interrupt_and_leaves_no_file(tmp_path):
    import signal
    import subprocess
    import sys
    import time
    from conftest import PYDIR
    out = tmp_path / "long.h5"
    script = ("import joule, sys\n"
              "print('started', flush=True)\n"
              "try:\n"
              f"    joule.run('{REPO}/scenarios/policies/compare.yaml', output='{out}',\n"
              "              set=['duration=3650 d'])\n"
              "except KeyboardInterrupt:\n"
              "    sys.exit(42)\n")
    proc = subprocess.Popen([sys.executable, "-c", script], env=dict(os.environ, PYTHONPATH=PYDIR),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "started"
    time.sleep(2.0)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 42, err
    assert os.listdir(tmp_path) == []
