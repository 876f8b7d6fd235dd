"""Fixtures: small HDF5 files produced by the simulator during the test session.

The joule binary is $JOULE_BIN, else ./build/joule from the repository root; without either
every test that needs a run is skipped with a message saying so.
"""

import os
import shutil
import subprocess
import sys

import h5py
import numpy as np
import pytest

REPO = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "analysis"))  # the joule_analysis package

TINY = """\
name: {name}
seed: 7
duration: 6 h
cluster:
  racks: {{count: 3, nodes_per_rack: 2}}
  node: {{type: dgx-h100}}
workload:
  generator: list
  jobs:
    - {{name: train, submit: 0 h, nodes: 4, duration: 3 h, utilization: {util}}}
    - {{name: eval, submit: 30 min, nodes: 2, duration: 1 h, utilization: 0.5}}
    - {{name: late, submit: 2 h, nodes: 6, duration: 150 min, utilization: 1}}
scheduler: {{policy: fifo}}
output: {{facility_interval: 5 min, rack_interval: 15 min}}
"""

# A replay-style run the current World already supports: 8 TPU v3 hosts (32 chips) held at a
# fixed wall power of 4 x 310 W by the linear node model for 2 days.
REPLAY_LIKE = """\
name: replay-like
seed: 1
duration: 2 d
cluster:
  racks: {count: 2, nodes_per_rack: 4}
  node: {type: tpu-v3-host, model: linear, idle_power: 1240 W, max_power: 1240 W}
workload:
  generator: list
  jobs:
    - {name: t5-mini, submit: 0 h, nodes: 8, duration: 2 d, utilization: 1}
scheduler: {policy: fifo}
output: {facility_interval: 1 h, rack_interval: 6 h}
"""


def joule_bin():
    env = os.environ.get("JOULE_BIN")
    if env:
        return env if os.path.isfile(env) else None
    local = os.path.join(REPO, "build", "joule")
    return local if os.path.isfile(local) else None


@pytest.fixture(scope="session")
def joule():
    path = joule_bin()
    if path is None:
        pytest.skip("no joule binary: set JOULE_BIN or build ./build/joule "
                    "(scripts/build.sh) to run the analysis tests on simulator output")
    return path


def _run(joule, tmp, name, text):
    scenario = tmp / f"{name}.yaml"
    scenario.write_text(text)
    out = tmp / f"{name}.h5"
    proc = subprocess.run([joule, "run", str(scenario), "-o", str(out), "--force", "-q"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return str(out)


@pytest.fixture(scope="session")
def runs_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("runs")


@pytest.fixture(scope="session")
def sim_h5(joule, runs_dir):
    return _run(joule, runs_dir, "tiny", TINY.format(name="tiny", util=0.9))


@pytest.fixture(scope="session")
def sim_h5_b(joule, runs_dir):
    return _run(joule, runs_dir, "tiny-b", TINY.format(name="tiny-b", util=0.4))


@pytest.fixture(scope="session")
def replay_like_h5(joule, runs_dir):
    return _run(joule, runs_dir, "replay-like", REPLAY_LIKE)


@pytest.fixture(scope="session")
def facility_h5(sim_h5, runs_dir):
    """The simulator's tiny run with the facility datasets of docs/output-format.md added
    (power chain, cooling components, weather, carbon, rack inlet temperatures, per-job
    goodput), consistent with its IT trace: until the World records them, this exercises the
    panels that need a facility model. Losses and cooling are simple functions of IT power and
    wet-bulb; totals are integrals of the traces, as the simulator writes them."""
    dst = str(runs_dir / "tiny-facility.h5")
    shutil.copy(sim_h5, dst)
    with h5py.File(dst, "r+") as f:
        fac = f["facility"]
        t = fac["time_s"][...]
        it = fac["it_power_w"][...]
        dt = np.diff(np.concatenate(([0.0], t)))
        wb = 12.0 + 6.0 * np.sin(2 * np.pi * t / 86400.0)
        losses = {"pdu": 0.015 * it, "ups": 0.03 * it + 200.0, "transformer": 0.01 * it}
        cooling = {"crah_fans": 0.04 * it, "chillers": it * (0.08 + 0.006 * (wb - 12.0)),
                   "towers": 0.01 * it, "pumps": 0.015 * it + 100.0}
        total = it + sum(losses.values()) + sum(cooling.values())
        carbon = 380.0 + 40.0 * np.cos(2 * np.pi * t / 86400.0)

        def put(group, name, data, units):
            ds = group.create_dataset(name, data=data)
            ds.attrs["units"] = units

        lg, cg = fac.create_group("losses"), fac.create_group("cooling")
        for k, v in losses.items():
            put(lg, f"{k}_w", v, "W")
        for k, v in cooling.items():
            put(cg, f"{k}_w", v, "W")
        put(fac, "losses_w", sum(losses.values()), "W")
        put(fac, "cooling_power_w", sum(cooling.values()), "W")
        put(fac, "total_power_w", total, "W")
        put(fac, "pue", total / it, "1")
        put(fac, "energy_kwh", np.cumsum(total * dt) / 3.6e6, "kWh")
        put(fac, "wetbulb_c", wb, "degC")
        put(fac, "outdoor_drybulb_c", wb + 6.0, "degC")
        put(fac, "carbon_gco2_per_kwh", carbon, "gCO2e/kWh")
        rp = f["racks"]["power_w"][...]
        put(f["racks"], "inlet_c", 22.0 + rp / 1e3, "degC")
        s = f["summary"].attrs
        kwh = lambda p: float(np.sum(p * dt) / 3.6e6)  # noqa: E731
        s["facility_energy_kwh"] = kwh(total)
        s["power_chain_loss_kwh"] = kwh(sum(losses.values()))
        s["cooling_energy_kwh"] = kwh(sum(cooling.values()))
        s["pue"] = kwh(total) / s["it_energy_kwh"]
        s["peak_facility_power_kw"] = float(total.max() / 1e3)
        s["co2e_t"] = float(np.sum(total * dt / 3.6e6 * carbon) / 1e6)
        jobs = f["jobs"][...]
        dtype = np.dtype([(n, jobs.dtype.fields[n][0]) for n in jobs.dtype.names] +
                         [("goodput", "<f8")])
        new = np.zeros(jobs.shape, dtype=dtype)
        for name in jobs.dtype.names:
            new[name] = jobs[name]
        new["goodput"] = 0.9
        del f["jobs"]
        f.create_dataset("jobs", data=new)
    return dst
