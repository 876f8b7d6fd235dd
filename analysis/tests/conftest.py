"""Fixtures: small HDF5 files produced by the simulator during the test session.

The joule binary is $JOULE_BIN, else ./build/joule from the repository root; without either
every test that needs a run is skipped with a message saying so.
"""

import os
import subprocess
import sys

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
    - {{name: train, submit: 0 h, nodes: 4, duration: 3 h, mfu: {mfu}}}
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


# A miniature replay: 8 TPU v3 hosts at a published 310 W per chip for 2 days, PUE 1.12,
# 545 gCO2e/kWh, then 1 idle day (which the reproduction must not count).
MINI_REPLAY = """\
name: mini-replay
seed: 1
duration: 3 d
site: {carbon: "545 gCO2e/kWh"}
cluster:
  racks: {count: 2, nodes_per_rack: 4}
  node: {type: tpu-v3-host}
cooling: {type: fixed-pue, pue: 1.12}
workload:
  generator: list
  jobs:
    - {name: t5-mini, submit: 0 s, nodes: 8, duration: 2 d, power_per_accelerator: "310 W"}
scheduler: {policy: fifo}
output: {facility_interval: 1 h, rack_interval: 6 h}
"""

DATA = os.path.join(REPO, "scenarios", "data")
FACILITY = """\
name: tiny-facility
seed: 3
duration: 2 d
site:
  weather: {data}/weather/USA_VA_Leesburg.Exec.epw
  carbon: {data}/carbon/US-MIDA-PJM_2023_hourly.csv
  price: {data}/prices/US-MIDA-PJM_2023.csv
cluster:
  racks: {{count: 4, nodes_per_rack: 2}}
  node: {{type: dgx-h100}}
power_chain:
  ups: {{type: double-conversion, redundancy: 2N}}
cooling: {{type: chilled-water, economizer: water-side}}
workload:
  generator: list
  jobs:
    - name: train
      nodes: 8
      training: {{params: 7e9, tokens: 2e10, gpus: 64, mfu: 0.4}}
      failures: {{mtbf_per_gpu: 200 h}}
    - {{name: eval, submit: 1 h, nodes: 2, duration: 3 h, mfu: 0.3}}
scheduler: {{policy: fifo}}
output: {{facility_interval: 5 min, rack_interval: 30 min}}
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
    if path is None and os.environ.get("JOULE_BIN"):
        pytest.skip(f"JOULE_BIN={os.environ['JOULE_BIN']} does not exist")
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
    return _run(joule, runs_dir, "tiny", TINY.format(name="tiny", mfu=0.45))


@pytest.fixture(scope="session")
def sim_h5_b(joule, runs_dir):
    return _run(joule, runs_dir, "tiny-b", TINY.format(name="tiny-b", mfu=0.2))


@pytest.fixture(scope="session")
def replay_like_h5(joule, runs_dir):
    return _run(joule, runs_dir, "replay-like", REPLAY_LIKE)


@pytest.fixture(scope="session")
def mini_replay_h5(joule, runs_dir):
    return _run(joule, runs_dir, "mini-replay", MINI_REPLAY)


@pytest.fixture(scope="session")
def facility_h5(joule, runs_dir):
    """A run with every facility model: site weather, grid carbon and price, a 2N UPS power
    chain, a chilled-water plant with economizer, and a training job with failures (goodput)."""
    return _run(joule, runs_dir, "tiny-facility", FACILITY.format(data=DATA))
