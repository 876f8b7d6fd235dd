"""KPIs of several runs side by side: a table that fits a terminal, warnings, and charts.

Inputs:
  - a sweep: its folder, its summary.h5 or its summary.csv (`joule sweep`, docs/sweeps.md).
    Variants are grouped by the swept factors (the explicit `variants`, each `grid` key, each
    `sample` range; read from the sweep file stored in summary.h5), each with a short label
    (`chw-econ / Phoenix`, `500 W / 8`); KPIs are plotted against the swept values.
  - Joule HDF5 run files: one row per file, labelled by scenario name.

Bands: a sweep run with `joule sweep --uncertainty N` (summary.h5's /bands, or summary.csv's
`<kpi>_p5/_p95` columns) and run files from `joule run --uncertainty N` (/uncertainty) carry each
KPI's P5-P95 over the sampled coefficients (docs/uncertainty.md); the charts draw them: a shaded
band along a numeric swept value, error bars on bars and sampled points.

Warnings are always printed, naming the variant: unmet cooling heat (the plant could not carry
the load, so its PUE understates the energy a plant that could would use), limits exceeded,
failed variants, traces that do not integrate to the summary.
"""

import math
import os
import re
import shutil
import textwrap

import h5py
import matplotlib
import numpy as np
import pandas as pd
import yaml

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from joule_analysis import kpi  # noqa: E402
from joule_analysis.runfile import Run, labels_for  # noqa: E402

# The KPIs of the terminal table (summary attribute names), in this order, when present; the
# others are in --all, the CSV, the charts' companion table and the HTML report.
CORE = ["it_energy_kwh", "facility_energy_kwh", "grid_import_kwh", "peak_demand_15min_kw",
        "pv_yield_kwh", "pue", "co2e_t", "cost_usd", "water_m3",
        "p95_wait_s", "makespan_s", "gpu_utilization", "cooling_unmet_heat_kwh",
        "power_chain_overload_h"]
# The KPIs drawn against a swept value (when present).
CHART = ["facility_energy_kwh", "grid_import_kwh", "peak_demand_15min_kw", "pue", "co2e_t",
         "cost_usd", "p95_wait_s", "makespan_s",
         "gpu_utilization", "cooling_unmet_heat_kwh", "power_chain_overload_h"]
# Summary keys written by newer simulators that an older kpi list lacks: (attr, key, label,
# scale to display units).
_NEWER = [("p95_wait_s", "p95_wait_h", "p95 queue wait (h)", 1 / 3600),
          ("makespan_s", "makespan_h", "makespan (h)", 1 / 3600),
          ("gpu_utilization", "gpu_utilization", "GPU utilization", 1.0),
          ("cooling_unmet_heat_kwh", "cooling_unmet_heat_mwh", "unmet cooling heat (MWh)", 1e-3),
          ("power_chain_overload_h", "power_chain_overload_h", "power-chain overload (h)", 1.0),
          ("other_energy_kwh", "other_energy_mwh", "other facility energy (MWh)", 1e-3)]
# Short column headers for the terminal table (attr -> header); others use the KPI label.
SHORT = {"it_energy_kwh": "IT MWh", "facility_energy_kwh": "facility MWh",
         "grid_import_kwh": "grid MWh", "peak_demand_15min_kw": "grid 15-min peak kW",
         "pv_yield_kwh": "PV MWh", "pue": "PUE",
         "co2e_t": "tCO2e", "cost_usd": "cost USD", "water_m3": "water m3",
         "p95_wait_s": "p95 wait h", "makespan_s": "makespan h", "gpu_utilization": "GPU util",
         "cooling_unmet_heat_kwh": "unmet heat MWh", "mean_wait_s": "mean wait h",
         "power_chain_overload_h": "overload h"}
# Generic last path components: a factor named by them alone would be ambiguous.
_GENERIC = {"type", "count", "model", "name", "file", "value", "mode"}


class Spec:
    """One KPI as displayed: summary attribute, display key, label with unit, scale, topic;
    and, from the registry, its plain label, summary unit and warning text."""

    def __init__(self, attr, key, label, scale, topic="", warning="", name="", unit=""):
        self.attr, self.key, self.label, self.scale, self.topic = attr, key, label, scale, topic
        self.warning, self.name, self.unit = warning, name or attr, unit


