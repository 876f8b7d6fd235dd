"""`catalog: my-hardware.yaml`: a user chip and node run end to end; bad catalog input is
file:line:column, exit 2, no output."""

import subprocess

from joule_analysis.runfile import Run

CATALOG = """\
accelerators:
  - id: lab-gpu
    base: a100-sxm-80gb
    tdp: {value: 300 W, kind: spec, source: "lab datasheet"}
nodes:
  - id: lab-node
    base: dgx-a100
    accelerator: lab-gpu
    accelerators: {value: 4, kind: spec, source: "lab datasheet"}
    system_max: {value: 4500 W, kind: estimate, source: "sum of parts"}
"""

SCENARIO = """\
name: lab
duration: 2 h
catalog: hw.yaml
cluster:
  racks: {count: 1, nodes_per_rack: 2}
  node: {type: lab-node}
workload:
  generator: list
  jobs:
    - {name: j, submit: 0 h, nodes: 2, duration: 1 h, mfu: 0.4}
output: {facility_interval: 10 min, rack_interval: 30 min}
"""


def _run(joule, tmp_path, catalog):
    (tmp_path / "hw.yaml").write_text(catalog)
    (tmp_path / "lab.yaml").write_text(SCENARIO)
    out = tmp_path / "lab.h5"
    proc = subprocess.run([joule, "run", str(tmp_path / "lab.yaml"), "-o", str(out), "-q",
                           "--force"], capture_output=True, text=True)
    return proc, out


def test_user_node_runs(joule, tmp_path):
    proc, out = _run(joule, tmp_path, CATALOG)
    assert proc.returncode == 0, proc.stderr
    run = Run(str(out))
    # 2 nodes x 4 lab GPUs.
    assert run.jobs["gpus"][0] == 8
    assert run.summary["it_energy_kwh"] > 0


def test_bad_catalog_is_file_line_column_exit_2_no_output(joule, tmp_path):
    bad = CATALOG.replace('source: "lab datasheet"}\nnodes', '}\nnodes')
    proc, out = _run(joule, tmp_path, bad)
    assert proc.returncode == 2
    assert "hw.yaml:4:" in proc.stderr
    assert not out.exists()
