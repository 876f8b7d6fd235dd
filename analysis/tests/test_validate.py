"""validate: the case contract, the tolerance rule, probes through their stdin/stdout contract,
and the shipped suite's cases all loading."""

import json
import os
import stat

import pytest

from joule_analysis import cli, validate


def _write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def _fake_probe(folder, name, values):
    """An executable honouring the probe contract: reads the JSON list of inputs, prints
    `values` (checking it got one input per value)."""
    path = os.path.join(folder, "probe_" + name)
    _write(path, "#!/usr/bin/python3\nimport json, sys\n"
                 "points = json.load(sys.stdin)\n"
                 f"values = {json.dumps(values)}\n"
                 "assert len(points) == len(values), points\n"
                 "print(json.dumps(values))\n")
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR)
    return path


PROBE_CASE = """\
name: two points
source: a test
kind: probe
input: x
predicted: y
unit: W
tolerance: {relative: 0.05}
probe: twice
points:
  - {inputs: {x: 1}, published: 100}
  - {inputs: {x: 2}, published: 200, tolerance: {absolute: 3}}
"""


def test_within_relative_and_absolute():
    assert validate.within(104.9, 100, {"relative": 0.05}) == (True, pytest.approx(0.049))
    assert validate.within(105.1, 100, {"relative": 0.05})[0] is False
    assert validate.within(97.5, 100, {"absolute": 2.5})[0] is True
    assert validate.within(97.4, 100, {"absolute": 2.5})[0] is False
    assert validate.within(None, 100, {"relative": 0.5}) == (False, None)
    assert validate.within(float("nan"), 100, {"relative": 0.5})[0] is False


def test_probe_case_passes_and_fails_by_its_tolerances(tmp_path):
    cases = tmp_path / "validation"
    path = _write(str(cases / "compute" / "two.yaml"), PROBE_CASE)
    probes = str(tmp_path / "probes")
    os.makedirs(probes)
    # 104 is within 5 % of 100; 202.9 within 3 W of 200.
    _fake_probe(probes, "twice", [104, 202.9])
    rows, failures = validate.validate([validate.load_case(path)], None, probes, str(tmp_path))
    assert failures == []
    assert [r[-1] for r in rows] == ["ok", "ok"]
    assert rows[0][5] == pytest.approx(4.0)  # error in percent, a number (formatted on output)
    # 106 is 6 % off; 196.9 is 3.1 W off.
    _fake_probe(probes, "twice", [106, 196.9])
    rows, failures = validate.validate([validate.load_case(path)], None, probes, str(tmp_path))
    assert [r[-1] for r in rows] == ["FAIL", "FAIL"]
    assert len(failures) == 2


def test_cli_exit_status(tmp_path, capsys):
    cases = tmp_path / "validation"
    _write(str(cases / "compute" / "two.yaml"), PROBE_CASE)
    probes = str(tmp_path / "probes")
    os.makedirs(probes)
    _fake_probe(probes, "twice", [100, 200])
    argv = ["validate", "--cases", str(cases), "--probes", probes, "--outputs", str(tmp_path)]
    assert cli.main(argv) == 0
    assert "| compute/two.yaml" in capsys.readouterr().out
    _fake_probe(probes, "twice", [150, 200])
    assert cli.main(argv) == 1
    assert "out of tolerance" in capsys.readouterr().err
    # A probe that is not built is a failed case, not a pass.
    os.remove(os.path.join(probes, "probe_twice"))
    assert cli.main(argv) == 1


@pytest.mark.parametrize("text,message", [
    (PROBE_CASE.replace("kind: probe", "kind: guess"), "kind must be one of"),
    (PROBE_CASE.replace("source: a test\n", ""), "missing source"),
    (PROBE_CASE.replace("{relative: 0.05}", "{relative: -1}"), "must be a positive number"),
    (PROBE_CASE.replace("{relative: 0.05}", "{within: 1}"), "tolerance must be"),
    (PROBE_CASE.replace("published: 100}", "}"), "points[0] must be"),
    (PROBE_CASE.replace("probe: twice\n", ""), "needs probe"),
    ("name: x\nsource: y\nkind: scenario\ninput: a\npredicted: b\nunit: MWh\n"
     "tolerance: {relative: 0.1}\nscenario: nowhere.yaml\nmetric: it_energy_kwh\npublished: 1\n",
     "scenario nowhere.yaml not found"),
    ("a: [unclosed\n", "not valid YAML"),
])
def test_malformed_cases_are_exit_2(tmp_path, capsys, text, message):
    cases = tmp_path / "validation"
    _write(str(cases / "compute" / "bad.yaml"), text)
    assert cli.main(["validate", "--cases", str(cases), "--probes", str(tmp_path)]) == 2
    assert message in capsys.readouterr().err


def test_shipped_cases_follow_the_contract():
    paths = validate.discover(validate.default_cases_dir())
    assert paths, "validation/ has no cases"
    for p in paths:
        case = validate.load_case(p)
        assert case["source"].strip()
        # Every shipped case states a tolerance no looser than 15 % when relative.
        assert case["tolerance"].get("relative", 0) <= 0.15


def test_distribution_metrics_from_a_histogram(tmp_path):
    import h5py
    import numpy as np
    path = str(tmp_path / "hist.h5")
    with h5py.File(path, "w") as f:
        g = f.create_group("gpu_power")
        g["bin_edges_w"] = np.array([0.0, 100.0, 200.0, 300.0])
        # Two intervals; over both: 30 GPU-s in [0, 100), 0 in [100, 200), 70 in [200, 300).
        g["gpu_seconds"] = np.array([[10.0, 0.0, 30.0], [20.0, 0.0, 40.0]])
    assert validate.distribution_metric("gpu_power_fraction_below_w", path, {"w": 100}) == \
        pytest.approx(0.3)
    assert validate.distribution_metric("gpu_power_fraction_below_w", path, {"w": 250}) == \
        pytest.approx(0.3 + 0.35)
    # The median lies in the top bin: 0.3 + 0.7·(q_w − 200)/100 = 0.5 ⇒ 228.6 W.
    assert validate.distribution_metric("gpu_power_quantile_w", path, {"q": 0.5}) == \
        pytest.approx(200 + 100 * 0.2 / 0.7)


def test_known_gap_is_listed_apart_and_fails_when_strict_or_closed(tmp_path, capsys):
    cases = tmp_path / "validation"
    _write(str(cases / "compute" / "gap.yaml"),
           PROBE_CASE + 'known_gap: "the model misses the memory-bound share"\n')
    probes = str(tmp_path / "probes")
    os.makedirs(probes)
    argv = ["validate", "--cases", str(cases), "--probes", probes, "--outputs", str(tmp_path)]
    _fake_probe(probes, "twice", [150, 200])
    assert cli.main(argv) == 0
    captured = capsys.readouterr()
    assert "GAP" in captured.out
    assert "known gap" in captured.err and "memory-bound share" in captured.err
    assert cli.main(argv + ["--strict"]) == 1
    # Closed gap: the flag must go.
    _fake_probe(probes, "twice", [100, 200])
    assert cli.main(argv) == 1
    assert "remove the flag" in capsys.readouterr().err