def specs(path=None):
    """The KPIs to show: the simulator's KPI registry (stored in a run file or a sweep's
    summary.h5; else `joule kpis --json` of the joule binary); before the registry, kpi.py's
    list and the newer summary keys."""
    if hasattr(kpi, "registry_of_file"):
        registry = None
        if path and str(path).endswith(".h5") and os.path.isfile(path):
            registry = kpi.registry_of_file(path)
        if registry is None:
            registry = kpi.registry_of_binary()
        return [Spec(k.attr, k.key, k.label, k.scale, k.topic, k.warning, k.plain_label, k.unit)
                for k in kpi.remember(registry)]
    out = [Spec(attr, key, label, scale) for key, label, attr, scale in kpi.KPIS]
    known = {s.attr for s in out}
    out += [Spec(*n) for n in _NEWER if n[0] not in known]
    for s in out:
        kpi.LABELS.setdefault(s.key, s.label)
    return out


class Comparison:
    """Rows of runs or sweep variants: a DataFrame `table` (index: short label; columns: the
    factors, then KPI display keys), the variants' full names, and what went wrong."""

    def __init__(self, table, factors, names, failed=(), warnings=(), source="", title="",
                 kpi_specs=()):
        self.table = table
        self.specs = list(kpi_specs)  # [Spec] of the KPI columns
        self.factors = list(factors)  # factor columns of `table`
        self.names = list(names)  # full names, in table order
        self.failed = list(failed)  # [(label, reason)]
        self.warnings = list(warnings)  # [(row label, text naming the variant)]
        self.source = source
        self.title = title
        self.units = {}  # factor -> unit of its numeric values
        # KPI display key -> {row label: (P5, median, P95) in display units}; empty without
        # bands (a sweep or runs without --uncertainty).
        self.bands = {}

    @property
    def labels(self):
        return list(self.table.index)

    def kpi_keys(self):
        return [c for c in self.table.columns if c not in self.factors]

    def dicts(self):
        """One {kpi key: value or None} per row (for kpi.fmt and older callers)."""
        keys = self.kpi_keys()
        return [{k: _none(row[k]) for k in keys} for _, row in self.table.iterrows()]


def _none(v):
    if v is None:
        return None
    if isinstance(v, (float, np.floating)) and not math.isfinite(v):
        return None
    return v


# ---- loading ---------------------------------------------------------------------------------
def load(inputs):
    """A Comparison of a sweep (folder, summary.h5 or summary.csv) or of run files."""
    if len(inputs) == 1:
        path = inputs[0]
        if os.path.isdir(path):
            for name in ("summary.h5", "summary.csv"):
                if os.path.exists(os.path.join(path, name)):
                    return load([os.path.join(path, name)])
            raise ValueError(f"{path}: a folder without a sweep's summary.h5 or summary.csv")
        if path.lower().endswith(".csv"):
            sibling = os.path.join(os.path.dirname(os.path.abspath(path)), "summary.h5")
            return from_sweep_h5(sibling) if os.path.exists(sibling) else from_sweep_csv(path)
        if is_sweep_summary(path):
            return from_sweep_h5(path)
    if any(p.lower().endswith(".csv") or os.path.isdir(p) or is_sweep_summary(p)
           for p in inputs):
        raise ValueError("give one sweep (folder, summary.h5 or summary.csv) or run files, "
                         "not both")
    return from_files(inputs)


def is_sweep_summary(path):
    if not os.path.isfile(path):
        return False
    try:
        with h5py.File(path, "r") as f:
            return "kpis" in f and "name" in f and "status" in f
    except OSError:
        return False


def from_files(paths):
    runs = [Run(p) for p in paths]
    labels = labels_for(runs)
    kpi_specs = {}
    for p in paths:  # the union of the files' KPIs, in order
        kpi_specs.update({s.attr: s for s in specs(p) if s.attr not in kpi_specs})
    kpi_specs = list(kpi_specs.values())
    rows = []
    warnings = []
    for label, run in zip(labels, runs):
        rows.append(_kpi_row(run.summary.get, kpi_specs))
        check = kpi.kpis(run)["trace_check"]
        if check != "ok":
            warnings.append((label, f"{label}: traces do not integrate to /summary ({check})"))
    table = pd.DataFrame(rows, index=pd.Index(labels))
    warnings = _kpi_warnings(table, labels, kpi_specs) + warnings
    cmp_ = Comparison(table, [], labels, warnings=warnings, source=", ".join(paths),
                      kpi_specs=kpi_specs)
    _set_bands(cmp_, {label: run.bands for label, run in zip(labels, runs)})
    return cmp_


