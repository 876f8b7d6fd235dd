"""Key performance indicators of a run: /summary in display units, plus checks against traces.

Which KPIs exist, their units and labels come from the simulator's KPI registry (stored in
every output file's root attribute `kpi_registry`; `joule kpis --json` prints it), never from a
list kept here. Every KPI comes from /summary (what the simulator computed) converted to
display units (kWh -> MWh, s -> h); the
trace integrals are recomputed from /facility so that a reader can see the file is
self-consistent (Σ P·dt equals the summary's energy to rounding). A KPI the scenario has no
model for (no facility → no PUE) is None and prints as "-".
"""

import json
import math
import os
import shutil
import subprocess

import h5py
import numpy as np

# Display units: (unit in the registry, name suffix) -> (display unit, name suffix, scale).
# A unit conversion table, not a KPI list: the KPIs themselves come from the registry.
DISPLAY = {
    ("kWh", "_kwh"): ("MWh", "_mwh", 1e-3),
    ("s", "_s"): ("h", "_h", 1 / 3600),
}
# Topics left out of KPI tables: engine bookkeeping that differs between identical runs.
HIDDEN_TOPICS = ("engine",)


class Kpi:
    """One registry entry as displayed: key, label with unit, /summary attribute, scale."""

    def __init__(self, entry):
        self.attr = entry["name"]
        self.unit = entry.get("unit", "")
        self.topic = entry.get("topic", "")
        self.description = entry.get("description", "")
        # Non-empty for a KPI whose positive value is a warning: what it means.
        self.warning = entry.get("warning", "")
        self.key, self.scale, shown = self.attr, 1.0, self.unit
        for (unit, suffix), (to_unit, to_suffix, scale) in DISPLAY.items():
            if self.unit == unit and self.attr.endswith(suffix):
                self.key = self.attr[:-len(suffix)] + to_suffix
                self.scale, shown = scale, to_unit
        label = entry.get("label") or self.attr
        self.plain_label = label  # without the unit
        self.label = label if shown in ("", "1") else f"{label} ({shown})"


def parse_registry(text):
    """[Kpi] from the registry's JSON (as `joule kpis --json` prints it and every output file
    stores in its root attribute kpi_registry), without the hidden topics."""
    return [Kpi(e) for e in json.loads(text) if e.get("topic") not in HIDDEN_TOPICS]


def registry_of_file(path):
    """The registry a Joule HDF5 file (a run, or a sweep's summary.h5) was written with, or
    None when it predates the registry."""
    with h5py.File(path, "r") as f:
        text = f.attrs.get("kpi_registry")
    if text is None:
        return None
    return parse_registry(text.decode() if isinstance(text, bytes) else str(text))


def registry_of_binary():
    """The registry of the `joule` binary: $JOULE_BIN, else `joule` on PATH, else the
    repository's build/joule."""
    here = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    for binary in (os.environ.get("JOULE_BIN"), shutil.which("joule"),
                   os.path.join(here, "build", "joule")):
        if binary and os.access(binary, os.X_OK):
            out = subprocess.run([binary, "kpis", "--json"], capture_output=True, text=True)
            if out.returncode == 0:
                return parse_registry(out.stdout)
    raise FileNotFoundError("no KPI registry: give an output file written by joule, or set "
                            "JOULE_BIN to a joule binary (`joule kpis --json` lists it)")


def registry_of_run(run):
    text = run.attrs.get("kpi_registry")
    if text is not None:
        return parse_registry(text)
    # A file from before the registry: its /summary names, unconverted.
    return [Kpi({"name": k, "label": k}) for k in run.summary]


# Derived rows: trace integrals, for the self-consistency check.
CHECK_LABELS = {
    "it_energy_trace_mwh": "IT energy, trace integral (MWh)",
    "facility_energy_trace_mwh": "facility energy, trace integral (MWh)",
    "trace_check": "summary = trace integral",
}
CHECK_ROWS = tuple(CHECK_LABELS)
# Labels of every key seen so far (registry KPIs are added as runs are read).
LABELS = dict(CHECK_LABELS)

# Relative tolerance of the trace check: the traces are float64 interval averages whose sum
# reproduces the totals to rounding (docs/output-format.md).
TRACE_RTOL = 1e-6


def remember(registry):
    for k in registry:
        LABELS.setdefault(k.key, k.label)
    return registry


def kpis(run):
    """{kpi key: value or None} for one Run, in display units, in registry order, then the
    trace integrals and the check ("ok" or what differs)."""
    out = {}
    for k in remember(registry_of_run(run)):
        v = run.summary.get(k.attr)
        out[k.key] = None if v is None or not math.isfinite(v) else v * k.scale
    it_trace = run.integral_kwh(run.facility["it_power_w"]) / 1e3
    out["it_energy_trace_mwh"] = it_trace
    total = run.total_power_w()
    out["facility_energy_trace_mwh"] = None if total is None else run.integral_kwh(total) / 1e3
    out["trace_check"] = trace_check(out)
    return out


def _close(a, b, rtol=TRACE_RTOL):
    return abs(a - b) <= rtol * max(abs(a), abs(b), 1e-12)


def trace_check(k):
    problems = []
    if k.get("it_energy_mwh") is not None and not _close(k["it_energy_mwh"],
                                                     k["it_energy_trace_mwh"]):
        problems.append("IT %.6g != %.6g" % (k["it_energy_mwh"], k["it_energy_trace_mwh"]))
    if k.get("facility_energy_mwh") is not None and k["facility_energy_trace_mwh"] is not None \
            and not _close(k["facility_energy_mwh"], k["facility_energy_trace_mwh"]):
        problems.append("facility %.6g != %.6g" % (k["facility_energy_mwh"],
                                                   k["facility_energy_trace_mwh"]))
    return "ok" if not problems else "MISMATCH: " + "; ".join(problems)


def present_rows(kpi_dicts):
    """KPI keys with a value in at least one run, in the order of the runs' registries (absent
    models leave no empty rows), then the trace check rows."""
    keys = []
    for d in kpi_dicts:
        keys += [k for k in d if k not in keys and k not in CHECK_ROWS]
    keys += list(CHECK_ROWS)
    return [k for k in keys if any(d.get(k) is not None for d in kpi_dicts)]


def fmt(v):
    """Human formatting: thousands separators for large values, 4 significant digits else."""
    if v is None:
        return "-"
    if isinstance(v, str):
        return v
    if isinstance(v, (float, np.floating)) and not math.isfinite(v):
        return "-"
    a = abs(v)
    if float(v).is_integer() and a < 1e15:
        return f"{int(v):,}"
    if a >= 1000:
        return f"{v:,.0f}"
    if a >= 100:
        return f"{v:.1f}"
    if a == 0:
        return "0"
    return f"{v:.4g}"
