"""Joule from Python: load and run scenarios, sweeps, the model and KPI registries, scheduling
policies written in Python, and a step environment for controllers (joule.Env).

Import path: build/python after the README's build (PYTHONPATH=build/python); it holds this
package with its compiled core (_core) and joule_analysis, the analysis package, so that both
import from one path and name each KPI alike (the KPI registry's names, as in /summary).

    import joule
    sc = joule.load("scenarios/default.yaml", set=["duration=6 h"])
    result = joule.run(sc)                 # in memory: summary + traces
    result.summary.loc["facility_energy_kwh"]
    result.facility["it_power_w"].plot()   # xarray, time in the site's calendar

Times are seconds and powers watts (floats) wherever a name does not say otherwise.
"""

import json
import os
import tempfile

from . import _core
from ._core import (Job, JobEstimate, JobState, Node, NodeState, OutputError, PolicyError,
                    Scenario, ScenarioError, SchedulerContext)
from .env import Env
from .policy import Policy, register_policy

__all__ = ["Env", "Job", "JobEstimate", "JobState", "Node", "NodeState", "OutputError",
           "Policy", "PolicyError", "Result", "Scenario", "ScenarioError", "SchedulerContext",
           "kpis", "list_models", "load", "models", "policies", "register_policy", "run",
           "summary", "sweep", "validate"]


# The step environment's internal policy (python/step.cpp): registered, but not for scenarios.
_GATE = "joule-env-gate"


def load(source, set=(), seed=None, name=None, base_dir=None):
    """A scenario from a file path, YAML text or a dict, validated as `joule run` validates it.

    A dict is written out as YAML (its errors point into that text, named `name` or "<dict>");
    YAML text is any str containing a newline or a ':' that is not an existing file. Relative
    data paths resolve against base_dir (default: the current folder; a file's own folder for a
    file). `set` takes `joule run --set` assignments ("path.to.key=value"). Bad input raises
    ScenarioError, whose file, line and column locate the problem."""
    sets = [str(s) for s in set]
    if isinstance(source, Scenario):
        return source
    if isinstance(source, dict):
        import yaml
        text = yaml.safe_dump(source, sort_keys=False, allow_unicode=True)
        return _core.load_text(text, name or "<dict>", base_dir or os.getcwd(), sets, seed)
    source = os.fspath(source)
    if os.path.exists(source) or ("\n" not in source and not source.lstrip().startswith("{")
                                  and ": " not in source):
        return _core.load_file(source, sets, seed)
    return _core.load_text(source, name or "<text>", base_dir or os.getcwd(), sets, seed)


def validate(source, **kw):
    """Loads and builds the scenario's world without running it (as `joule validate`)."""
    sc = load(source, **kw)
    _core.validate(sc)
    return sc


def kpis():
    """The KPI registry (`joule kpis --json`): [{name, unit, label, description, topic, ...}]."""
    return json.loads(_core.kpi_registry_json())


def models(kind=None):
    """The model registry (what `joule list-models` prints) as data: [{kind, name, summary,
    keys: [{name, unit, default, help}]}], every policy registered from Python included."""
    docs = [d for d in _core.model_docs() if d["name"] != _GATE]
    return [d for d in docs if kind is None or d["kind"] == kind]


def list_models(markdown=False):
    """`joule list-models` text (markdown: the scenario reference)."""
    return _core.list_models_text(markdown)


def policies():
    """Names of every registered scheduling policy (C++ and Python)."""
    return [n for n in _core.policy_names() if n != _GATE]


def _summary_frame(values):
    import pandas as pd
    rows = []
    for k in kpis():
        v = values.get(k["name"])
        rows.append({"name": k["name"], "value": float("nan") if v is None else v,
                     "unit": k.get("unit", ""), "label": k.get("label", ""),
                     "topic": k.get("topic", "")})
    return pd.DataFrame(rows).set_index("name")


class Result:
    """A finished run: `summary` (pandas, one row per KPI: value, unit, label, topic; NaN for a
    KPI the scenario has no model for), `values` ({KPI name: value or None}), the traces as
    xarray Datasets (`facility`, `racks`, `gpu_power`, and `cooling`/`losses` where the
    scenario has them; None otherwise), `jobs` (pandas, one row per job), `notes` (warnings),
    and `path`: the HDF5 file, or None for an in-memory run."""

    def __init__(self, summary, path, keep):
        import xarray as xr
        self.values = dict(summary["values"])
        self.notes = list(summary["notes"])
        self.tariff = summary["tariff"]
        self.summary = _summary_frame(self.values)
        self.path = path if keep else None
        groups = {"facility": "facility", "cooling": "facility/cooling",
                  "losses": "facility/losses", "racks": "racks", "gpu_power": "gpu_power",
                  "jobs": "jobs"}
        import h5py
        with h5py.File(path, "r") as f:
            present = {k: g for k, g in groups.items() if g in f}
        for attr, group in groups.items():
            ds = None
            if attr in present:
                with xr.open_dataset(path, group=group, engine="h5netcdf") as opened:
                    ds = opened.load()
            setattr(self, attr, ds)
        self.jobs = None if self.jobs is None else self.jobs.to_dataframe()

    def run_file(self):
        """joule_analysis.runfile.Run of the output file (for its plots and checks)."""
        if self.path is None:
            raise ValueError("an in-memory run keeps no file: run(..., output=PATH)")
        from joule_analysis.runfile import Run
        return Run(self.path)

    def __repr__(self):
        where = self.path or "in memory"
        return f"<joule.Result ({where}): {len(self.values)} KPIs>"


def run(source, output=None, force=False, **load_kw):
    """Runs a scenario (a Scenario, or anything load() takes, with its keywords).

    With `output`, writes the HDF5 file as `joule run -o` does (renamed into place only when the
    run completed) and returns a Result reading it; without, runs into a temporary file that is
    read into memory and removed. A policy that raises stops the run with PolicyError and leaves
    no output file."""
    sc = load(source, **load_kw)
    if output is not None:
        summary = _core.run(sc, os.fspath(output), force)
        return Result(summary, os.fspath(output), keep=True)
    with tempfile.TemporaryDirectory(prefix="joule-") as tmp:
        path = os.path.join(tmp, "run.h5")
        summary = _core.run(sc, path, False)
        return Result(summary, path, keep=False)


def summary(path):
    """The KPIs of a finished run file (`joule summary`), as the pandas table Result has."""
    return _summary_frame(_core.read_summary(os.fspath(path))["values"])


def sweep(path, output=None, jobs=1, force=False, check=True):
    """Runs a sweep file (docs/sweeps.md) as `joule sweep` does, on `jobs` threads, into
    `output` (default: the sweep file's name). Returns a pandas table, one row per variant:
    name, status, seed, the swept parameters, then every KPI (registry names). Policies
    registered from Python can be swept over (they run in this process)."""
    import pandas as pd
    report = _core.run_sweep(os.fspath(path), os.fspath(output) if output else "", jobs, force,
                             check)
    rows = []
    for v in report["variants"]:
        row = {"name": v["name"], "status": v["status"], "seed": v["seed"], "error": v["error"],
               "output": v["output"]}
        row.update(v["parameters"])
        row.update({k: (float("nan") if x is None else x) for k, x in v["values"].items()})
        rows.append(row)
    table = pd.DataFrame(rows).set_index("name")
    table.attrs.update({k: report[k] for k in ("csv", "h5", "ran", "reused", "failed")})
    return table