def _set_bands(cmp_, by_label):
    """cmp_.bands from {row label: {summary attr: (p5, median, p95)}} (finite bands only)."""
    for s in cmp_.specs:
        rows = {}
        for label, bands in by_label.items():
            b = bands.get(s.attr)
            if label in cmp_.table.index and b is not None and \
                    all(v is not None and math.isfinite(v) for v in b):
                rows[label] = tuple(v * s.scale for v in b)
        if rows:
            cmp_.bands[s.key] = rows


def _kpi_row(get, kpi_specs):
    """{display key: value} from a getter of summary attributes (NaN when absent)."""
    row = {}
    for s in kpi_specs:
        v = get(s.attr)
        row[s.key] = np.nan if v is None or not math.isfinite(float(v)) else float(v) * s.scale
    return row


def _strings(ds):
    return [v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v) for v in ds[...]]


def from_sweep_h5(path):
    with h5py.File(path, "r") as f:
        names = _strings(f["name"])
        status = _strings(f["status"])
        errors = _strings(f["error"]) if "error" in f else [""] * len(names)
        params = {k: _strings(f["parameters"][k]) for k in f["parameters"]} \
            if "parameters" in f else {}
        kpis = {k: np.asarray(f["kpis"][k][...], dtype=float) for k in f["kpis"]}
        # /bands (joule sweep --uncertainty): {variant name: {kpi: (p5, median, p95)}}.
        bands = {}
        if "bands" in f and "name" in f["bands"]:
            g = f["bands"]
            for i, name in enumerate(_strings(g["name"])):
                bands[name] = {k: tuple(float(v) for v in g[k][i]) for k in g
                               if k not in ("name", "variant", "quantile") and g[k].ndim == 2}
        text = f.attrs.get("sweep")
        text = text.decode() if isinstance(text, bytes) else text
        src = f.attrs.get("sweep_source")
        src = src.decode() if isinstance(src, bytes) else src
    sweep = _parse_sweep(text)
    title = os.path.splitext(os.path.basename(src))[0] if src else \
        os.path.basename(os.path.dirname(os.path.abspath(path)))
    cmp_ = _from_columns(names, status, errors, params, lambda k, i: kpis[k][i]
                         if k in kpis else None, sweep, source=path, title=title,
                         kpi_specs=specs(path))
    _set_bands(cmp_, {label: bands.get(name, {})
                      for label, name in zip(cmp_.labels, cmp_.names)})
    return cmp_


def from_sweep_csv(path):
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    if frame.empty:
        raise ValueError(f"{path}: no rows")
    kpi_specs = specs()
    attrs = {s.attr for s in kpi_specs}
    kpi_cols = [c for c in frame.columns if c.split(".")[-1] in attrs]
    # `<kpi>_p5/_p50/_p95` (joule sweep --uncertainty): the bands, not parameters.
    band_cols = {c for c in frame.columns
                 if re.sub(r"_p(5|50|95)$", "", c) != c and re.sub(r"_p(5|50|95)$", "", c) in attrs}
    if not kpi_cols:
        raise ValueError(f"{path}: no KPI columns (expected /summary names such as "
                         f"it_energy_kwh, pue, co2e_t); columns are {', '.join(frame.columns)}")
    fixed = {"index", "name", "variant", "status", "seed", "output", "error", "scenario", "id"}
    param_cols = [c for c in frame.columns
                  if c not in fixed and c not in kpi_cols and c not in band_cols]
    label_col = next((c for c in ("variant", "name", "scenario", "id") if c in frame), None)
    names = list(frame[label_col]) if label_col else [f"row {i + 1}" for i in range(len(frame))]
    status = list(frame["status"]) if "status" in frame else ["done"] * len(frame)
    errors = list(frame["error"]) if "error" in frame else [""] * len(frame)
    by_attr = {c.split(".")[-1]: c for c in kpi_cols}

    def value(attr, i):
        col = by_attr.get(attr)
        return _number(frame[col].iloc[i]) if col else None

    params = {c: list(frame[c]) for c in param_cols}
    title = os.path.basename(os.path.dirname(os.path.abspath(path)))
    cmp_ = _from_columns(names, status, errors, params, value, None, source=path, title=title,
                         kpi_specs=kpi_specs)
    bands = {}
    for i, name in enumerate(names):
        bands[name] = {}
        for attr in attrs:
            cols = [f"{attr}_p{q}" for q in (5, 50, 95)]
            if all(c in frame for c in cols):
                bands[name][attr] = tuple(_number(frame[c].iloc[i]) for c in cols)
    _set_bands(cmp_, {label: bands.get(name, {})
                      for label, name in zip(cmp_.labels, cmp_.names)})
    return cmp_


