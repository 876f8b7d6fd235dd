"""KPIs of several runs side by side: a markdown (or CSV) table and bar charts.

Inputs: Joule HDF5 files, or one sweep summary CSV (`joule sweep` writes one row per variant).
A CSV column is a KPI when its name is a /summary key (it_energy_kwh, pue, co2e_t, ...); the
run label is the first of the columns variant, name, scenario, id (else the row number); rows
whose status/error column says the variant failed are listed as failed and left out of charts.
"""

import csv
import math
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from joule_analysis import kpi, tables  # noqa: E402
from joule_analysis.runfile import Run, labels_for  # noqa: E402

# KPIs drawn as bar charts when at least one run has them.
CHART_KPIS = ["it_energy_mwh", "facility_energy_mwh", "pue", "co2e_t", "peak_facility_power_kw",
              "water_m3", "cost_usd", "mean_wait_h"]
LABEL_COLUMNS = ("variant", "name", "scenario", "id")


def from_files(paths):
    runs = [Run(p) for p in paths]
    return labels_for(runs), [kpi.kpis(r) for r in runs], []


def _number(text):
    try:
        v = float(text)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def from_sweep_csv(path):
    """(labels, kpi dicts, failed [(label, reason)]) from a sweep summary CSV."""
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        raise ValueError(f"{path}: no rows")
    cols = list(rows[0].keys())
    label_col = next((c for c in LABEL_COLUMNS if c in cols), None)
    sibling = os.path.join(os.path.dirname(os.path.abspath(path)), "summary.h5")
    registry = (kpi.registry_of_file(sibling) if os.path.exists(sibling) else None) or \
        kpi.registry_of_binary()
    by_attr = {k.attr: k for k in kpi.remember(registry)}
    known = {c: by_attr[c.split(".")[-1]] for c in cols if c.split(".")[-1] in by_attr}
    if not known:
        raise ValueError(f"{path}: no KPI columns (expected /summary names such as "
                         f"it_energy_kwh, pue, co2e_t); columns are {', '.join(cols)}")
    labels, dicts, failed = [], [], []
    for i, row in enumerate(rows):
        label = row.get(label_col) if label_col else f"row {i + 1}"
        status = (row.get("status") or "").strip().lower()
        error = (row.get("error") or "").strip()
        if status in ("failed", "error") or (error and status not in ("ok", "done")):
            failed.append((label, error or status))
            continue
        d = {k.key: None for k in registry}
        for col, k in known.items():
            v = _number(row.get(col))
            d[k.key] = None if v is None else v * k.scale
        labels.append(label)
        dicts.append(d)
    return labels, dicts, failed


def load(inputs):
    if len(inputs) == 1 and inputs[0].lower().endswith(".csv"):
        return from_sweep_csv(inputs[0])
    bad = [p for p in inputs if p.lower().endswith(".csv")]
    if bad:
        raise ValueError("give either HDF5 files or one sweep summary CSV, not both")
    return from_files(inputs)


def table(labels, dicts, fmt="markdown", per_row=False, relative=False):
    """KPIs as rows and one column per run (per_row=True: one row per run)."""
    keys = [k for k in kpi.present_rows(dicts) if k not in kpi.CHECK_ROWS]
    if relative and len(dicts) > 1:
        base = dicts[0]
        rel = []
        for d in dicts:
            r = {}
            for k in keys:
                a, b = d.get(k), base.get(k)
                r[k] = None if a is None or not b else f"{100.0 * (a - b) / b:+.1f} %"
            rel.append(r)
        dicts = rel
    cell = (lambda v: v) if fmt == "csv" else kpi.fmt
    if per_row:
        header = ["run"] + [kpi.LABELS[k] for k in keys]
        rows = [[lab] + [cell(d.get(k)) for k in keys] for lab, d in zip(labels, dicts)]
    else:
        header = ["KPI"] + list(labels)
        rows = [[kpi.LABELS[k]] + [cell(d.get(k)) for d in dicts] for k in keys]
    return tables.to_csv(header, rows) if fmt == "csv" else tables.markdown(header, rows)


def bar_charts(labels, dicts, outdir, fmt="png"):
    """One figure with a bar chart per KPI present; returns its path (None if nothing)."""
    keys = [k for k in CHART_KPIS if any(d.get(k) is not None for d in dicts)]
    if not keys:
        return None
    os.makedirs(outdir, exist_ok=True)
    ncols = 2 if len(keys) > 1 else 1
    nrows = math.ceil(len(keys) / ncols)
    height = max(2.5, 0.28 * len(labels) + 1.2)
    fig, axes = plt.subplots(nrows, ncols, figsize=(6.5 * ncols, height * nrows), squeeze=False)
    for ax, key in zip(axes.ravel(), keys):
        vals = [d.get(key) for d in dicts]
        ys = list(range(len(labels)))
        ax.barh(ys, [0 if v is None else v for v in vals], color="#4C72B0")
        for y, v in zip(ys, vals):
            ax.text(0 if v is None else v, y, " " + kpi.fmt(v), va="center", fontsize="small")
        ax.set_yticks(ys)
        ax.set_yticklabels(labels, fontsize="small")
        ax.invert_yaxis()
        ax.set_title(kpi.LABELS[key])
        ax.grid(alpha=0.3, axis="x")
        if key == "pue":
            present = [v for v in vals if v is not None]
            if present:
                ax.set_xlim(1.0, max(present) * 1.05 + 0.01)
    for ax in axes.ravel()[len(keys):]:
        ax.axis("off")
    fig.tight_layout()
    path = os.path.join(outdir, f"compare.{fmt}")
    meta = {"Date": None} if fmt == "svg" else ({"CreationDate": None} if fmt == "pdf" else None)
    fig.savefig(path, dpi=120, metadata=meta)
    plt.close(fig)
    return path
