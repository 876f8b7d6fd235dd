"""The joule module's tests: they import the module from $JOULE_PYTHON_DIR, else the
repository's build/python (the README's build makes it); without it they are skipped, saying so.
"""

import os
import sys

import pytest

REPO = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
PYDIR = os.environ.get("JOULE_PYTHON_DIR") or os.path.join(REPO, "build", "python")
sys.path.insert(0, PYDIR)
sys.path.insert(0, os.path.join(REPO, "python", "examples"))

try:
    import joule  # noqa: F401
except ImportError as e:  # not built (no pybind11 or Python headers)
    pytest.skip(f"the joule module is not built in {PYDIR} ({e})", allow_module_level=True)

# 8 DGX H100 nodes, a day of random GPU jobs that queue (about 130 % of the nodes asked for), a
# site with carbon and price data, a power chain and a cooling plant.
DATA = os.path.join(REPO, "scenarios", "data")
QUEUED = f"""\
name: queued
seed: 3
duration: 1 d
site:
  weather: {DATA}/weather/USA_CA_San.Jose-Mineta.epw
  carbon: {DATA}/carbon/US-CAL-CISO_2023_hourly.csv
  start: 2023-06-05T00:00
cluster:
  racks: {{count: 4, nodes_per_rack: 2}}
  node: {{type: dgx-h100}}
power_chain:
  ups: {{type: double-conversion}}
cooling: {{type: chilled-water}}
workload:
  generator: gpu-jobs
  arrivals: {{process: poisson, mean_interarrival: 40 min}}
  gpus: {{values: [8, 16, 32], weights: [0.5, 0.3, 0.2]}}
  duration: {{lognormal: {{median: 2 h, sigma: 1.0}}}}
scheduler: {{policy: fifo}}
output: {{facility_interval: 15 min, rack_interval: 1 h}}
"""


@pytest.fixture
def queued_yaml(tmp_path):
    path = tmp_path / "queued.yaml"
    path.write_text(QUEUED)
    return str(path)