def _number(text):
    try:
        v = float(text)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _parse_sweep(text):
    if not text:
        return None
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError:
        return None
    return doc if isinstance(doc, dict) else None


def _from_columns(names, status, errors, params, value, sweep, source, title, kpi_specs):
    """Builds the Comparison of a sweep from its columns: names, status, error texts,
    {parameter path: [value as written]}, value(attr, row) and the parsed sweep file."""
    factors = _factors(names, params, sweep)
    n = len(names)
    short = [" / ".join(f.labels[i] for f in factors) if factors else names[i] for i in range(n)]
    # Rows whose short labels repeat (replicate seeds, a sample) get their variant index.
    counts = pd.Series(short).value_counts()
    labels = [f"{_index_of(names[i])} {s}".strip() if counts[s] > 1 or not s else s
              for i, s in enumerate(short)]
    rows, kept, failed, kept_names = [], [], [], []
    for i in range(n):
        st = (status[i] or "").strip().lower()
        err = (errors[i] or "").strip()
        if st not in ("done", "reused", "ok", ""):
            failed.append((labels[i], f"{st}: {err}" if err else st))
            continue
        if err and st not in ("done", "reused", "ok"):
            failed.append((labels[i], err))
            continue
        row = {f.name: (f.numbers[i] if f.numbers is not None else f.labels[i])
               for f in factors}
        row.update(_kpi_row(lambda attr: value(attr, i), kpi_specs))
        rows.append(row)
        kept.append(labels[i])
        kept_names.append(names[i])
    table = pd.DataFrame(rows, index=pd.Index(kept))
    warnings = _kpi_warnings(table, [f"{lab} ({nm})" for lab, nm in zip(kept, kept_names)],
                             kpi_specs)
    warnings += [(lab, f"{lab}: variant failed: {reason}") for lab, reason in failed]
    cmp_ = Comparison(table, [f.name for f in factors], kept_names, failed, warnings,
                      source=source, title=title, kpi_specs=kpi_specs)
    cmp_.units = {f.name: f.unit for f in factors if f.numbers is not None}
    cmp_.factor_order = {f.name: f.order for f in factors}
    return cmp_


def _index_of(name):
    m = re.match(r"^(v\d+)-", name)
    return m.group(1) if m else ""


class Factor:
    """A swept factor: its short name, each row's value label, and numbers when every value
    is a number of one unit (`500 W`, `8`)."""

    def __init__(self, name, labels, numbers=None, unit="", order=None):
        self.name, self.labels, self.numbers, self.unit = name, labels, numbers, unit
        self.order = order or list(dict.fromkeys(labels))  # level order as swept


def _factors(names, params, sweep):
    axes = (sweep or {}).get("axes") or {}
    out = []
    explicit = axes.get("variants") or []
    explicit_keys = set()
    if explicit:
        vnames = [str(v.get("name", "")) for v in explicit if isinstance(v, dict)]
        for v in explicit:
            if isinstance(v, dict) and isinstance(v.get("set"), dict):
                explicit_keys.update(v["set"].keys())
        labels = [_explicit_name(n, vnames) for n in names]
        out.append(Factor("variant", labels, order=[v for v in vnames if v in labels]))
    swept = list((axes.get("grid") or {}).keys())
    swept += list(((axes.get("sample") or {}).get("ranges") or {}).keys())
    if sweep is None:  # no sweep file: every parameter column that varies
        swept = [k for k, vals in params.items() if len(set(vals)) > 1]
    swept = [k for k in swept if k in params and k not in explicit_keys]
    short = _short_keys(swept)
    for key in swept:
        out.append(_factor(short[key], params[key]))
    return out


def _explicit_name(name, vnames):
    rest = re.sub(r"^v\d+-", "", name)
    best = ""
    for v in vnames:
        if (rest == v or rest.startswith(v + "-")) and len(v) > len(best):
            best = v
    return best or rest


def _short_keys(keys):
    """Shortest unique dotted suffix of each key, two components when the last is generic."""
    out = {}
    for key in keys:
        parts = key.split(".")
        n = 2 if parts[-1] in _GENERIC and len(parts) > 1 else 1
        while n < len(parts) and sum(1 for k in keys if k.split(".")[-n:] == parts[-n:]) > 1:
            n += 1
        out[key] = ".".join(parts[-n:])
    return out


_QUANTITY = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([^\d\s].*)?$")


