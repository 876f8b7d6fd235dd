"""Key performance indicators of a run: /summary in display units, plus checks against traces.

Every KPI comes from /summary (what the simulator computed) converted to display units; the
trace integrals are recomputed from /facility so that a reader can see the file is
self-consistent (Σ P·dt equals the summary's energy to rounding). A KPI the scenario has no
model for (no facility → no PUE) is None and prints as "-".
"""

import math

import numpy as np

# (key, label, /summary attribute, scale to display units)
KPIS = [
    ("simulated_d", "simulated time (d)", "simulated_s", 1 / 86400),
    ("it_energy_mwh", "IT energy (MWh)", "it_energy_kwh", 1e-3),
    ("facility_energy_mwh", "facility energy (MWh)", "facility_energy_kwh", 1e-3),
    ("cooling_energy_mwh", "cooling energy (MWh)", "cooling_energy_kwh", 1e-3),
    ("power_chain_loss_mwh", "power-chain losses (MWh)", "power_chain_loss_kwh", 1e-3),
    ("pue", "PUE", "pue", 1.0),
    ("peak_it_power_kw", "peak IT power (kW)", "peak_it_power_kw", 1.0),
    ("peak_facility_power_kw", "peak facility power (kW)", "peak_facility_power_kw", 1.0),
    ("p99_facility_power_kw", "p99 facility power (kW)", "p99_facility_power_kw", 1.0),
    ("co2e_t", "emissions (tCO2e)", "co2e_t", 1.0),
    ("water_m3", "water (m3)", "water_m3", 1.0),
    ("wue_l_per_kwh", "WUE (L/kWh)", "wue_l_per_kwh", 1.0),
    ("cue_kg_per_kwh", "CUE (kgCO2e/kWh)", "cue_kg_per_kwh", 1.0),
    ("cost_usd", "energy cost (USD)", "cost_usd", 1.0),
    ("jobs_submitted", "jobs submitted", "jobs_submitted", 1.0),
    ("jobs_completed", "jobs completed", "jobs_completed", 1.0),
    ("mean_wait_h", "mean queue wait (h)", "mean_wait_s", 1 / 3600),
    ("goodput", "goodput", "goodput", 1.0),
]
LABELS = {k: label for k, label, _, _ in KPIS}
# Derived rows: trace integrals, for the self-consistency check.
LABELS["it_energy_trace_mwh"] = "IT energy, trace integral (MWh)"
LABELS["facility_energy_trace_mwh"] = "facility energy, trace integral (MWh)"
LABELS["trace_check"] = "summary = trace integral"
CHECK_ROWS = ("it_energy_trace_mwh", "facility_energy_trace_mwh", "trace_check")

# Relative tolerance of the trace check: the traces are float64 interval averages whose sum
# reproduces the totals to rounding (docs/output-format.md).
TRACE_RTOL = 1e-6


def kpis(run):
    """{kpi key: value or None} for one Run, in display units, in KPIS order, then the trace
    integrals and the check ("ok" or what differs)."""
    out = {}
    for key, _, attr, scale in KPIS:
        v = run.summary.get(attr)
        out[key] = None if v is None or not math.isfinite(v) else v * scale
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
    if k["it_energy_mwh"] is not None and not _close(k["it_energy_mwh"],
                                                     k["it_energy_trace_mwh"]):
        problems.append("IT %.6g != %.6g" % (k["it_energy_mwh"], k["it_energy_trace_mwh"]))
    if k["facility_energy_mwh"] is not None and k["facility_energy_trace_mwh"] is not None \
            and not _close(k["facility_energy_mwh"], k["facility_energy_trace_mwh"]):
        problems.append("facility %.6g != %.6g" % (k["facility_energy_mwh"],
                                                   k["facility_energy_trace_mwh"]))
    return "ok" if not problems else "MISMATCH: " + "; ".join(problems)


def present_rows(kpi_dicts):
    """KPI keys with a value in at least one run (absent models leave no empty rows)."""
    keys = [k for k, *_ in KPIS] + ["it_energy_trace_mwh", "facility_energy_trace_mwh",
                                    "trace_check"]
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