def _factor(name, values):
    parsed = [_QUANTITY.match(v) for v in values]
    if all(parsed):
        units = {(m.group(2) or "").strip() for m in parsed}
        if len(units) == 1:
            unit = units.pop()
            numbers = [float(m.group(1)) for m in parsed]
            labels = [f"{x:.3g} {unit}".strip() for x in numbers]  # sampled: 6 digits
            if len(set(labels)) < len(set(numbers)):
                labels = [v.strip() for v in values]
            order = [lab for _, lab in sorted(set(zip(numbers, labels)))]
            return Factor(name, labels, numbers, unit, order)
    labels = _value_labels(values)
    return Factor(name, labels, order=list(dict.fromkeys(labels)))


def _value_labels(values):
    """Short, still distinct labels: a file's stem (an EnergyPlus weather file's city), a
    map's values, at most 18 characters."""
    def one(v):
        text = v.strip()
        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError:
            doc = text
        if isinstance(doc, dict):
            text = ",".join(str(x) for x in doc.values())
        elif isinstance(doc, list):
            text = ",".join(str(x) for x in doc)
        if "/" in text or re.search(r"\.(epw|csv|ya?ml|h5)$", text):
            text = os.path.splitext(os.path.basename(text))[0]
            m = re.match(r"^[A-Z]{3}_[A-Z]{2}_([^.\-_]+)", text)  # EPW: USA_AZ_Phoenix-Sky...
            if m:
                text = m.group(1)
        return text

    short = [one(v) for v in values]
    distinct = dict(zip(values, short))
    if len(set(distinct.values())) < len(distinct):  # shortening merged values: keep stems
        short = [os.path.splitext(os.path.basename(v.strip()))[0] for v in values]
    return [s if len(s) <= 18 else s[:17] + "…" for s in short]


# ---- warnings --------------------------------------------------------------------------------
# A KPI is a warning when the registry gives it a warning text and its value is positive
# (unmet cooling heat, a power-chain stage above its rating, limits not met): the same rule as
# `joule summary`.


def _kpi_warnings(table, who, kpi_specs):
    """[(row label, warning)] from the KPIs of each row; `who` names each row in full."""
    out = []
    for (label, row), name in zip(table.iterrows(), who):
        for s in kpi_specs:
            v = _none(row.get(s.key))
            if not s.warning or not v or v <= 0:
                continue
            raw = v / s.scale  # back in the summary's unit
            unit = "" if s.unit in ("", "1") else " " + s.unit
            out.append((label, f"{name}: {s.name} {kpi.fmt(raw)}{unit}: {s.warning}"))
    return out


# ---- tables ----------------------------------------------------------------------------------
def _columns(cmp_, all_kpis):
    """(display keys, headers) of the KPI columns to show: present in some row; the core set
    unless all_kpis."""
    by_attr = {s.attr: s for s in cmp_.specs}
    present = [k for k in cmp_.kpi_keys() if cmp_.table[k].notna().any()]
    if all_kpis:
        keys = present
    else:
        keys = [by_attr[a].key for a in CORE if a in by_attr and by_attr[a].key in present]
    short = {by_attr[a].key: h for a, h in SHORT.items() if a in by_attr}
    return keys, [short.get(k, kpi.LABELS.get(k, k)) if not all_kpis else
                  kpi.LABELS.get(k, k) for k in keys]


def _cell(v):
    return kpi.fmt(_none(v))


def table(cmp_, fmt="markdown", all_kpis=False, width=None, relative=False):
    """The comparison as text. Markdown: one row per run, factor columns first, KPI columns
    split into several tables when wider than `width` (default: the terminal's). CSV: every
    KPI, numbers in display units."""
    if fmt == "csv":
        keys = [k for k in cmp_.kpi_keys() if cmp_.table[k].notna().any()]
        frame = cmp_.table[cmp_.factors + keys].copy()
        frame.insert(0, "name", cmp_.names)
        frame.index.name = "label"
        return frame.to_csv(float_format="%.10g")
    keys, headers = _columns(cmp_, all_kpis)
    frame = cmp_.table[keys].copy()
    if relative and len(frame) > 1:
        base = frame.iloc[0]
        frame = frame.apply(lambda col: 100.0 * (col - base[col.name]) / base[col.name]
                            if base[col.name] else col * np.nan)
        cells = frame.map(lambda v: "-" if _none(v) is None else f"{v:+.1f} %") \
            if hasattr(frame, "map") else \
            frame.applymap(lambda v: "-" if _none(v) is None else f"{v:+.1f} %")
    else:
        cells = frame.applymap(_cell)
    cells.columns = headers
    flagged = _flagged(cmp_)
    index = [("! " if lab in flagged else "") + lab for lab in cmp_.labels]
    cells.index = pd.Index(index, name="variant" if cmp_.factors else "run")
    width = width or shutil.get_terminal_size((100, 24)).columns
    return _fit(cells, width)


def _flagged(cmp_):
    return {label for label, _ in cmp_.warnings}


def _fit(cells, width):
    """Markdown tables no wider than `width`: KPI columns in chunks, the label column kept."""
    chunks, start = [], 0
    ncols = len(cells.columns)
    while start < ncols:
        stop = start + 1
        while stop < ncols and _width(cells.iloc[:, start:stop + 1]) <= width:
            stop += 1
        chunks.append(cells.iloc[:, start:stop])
        start = stop
    if not chunks:
        return cells.to_markdown(stralign="left", numalign="right") + "\n"
    return "\n\n".join(_markdown(c) for c in chunks) + "\n"


def _markdown(cells):
    return cells.to_markdown(colalign=["left"] + ["right"] * len(cells.columns))


def _width(cells):
    return max(len(line) for line in _markdown(cells).splitlines())


def warnings_text(cmp_):
    if not cmp_.warnings:
        return "warnings: none (no unmet cooling heat, no limits exceeded, no failed variants)\n"
    width = shutil.get_terminal_size((100, 24)).columns
    return "warnings:\n" + "".join(
        textwrap.fill(w, width, initial_indent="  ! ", subsequent_indent="    ") + "\n"
        for _, w in cmp_.warnings)


# ---- charts ----------------------------------------------------------------------------------
def charts(cmp_, outdir, fmt="png"):
    """KPIs against the swept values (a sweep), or bar charts (run files); returns the paths."""
    os.makedirs(outdir, exist_ok=True)
    by_attr = {s.attr: s for s in cmp_.specs}
    keys = [by_attr[a].key for a in CHART if a in by_attr and
            cmp_.table[by_attr[a].key].notna().any()]
    if not keys or cmp_.table.empty:
        return []
    if not cmp_.factors:
        return [_bars(cmp_, keys, outdir, fmt)]
    keys, note = _constant(cmp_, keys)
    if not keys:  # nothing varies: the table says it all
        return []
    numeric = [f for f in cmp_.factors if f in cmp_.units]
    design = cmp_.table.groupby(cmp_.factors).size() if cmp_.factors else None
    is_grid = design is not None and len(design) == len(cmp_.table) and \
        len(cmp_.table) == np.prod([cmp_.table[f].nunique() for f in cmp_.factors])
    paths = []
    if numeric and not is_grid:  # a sample: each KPI against each sampled value
        paths.append(_scatter(cmp_, keys, note, numeric, outdir, fmt))
    else:
        xs = sorted(cmp_.factors, key=lambda f: (f not in cmp_.units,
                                                  -cmp_.table[f].nunique()))
        paths.append(_against(cmp_, keys, note, xs[0], outdir, fmt))
    return paths


def _grid(n, ncols=3, size=(4.2, 3.0)):
    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size[0] * ncols, size[1] * nrows + 0.8),
                             squeeze=False)
    for ax in axes.ravel()[n:]:
        ax.axis("off")
    return fig, axes.ravel()[:n]


def _kpi_title(key):
    return kpi.LABELS.get(key, key)


def _series_label(values):
    return " / ".join(f"{v:g}" if isinstance(v, (float, np.floating)) else str(v)
                      for v in values)


def _band_of(cmp_, key, labels):
    """(P5, P95) arrays of KPI `key` for the rows `labels` (NaN where a row has no band), or
    None when none has one."""
    rows = cmp_.bands.get(key)
    if not rows:
        return None
    lo = np.array([rows[lab][0] if lab in rows else np.nan for lab in labels], dtype=float)
    hi = np.array([rows[lab][2] if lab in rows else np.nan for lab in labels], dtype=float)
    return (lo, hi) if np.isfinite(lo).any() else None


def _yerr(values, band):
    """Error-bar lengths below and above `values` for a (P5, P95) band (0 where it has none)."""
    v = np.asarray(values, dtype=float)
    lo, hi = band
    return np.vstack([np.nan_to_num(v - lo, nan=0.0).clip(min=0),
                      np.nan_to_num(hi - v, nan=0.0).clip(min=0)])


BAND_LABEL = "P5–P95 over the sampled coefficients"


def _against(cmp_, keys, note, x, outdir, fmt):
    """One panel per KPI; x = the factor `x`; one series per combination of the others."""
    t = cmp_.table
    others = [f for f in cmp_.factors if f != x]
    groups = _groups(t, others)
    numeric = x in cmp_.units
    order = cmp_.factor_order.get(x) if hasattr(cmp_, "factor_order") else None
    levels = sorted(t[x].unique()) if numeric else (order or list(dict.fromkeys(t[x])))
    flagged = _flagged(cmp_)
    fig, axes = _grid(len(keys))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    width = 0.8 / max(1, len(groups))
    for ax, key in zip(axes, keys):
        for gi, (gkey, g) in enumerate(groups):
            gkey = gkey if isinstance(gkey, tuple) else (gkey,)
            label = _series_label(gkey) if others else None
            color = colors[gi % len(colors)]
            band = _band_of(cmp_, key, g.sort_values(x).index if numeric else g.index)
            if numeric:
                g = g.sort_values(x)
                if band is not None:
                    ax.fill_between(g[x], band[0], band[1], color=color, alpha=0.2, lw=0,
                                    label=BAND_LABEL if gi == 0 else None)
                ax.plot(g[x], g[key], marker="o", color=color, label=label)
                bad = g[[lab in flagged for lab in g.index]]
                ax.plot(bad[x], bad[key], ls="none", marker="x", ms=11, mew=2, color="#C00000")
            else:
                pos = {lev: i for i, lev in enumerate(levels)}
                xs = [pos[v] + (gi - (len(groups) - 1) / 2) * width for v in g[x]]
                bars = ax.bar(xs, g[key].fillna(0), width=width, color=color, label=label)
                if band is not None:
                    ax.errorbar(xs, g[key].fillna(0), yerr=_yerr(g[key], band), fmt="none",
                                ecolor="black", elinewidth=1, capsize=3,
                                label=BAND_LABEL if gi == 0 else None)
                for bar, lab in zip(bars, g.index):
                    if lab in flagged:
                        bar.set_hatch("///")
                        bar.set_edgecolor("#C00000")
        if not numeric:
            ax.set_xticks(range(len(levels)))
            ax.set_xticklabels(levels, fontsize="small")
        unit = cmp_.units.get(x, "")
        ax.set_xlabel(f"{x} ({unit})" if unit else x, fontsize="small")
        ax.set_title(_kpi_title(key), fontsize="medium")
        ax.grid(alpha=0.3)
        if key == "pue":
            lo = np.nanmin(t[key])
            ax.set_ylim(1.0 if not numeric else max(1.0, lo - 0.05), None)
    _figure_legend(fig, axes, others, flagged, bars=not numeric)
    title = f"{cmp_.title}: KPIs against {x}" if cmp_.title else f"KPIs against {x}"
    fig.suptitle(title + (f"\n({note})" if note else ""), fontsize="medium")
    return _save(fig, outdir, f"compare-{_slug(x)}", fmt)


def _scatter(cmp_, keys, note, numeric, outdir, fmt):
    t = cmp_.table
    fig, axes = plt.subplots(len(keys), len(numeric),
                             figsize=(3.6 * len(numeric), 2.4 * len(keys) + 0.8), squeeze=False)
    flagged = _flagged(cmp_)
    cat = [f for f in cmp_.factors if f not in cmp_.units]
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    groups = _groups(t, cat)
    for r, key in enumerate(keys):
        for c, x in enumerate(numeric):
            ax = axes[r][c]
            for gi, (gkey, g) in enumerate(groups):
                gkey = gkey if isinstance(gkey, tuple) else (gkey,)
                band = _band_of(cmp_, key, g.index)
                if band is not None:
                    ax.errorbar(g[x], g[key], yerr=_yerr(g[key], band), fmt="none",
                                ecolor=colors[gi % len(colors)], elinewidth=1, alpha=0.6,
                                label=BAND_LABEL if gi == 0 and r == 0 and c == 0 else None)
                ax.scatter(g[x], g[key], s=18, color=colors[gi % len(colors)],
                           label=_series_label(gkey) if cat else None)
            bad = t[[lab in flagged for lab in t.index]]
            ax.scatter(bad[x], bad[key], marker="x", s=60, color="#C00000")
            if r == len(keys) - 1:
                unit = cmp_.units.get(x, "")
                ax.set_xlabel(f"{x} ({unit})" if unit else x, fontsize="small")
            if c == 0:
                ax.set_ylabel(_kpi_title(key), fontsize="small")
            ax.grid(alpha=0.3)
    _figure_legend(fig, axes.ravel(), cat, flagged, bars=False)
    title = f"{cmp_.title}: KPIs against the sampled values" if cmp_.title else \
        "KPIs against the sampled values"
    fig.suptitle(title + (f"\n({note})" if note else ""), fontsize="medium")
    return _save(fig, outdir, "compare-sample", fmt)


def _groups(t, by):
    """[(tuple of values, rows)] grouped by the columns `by` (one group of all rows if none)."""
    if not by:
        return [((), t)]
    key = by if len(by) > 1 else by[0]
    return [(k if isinstance(k, tuple) else (k,), g) for k, g in t.groupby(key, sort=False)]


def _constant(cmp_, keys):
    """(KPIs that vary between rows, a note naming those that do not: no panel for them)."""
    varying, same = [], []
    for key in keys:
        vals = cmp_.table[key].fillna(0.0)
        if np.allclose(vals, vals.iloc[0], rtol=1e-9, atol=0):
            same.append(f"{_kpi_title(key)} {kpi.fmt(_none(vals.iloc[0]))}")
        else:
            varying.append(key)
    note = "the same in every variant: " + ", ".join(same) if same else ""
    return varying, note


def _figure_legend(fig, axes, others, flagged, bars):
    """One legend for the figure, under the panels (never over data)."""
    handles, labels = axes[0].get_legend_handles_labels()
    if flagged:
        from matplotlib.lines import Line2D
        from matplotlib.patches import Patch
        handles.append(Patch(facecolor="white", edgecolor="#C00000", hatch="///") if bars else
                       Line2D([], [], ls="none", marker="x", color="#C00000", mew=2))
        labels.append("warning (see the table)")
    fig.tight_layout(rect=(0, 0.06 if handles else 0, 1, 0.95))
    if handles:
        title = " / ".join(others) if others else None
        fig.legend(handles, labels, loc="lower center", ncol=min(len(handles), 5),
                   fontsize="small", title=title, title_fontsize="small", frameon=False)


def _bars(cmp_, keys, outdir, fmt):
    """Run files: one horizontal bar chart per KPI."""
    t = cmp_.table
    fig, axes = _grid(len(keys), ncols=2, size=(6.0, max(2.2, 0.3 * len(t) + 1.0)))
    flagged = _flagged(cmp_)
    banded = False
    for ax, key in zip(axes, keys):
        vals = t[key]
        ys = np.arange(len(t))
        bars = ax.barh(ys, vals.fillna(0), color="#4C72B0")
        band = _band_of(cmp_, key, t.index)
        if band is not None:
            banded = True
            ax.errorbar(vals.fillna(0), ys, xerr=_yerr(vals, band), fmt="none", ecolor="black",
                        elinewidth=1, capsize=3)
        for i, (bar, lab, v) in enumerate(zip(bars, t.index, vals)):
            at = 0 if _none(v) is None else v
            if band is not None and np.isfinite(band[1][i]):
                at = max(at, band[1][i])  # the label right of the error bar
            ax.text(at, bar.get_y() + bar.get_height() / 2,
                    " " + kpi.fmt(_none(v)), va="center", fontsize="small")
            if lab in flagged:
                bar.set_hatch("///")
                bar.set_edgecolor("#C00000")
        ax.set_yticks(ys)
        ax.set_yticklabels(list(t.index), fontsize="small")
        ax.invert_yaxis()
        ax.set_title(_kpi_title(key), fontsize="medium")
        ax.grid(alpha=0.3, axis="x")
        hi = np.nanmax(vals) if vals.notna().any() else 1.0
        if band is not None and np.isfinite(band[1]).any():
            hi = max(hi, np.nanmax(band[1]))
        if key == "pue":
            ax.set_xlim(1.0, hi * 1.08 + 0.01)
        else:
            ax.set_xlim(0, hi * 1.25 if hi > 0 else 1.0)  # room for the value labels
    if banded:  # what the bars and the error bars are, said once under the panels
        fig.tight_layout(rect=(0, 0.03, 1, 1))
        fig.text(0.5, 0.005, f"Bars and labels: the nominal run. Error bars: {BAND_LABEL}.",
                 ha="center", va="bottom", fontsize="small")
    else:
        fig.tight_layout()
    return _save(fig, outdir, "compare", fmt)


def _slug(text):
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text)


def _save(fig, outdir, stem, fmt):
    path = os.path.join(outdir, f"{stem}.{fmt}")
    meta = {"Date": None} if fmt == "svg" else ({"CreationDate": None} if fmt == "pdf" else None)
    fig.savefig(path, dpi=120, metadata=meta)
    plt.close(fig)
    return path
