"""An HTML report: one self-contained page (no network, no files beside it) with the KPIs
grouped by topic with their units, the warnings, interactive plots (inline SVG: hover a time
chart for the values at that instant, hover any bar or job for its numbers), the scenario and
the provenance.

A run file gives the report of that run; a sweep (folder, summary.h5 or summary.csv) gives one
report comparing its variants.
"""

import html
import json
import math
import os
import tempfile

import h5py
import matplotlib
import matplotlib.dates as mdates
import numpy as np
from matplotlib.ticker import MaxNLocator

from joule_analysis import compare, kpi
from joule_analysis.plots import (COOL_COLORS, INLET_RECOMMENDED_C, IT_COLOR, LOSS_COLORS,
                                  OTHER_COLOR, _component_label, energy_flows)
from joule_analysis.runfile import J_PER_KWH, Run, downsample

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;
max-width:1100px;padding:0 16px 40px;color:#222;background:#fff}
h1{font-size:1.5em;margin:18px 0 4px}h2{font-size:1.15em;margin:26px 0 8px;
border-bottom:1px solid #ddd;padding-bottom:3px}.sub{color:#666;margin:0 0 10px}
.kpis{display:grid;grid-template-columns:repeat(auto-fill,minmax(250px,1fr));gap:10px}
.group{border:1px solid #e3e3e3;border-radius:6px;padding:6px 10px}
.group h3{font-size:.95em;margin:2px 0 4px;color:#555;text-transform:capitalize}
.group table{width:100%;border-collapse:collapse}.group td{padding:2px 0;font-size:.92em}
.group td.v{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.warn{background:#fff4f2;border:1px solid #e0a39a;border-radius:6px;padding:8px 12px}
.ok{background:#f3faf3;border:1px solid #a6d3a6;border-radius:6px;padding:8px 12px}
.warn li{margin:2px 0}figure{margin:12px 0 22px}figcaption{font-size:.9em;color:#555}
svg.plot{width:100%;height:auto;overflow:visible}svg.plot text{font-size:11px;fill:#333}
svg.plot .axis line,svg.plot .axis path{stroke:#999}svg.plot .grid{stroke:#eee}
.tip{position:fixed;pointer-events:none;background:rgba(255,255,255,.96);
border:1px solid #aaa;border-radius:4px;padding:4px 7px;font-size:12px;display:none;
box-shadow:0 1px 4px rgba(0,0,0,.2);white-space:pre}
pre{background:#f7f7f7;border:1px solid #e3e3e3;padding:8px;overflow:auto;font-size:12px;
max-height:420px}table.data{border-collapse:collapse;font-size:.88em}
table.data th,table.data td{border-bottom:1px solid #eee;padding:3px 8px;text-align:right}
table.data th:first-child,table.data td:first-child{text-align:left}
table.data tr.flag td{background:#fff4f2}table.prov td{padding:2px 10px 2px 0;
vertical-align:top;font-size:.9em}.legend span{display:inline-block;margin-right:14px;
font-size:.85em}.legend i{display:inline-block;width:11px;height:11px;margin-right:4px;
vertical-align:-1px}
"""

# Hover readout for time charts (data in each chart's data-series attribute) and tooltips for
# any element with data-tip. Plain DOM, no library.
SCRIPT = """
(function(){
  var tip=document.createElement('div');tip.className='tip';document.body.appendChild(tip);
  function show(e,text){tip.textContent=text;tip.style.display='block';
    tip.style.left=(e.clientX+14)+'px';tip.style.top=(e.clientY+10)+'px';}
  function hide(){tip.style.display='none';}
  document.querySelectorAll('[data-tip]').forEach(function(el){
    el.addEventListener('mousemove',function(e){show(e,el.getAttribute('data-tip'));});
    el.addEventListener('mouseleave',hide);});
  document.querySelectorAll('svg[data-series]').forEach(function(svg){
    var d=JSON.parse(svg.getAttribute('data-series'));
    var cursor=svg.querySelector('.cursor');
    svg.addEventListener('mousemove',function(e){
      var pt=svg.createSVGPoint();pt.x=e.clientX;pt.y=e.clientY;
      var p=pt.matrixTransform(svg.getScreenCTM().inverse());
      if(p.x<d.x0||p.x>d.x1){hide();cursor.setAttribute('visibility','hidden');return;}
      var i=Math.min(d.t.length-1,Math.max(0,Math.round((p.x-d.x0)/(d.x1-d.x0)*(d.t.length-1))));
      var lines=[d.t[i]];
      d.s.forEach(function(s){lines.push(s.name+': '+s.v[i]+' '+d.unit);});
      cursor.setAttribute('x1',p.x);cursor.setAttribute('x2',p.x);
      cursor.setAttribute('visibility','visible');show(e,lines.join('\\n'));});
    svg.addEventListener('mouseleave',function(){
      hide();cursor.setAttribute('visibility','hidden');});
  });
  document.body.setAttribute('data-ready','1');
})();
"""

W, H = 900, 300  # SVG user units of a chart
M = {"l": 64, "r": 16, "t": 14, "b": 36}  # margins


def _esc(text):
    return html.escape(str(text), quote=True)


def _num(v):
    return kpi.fmt(v)


# ---- SVG building blocks --------------------------------------------------------------------
class Chart:
    """A plot area with linear axes in SVG user units."""

    def __init__(self, x0, x1, y0, y1, width=W, height=H, left=M["l"]):
        self.left = left
        self.x0, self.x1 = float(x0), float(x1) if x1 > x0 else float(x0) + 1.0
        self.y0, self.y1 = float(y0), float(y1) if y1 > y0 else float(y0) + 1.0
        self.w, self.h = width, height
        self.parts = []

    def px(self, x):
        return self.left + (np.asarray(x, dtype=float) - self.x0) / (self.x1 - self.x0) * \
            (self.w - self.left - M["r"])

    def py(self, y):
        return self.h - M["b"] - (np.asarray(y, dtype=float) - self.y0) / (self.y1 - self.y0) * \
            (self.h - M["t"] - M["b"])

    def y_axis(self, label):
        for v in MaxNLocator(nbins=6).tick_values(self.y0, self.y1):
            if self.y0 - 1e-9 <= v <= self.y1 + 1e-9:
                y = float(self.py(v))
                self.parts.append(f'<line class="grid" x1="{M["l"]}" x2="{self.w - M["r"]}" '
                                  f'y1="{y:.1f}" y2="{y:.1f}"/>'
                                  f'<text x="{M["l"] - 6}" y="{y + 4:.1f}" text-anchor="end">'
                                  f'{_esc(_num(float(v)))}</text>')
        self.parts.append(f'<text transform="translate(14,{(self.h - M["b"] + M["t"]) / 2:.0f})'
                          f' rotate(-90)" text-anchor="middle">{_esc(label)}</text>')

    def x_axis_dates(self, label):
        d0, d1 = mdates.num2date(self.x0), mdates.num2date(self.x1)
        locator = mdates.AutoDateLocator(minticks=4, maxticks=9)
        span_days = self.x1 - self.x0
        fmt = "%b %d" if span_days > 3 else "%b %d %H:%M"
        for v in locator.tick_values(d0, d1):
            if self.x0 <= v <= self.x1:
                x = float(self.px(v))
                text = mdates.num2date(v).strftime(fmt)
                self.parts.append(f'<line class="grid" x1="{x:.1f}" x2="{x:.1f}" y1="{M["t"]}" '
                                  f'y2="{self.h - M["b"]}"/><text x="{x:.1f}" '
                                  f'y="{self.h - M["b"] + 15}" text-anchor="middle">'
                                  f'{_esc(text)}</text>')
        self.parts.append(f'<text x="{(M["l"] + self.w - M["r"]) / 2:.0f}" y="{self.h - 4}" '
                          f'text-anchor="middle">{_esc(label)}</text>')

    def frame(self):
        width = self.w - self.left - M["r"]
        self.parts.append(f'<rect x="{self.left}" y="{M["t"]}" width="{width}" '
                          f'height="{self.h - M["t"] - M["b"]}" fill="none" stroke="#999"/>')

    def svg(self, title, attrs=""):
        return (f'<svg class="plot" viewBox="0 0 {self.w} {self.h}" role="img" {attrs}>'
                f'<title>{_esc(title)}</title>' + "".join(self.parts) + "</svg>")


def _path(xs, ys):
    return "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys))


def _legend(items):
    return '<div class="legend">' + "".join(
        f'<span><i style="background:{c}"></i>{_esc(n)}</span>' for n, c in items) + "</div>"


def time_chart(run, series, unit, title, stacked=False, points=480, y_min=None):
    """Lines (or a stack) of interval-average traces against calendar time; hovering shows
    every series' value at the instant under the pointer."""
    t = run.time_s
    data = []
    for name, v, color in series:
        td, vd = downsample(t, v, max_points=points)
        data.append((name, vd, color))
    dates = mdates.date2num(run.datetimes(np.concatenate(([0.0], td))))
    x_mid = (dates[:-1] + dates[1:]) / 2
    tops = np.cumsum([d[1] for d in data], axis=0) if stacked else [d[1] for d in data]
    hi = float(np.nanmax(tops)) if len(data) else 1.0
    lo = 0.0 if stacked else min(0.0, float(np.nanmin([np.nanmin(d[1]) for d in data])))
    if y_min is not None:
        lo = y_min
    ch = Chart(dates[0], dates[-1], lo, hi * 1.05 if hi > 0 else 1.0)
    ch.y_axis(f"{title} ({unit})")
    ch.x_axis_dates(run.time_zone_label())
    xs = ch.px(np.repeat(dates, 2)[1:-1])  # steps: each value holds over its interval
    below = np.zeros_like(data[0][1]) if data else None
    for (name, v, color), top in zip(data, tops):
        ys = ch.py(np.repeat(top, 2))
        if stacked:
            ys0 = ch.py(np.repeat(below, 2))
            pts = _path(xs, ys) + " L" + " L".join(
                f"{x:.1f},{y:.1f}" for x, y in zip(xs[::-1], ys0[::-1])) + " Z"
            ch.parts.append(f'<path d="{pts}" fill="{color}" stroke="none" opacity="0.9">'
                            f'<title>{_esc(name)}</title></path>')
            below = top
        else:
            ch.parts.append(f'<path d="{_path(xs, ys)}" fill="none" stroke="{color}" '
                            f'stroke-width="1.4"><title>{_esc(name)}</title></path>')
    ch.frame()
    ch.parts.append(f'<line class="cursor" x1="0" x2="0" y1="{M["t"]}" y2="{H - M["b"]}" '
                    f'stroke="#444" stroke-dasharray="3,3" visibility="hidden"/>')
    labels = [mdates.num2date(x).strftime("%Y-%m-%d %H:%M") for x in x_mid]
    payload = {"x0": float(ch.px(dates[0])), "x1": float(ch.px(dates[-1])), "t": labels,
               "unit": unit, "s": [{"name": n, "v": [_num(float(x)) for x in v]}
                                   for n, v, _ in data]}
    attrs = f"data-series='{_esc(json.dumps(payload))}'"
    return ch.svg(title, attrs) + _legend([(n, c) for n, _, c in data])


def jobs_chart(run):
    jobs = run.jobs
    n = len(jobs.get("id", []))
    if n == 0:
        return "<p>No jobs in this run.</p>"
    end_s = float(run.time_s[-1])
    start = np.asarray(jobs["start_s"], dtype=float)
    stop = np.asarray(jobs["end_s"], dtype=float)
    submit = np.asarray(jobs["submit_s"], dtype=float)
    state = jobs.get("state", np.array(["?"] * n, dtype=object))
    d = lambda s: mdates.date2num(run.datetimes([s]))[0]  # noqa: E731
    shown = min(n, 60)
    row_h = max(6.0, min(18.0, 420.0 / shown))
    height = int(M["t"] + M["b"] + row_h * shown)
    ch = Chart(d(0.0), d(end_s), 0, shown, height=height)
    ch.x_axis_dates(run.time_zone_label())
    for i in range(shown):
        y = M["t"] + i * row_h
        name = str(jobs["name"][i]) if "name" in jobs else str(jobs["id"][i])
        wait_end = start[i] if math.isfinite(start[i]) else end_s
        run_end = stop[i] if math.isfinite(stop[i]) else end_s
        energy = jobs["energy_kwh"][i] if "energy_kwh" in jobs else float("nan")
        tip = (f"{name}: {state[i]}; {int(jobs['nodes'][i]) if 'nodes' in jobs else '?'} nodes; "
               f"submitted {run.datetimes([submit[i]])[0]}; waited "
               f"{(wait_end - submit[i]) / 3600:.2f} h; energy {_num(float(energy))} kWh")
        x0, x1 = float(ch.px(d(submit[i]))), float(ch.px(d(wait_end)))
        ch.parts.append(f'<rect x="{x0:.1f}" y="{y + 1:.1f}" width="{max(0.5, x1 - x0):.1f}" '
                        f'height="{row_h - 2:.1f}" fill="#BBBBBB" data-tip="{_esc(tip)}">'
                        f'<title>{_esc(tip)}</title></rect>')
        if math.isfinite(start[i]):
            x2 = float(ch.px(d(run_end)))
            color = IT_COLOR if state[i] == "done" else "#DD8452"
            ch.parts.append(f'<rect x="{x1:.1f}" y="{y + 1:.1f}" width="{max(0.5, x2 - x1):.1f}" '
                            f'height="{row_h - 2:.1f}" fill="{color}" data-tip="{_esc(tip)}">'
                            f'<title>{_esc(tip)}</title></rect>')
        if row_h >= 10:
            ch.parts.append(f'<text x="{M["l"] - 6}" y="{y + row_h / 2 + 4:.1f}" '
                            f'text-anchor="end">{_esc(name[:12])}</text>')
    ch.frame()
    note = f" (first {shown} of {n})" if shown < n else ""
    return ch.svg(f"jobs{note}") + _legend([("waiting", "#BBBBBB"), ("ran", IT_COLOR),
                                            ("running at the end", "#DD8452")]) + \
        (f"<p class=sub>Showing the first {shown} of {n} jobs.</p>" if note else "")


def rack_chart(run, max_times=48, max_racks=32):
    """Rack inlet temperature (or rack power without a thermal model) as a coarse heatmap;
    hover a cell for its racks, time and value. Colour range as in plots.panel_racks."""
    if run.rack_count == 0 or len(run.rack_time_s) == 0:
        return "<p>No rack samples (run shorter than output.rack_interval).</p>"
    dataset = "inlet_c" if run.has_inlet else "power_w"
    times, edges, m = run.rack_matrix(dataset, max_rows=max_times, max_cols=max_racks)
    if dataset == "power_w":
        m = m / 1e3
    lo, hi = float(np.nanmin(m)), float(np.nanmax(m))
    if dataset == "inlet_c":
        vmin, vmax = min(INLET_RECOMMENDED_C[0], lo), max(INLET_RECOMMENDED_C[1], hi)
        cmap, unit, what = "coolwarm", "°C", "inlet"
    else:
        vmin, vmax, cmap, unit, what = 0.0, max(hi, 1e-9), "viridis", "kW", "power"
    colors = matplotlib.colormaps[cmap]
    t_edges = mdates.date2num(run.datetimes(np.concatenate(([0.0], times))))
    height = 320
    ch = Chart(t_edges[0], t_edges[-1], 0, float(edges[-1]), height=height)
    ch.x_axis_dates(run.time_zone_label())
    ch.y_axis("rack")
    for i in range(m.shape[0]):
        x0, x1 = float(ch.px(t_edges[i])), float(ch.px(t_edges[i + 1]))
        when = str(run.datetimes([times[i]])[0])[:16]
        for j in range(m.shape[1]):
            v = m[i, j]
            if not np.isfinite(v):
                continue
            y0, y1 = float(ch.py(edges[j + 1])), float(ch.py(edges[j]))
            rgba = colors((v - vmin) / (vmax - vmin))
            fill = "#%02x%02x%02x" % tuple(int(255 * c) for c in rgba[:3])
            racks = f"rack {edges[j]}" if edges[j + 1] - edges[j] == 1 else \
                f"racks {edges[j]}-{edges[j + 1] - 1}"
            tip = f"{racks}, until {when}: {what} {v:.2f} {unit}"
            ch.parts.append(f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{x1 - x0 + 0.3:.1f}" '
                            f'height="{y1 - y0 + 0.3:.1f}" fill="{fill}" data-tip="{_esc(tip)}">'
                            f'<title>{_esc(tip)}</title></rect>')
    ch.frame()
    scale = "".join('<i style="background:#%02x%02x%02x;width:22px"></i>' % tuple(
        int(255 * c) for c in colors(k / 8)[:3]) for k in range(9))
    return ch.svg(f"rack {what}") + (
        f'<div class="legend"><span>{vmin:.1f} {unit} {scale} {vmax:.1f} {unit}</span>'
        f"<span>observed {lo:.2f} to {hi:.2f} {unit}</span></div>")


def bar_chart(labels, values, unit, title, flagged=(), full_names=None):
    """Horizontal bars, one per label; hover shows the full name and value."""
    vals = np.array([np.nan if v is None else v for v in values], dtype=float)
    finite = vals[np.isfinite(vals)]
    lo = 1.0 if title == "PUE" and len(finite) else 0.0
    hi = float(np.max(finite)) if len(finite) else 1.0
    row_h = 20
    height = M["t"] + M["b"] + row_h * len(labels)
    left = 190
    ch = Chart(lo, hi * 1.15 if hi > lo else lo + 1.0, 0, len(labels), height=height, left=left)
    for v in MaxNLocator(nbins=5).tick_values(ch.x0, ch.x1):
        if ch.x0 <= v <= ch.x1:
            x = float(ch.px(v))
            ch.parts.append(f'<line class="grid" x1="{x:.1f}" x2="{x:.1f}" y1="{M["t"]}" '
                            f'y2="{height - M["b"]}"/><text x="{x:.1f}" '
                            f'y="{height - M["b"] + 15}" text-anchor="middle">'
                            f'{_esc(_num(float(v)))}</text>')
    for i, (lab, v) in enumerate(zip(labels, vals)):
        y = M["t"] + i * row_h
        name = (full_names or labels)[i]
        tip = f"{name}: {_num(None if not np.isfinite(v) else float(v))} {unit}"
        bad = lab in flagged
        if np.isfinite(v):
            x0, x1 = float(ch.px(ch.x0)), float(ch.px(v))
            ch.parts.append(f'<rect x="{x0:.1f}" y="{y + 3}" width="{max(0.5, x1 - x0):.1f}" '
                            f'height="{row_h - 6}" fill="{"#C44E52" if bad else IT_COLOR}" '
                            f'data-tip="{_esc(tip)}"><title>{_esc(tip)}</title></rect>'
                            f'<text x="{x1 + 4:.1f}" y="{y + row_h / 2 + 4}">'
                            f'{_esc(_num(float(v)))}</text>')
        ch.parts.append(f'<text x="{left - 6}" y="{y + row_h / 2 + 4}" text-anchor="end">'
                        f'{"! " if bad else ""}{_esc(lab)}</text>')
    axis_label = f"{title} ({unit})" if unit and unit != "1" else title
    ch.parts.append(f'<text x="{(left + W - M["r"]) / 2:.0f}" y="{height - 4}" '
                    f'text-anchor="middle">{_esc(axis_label)}</text>')
    ch.frame()
    return ch.svg(title)


# ---- sections -------------------------------------------------------------------------------
def kpi_groups(values, specs, run=None):
    """{topic: [(label with unit, formatted value)]} of the KPIs present, grouped by the KPI
    registry's topic (`specs`: its entries, in registry order), topics in the order of their
    first KPI; the engine's bookkeeping (differs between identical runs) left out."""
    groups = {}
    for s in specs:
        v = values.get(s.key)
        if v is None or s.topic in kpi.HIDDEN_TOPICS:
            continue
        band = run.band_text(s.key, _num) if run is not None else ""
        groups.setdefault(s.topic or "other", []).append((s.label, _num(v) + band))
    return groups


def _kpi_html(values, specs, run=None):
    out = ['<div class="kpis">']
    for topic, rows in kpi_groups(values, specs, run).items():
        out.append(f'<div class="group"><h3>{_esc(topic.capitalize())}</h3><table>')
        out += [f"<tr><td>{_esc(k)}</td><td class=v>{_esc(v)}</td></tr>" for k, v in rows]
        out.append("</table></div>")
    return "".join(out) + "</div>"


def _warnings_html(warnings):
    if not warnings:
        return ('<p class="ok" id="warnings">No warnings: no unmet cooling heat, no limits '
                'exceeded, traces integrate to the summary.</p>')
    return '<ul class="warn" id="warnings">' + "".join(
        f"<li>{_esc(w)}</li>" for w in warnings) + "</ul>"


def _text(v):
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, np.ndarray):
        return ", ".join(_text(x) for x in v.ravel())
    if isinstance(v, np.generic):
        return str(v.item())
    return str(v)


def _provenance_html(path, skip=("scenario", "sweep", "kpi_registry")):
    """The file's root attributes, and its /provenance group when it has one: attributes, then
    one row per input file (path, key, size, SHA-256: the 1-D variables along `input`)."""
    rows, inputs = [], ""
    with h5py.File(path, "r") as f:
        rows += [(k, _text(v)) for k, v in f.attrs.items() if k not in skip]
        prov = f.get("provenance")
        if isinstance(prov, h5py.Group):
            rows += [(f"provenance: {k}", _text(v)) for k, v in prov.attrs.items()
                     if k not in ("DIMENSION_LIST", "REFERENCE_LIST", "CLASS", "NAME")]
            cols = {k: ds[...] for k, ds in prov.items() if isinstance(ds, h5py.Dataset)
                    and ds.ndim == 1 and k != "input"}
            n = {len(v) for v in cols.values()}
            if cols and len(n) == 1 and n.pop() > 0:
                names = list(cols)
                inputs = ("<table class=data id=inputs><tr>" +
                          "".join(f"<th>{_esc(c)}</th>" for c in names) + "</tr>" +
                          "".join("<tr>" + "".join(f"<td>{_esc(_text(cols[c][i]))}</td>"
                                                   for c in names) + "</tr>"
                                  for i in range(len(cols[names[0]]))) + "</table>")
    table = '<table class="prov">' + "".join(
        f"<tr><td>{_esc(k)}</td><td>{_esc(v)}</td></tr>" for k, v in rows) + "</table>"
    return table + (f"<h3>Input files</h3>{inputs}" if inputs else "")


def _page(title, subtitle, body):
    generated = os.path.basename(title)
    return ("<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
            "<meta name=viewport content='width=device-width,initial-scale=1'>"
            f"<title>{_esc(generated)}</title><style>{CSS}</style></head><body>"
            f"<h1>{_esc(title)}</h1><p class=sub>{_esc(subtitle)}</p>{body}"
            f"<script>{SCRIPT}</script></body></html>\n")


# ---- reports --------------------------------------------------------------------------------
def run_report(path):
    run = Run(path)
    values = kpi.kpis(run)
    cmp_ = compare.from_files([path])
    warnings = [w for _, w in cmp_.warnings]
    start = run.datetimes([0.0])[0]
    end = run.datetimes([float(run.time_s[-1])])[0]
    sub = (f"{run.attrs.get('description') or run.section('description') or ''} "
           f"{str(start)[:16]} to {str(end)[:16]} ({run.time_zone_label()}); "
           f"file {os.path.basename(path)}").strip()
    body = [f"<h2>Warnings</h2>{_warnings_html(warnings)}",
            f"<h2>Key performance indicators</h2>"
            f"{_kpi_html(values, cmp_.specs, run)}"
            + (f"<p>Values: nominal run (P5–P95 over {run.samples} samples of the coefficients' "
               "uncertainty, docs/uncertainty.md).</p>" if run.bands else ""),
            "<h2>Plots</h2>"]
    it = run.facility["it_power_w"]
    series = [("IT", it, IT_COLOR)]
    series += [(_component_label(k), v, LOSS_COLORS[i % len(LOSS_COLORS)])
               for i, (k, v) in enumerate(run.loss_components().items())]
    series += [(_component_label(k), v, COOL_COLORS[i % len(COOL_COLORS)])
               for i, (k, v) in enumerate(run.cooling_components().items())]
    other = run.series("other_power_w")
    if other is not None and np.any(other):
        series.append(("other (offices, lighting)", other, OTHER_COLOR))
    body.append("<figure id=plot-power>" + time_chart(
        run, [(n, v / 1e3, c) for n, v, c in series], "kW", "power", stacked=True) +
        "<figcaption>Facility consumption, stacked: IT, each power-chain loss and each "
        "cooling component (interval averages; components that drew nothing are left out). "
        "Hover for the values.</figcaption></figure>")
    dt = run.dt_s
    cum = [("IT energy", np.cumsum(it * dt) / J_PER_KWH / 1e3, IT_COLOR)]
    total = run.total_power_w()
    if total is not None:
        cum.append(("facility energy", np.cumsum(total * dt) / J_PER_KWH / 1e3, "#222222"))
    body.append("<figure id=plot-energy>" + time_chart(run, cum, "MWh", "cumulative energy") +
                "<figcaption>Cumulative energy.</figcaption></figure>")
    carbon = run.series("carbon_gco2_per_kwh")
    if carbon is not None:
        grid_w = total if total is not None else it
        co2 = np.cumsum(grid_w * dt / J_PER_KWH * carbon) / 1e6
        body.append("<figure id=plot-emissions>" + time_chart(
            run, [("emissions", co2, "#C44E52")], "tCO2e", "cumulative emissions") +
            "<figcaption>Cumulative emissions: grid energy times the hourly carbon "
            "intensity.</figcaption></figure>")
    pue = run.series("pue")
    if pue is not None:
        lines = [("interval PUE", np.where(np.isfinite(pue), pue, np.nan), "#55A868")]
        band = run.trace_bands.get("pue")
        if band is not None:  # joule run --uncertainty: the interval's P5 and P95
            lines += [(f"P{q} over {run.samples} samples", np.where(np.isfinite(b), b, np.nan),
                       "#B7DDBF") for q, b in (("5", band[0]), ("95", band[2]))]
        body.append("<figure id=plot-pue>" + time_chart(
            run, lines, "1", "PUE", y_min=1.0) + "<figcaption>PUE of each interval (the axis "
            "starts at 1: no overhead)" + (
                "; light lines: its P5 and P95 over the samples of the coefficients' "
                "uncertainty" if band is not None else "") + ".</figcaption></figure>")
    body.append("<figure id=plot-racks>" + rack_chart(run) +
                "<figcaption>Per rack over time" + (
                    ": inlet temperature; the colour scale spans at least the ASHRAE recommended "
                    f"{INLET_RECOMMENDED_C[0]:.0f}-{INLET_RECOMMENDED_C[1]:.0f} °C envelope"
                    if run.has_inlet else ": power (no thermal model)") +
                ". Hover a cell.</figcaption></figure>")
    body.append("<figure id=plot-jobs>" + jobs_chart(run) +
                "<figcaption>Jobs: waiting (grey), running (blue: finished; orange: still "
                "running at the end). Hover a bar for the job.</figcaption></figure>")
    tree, notes = energy_flows(run)
    flows = [(tree[0], tree[1])] + [(c[0], c[1]) for c in tree[3]]
    from . import swing
    if swing.has_swing(path):
        body.append("<figure id=plot-swing>" + swing.svg(path) +
                    "<figcaption>Power swings: the first sub-second window (IT, facility, grid "
                    "import and the grid import with each mitigation) and the power spectral "
                    "density, 0.1–20 Hz band shaded (docs/power-swings.md).</figcaption></figure>")
    body.append("<figure id=plot-flow>" + bar_chart(
        [f[0] for f in flows], [f[1] / 1e3 for f in flows], "MWh", "energy by destination") +
        "<figcaption>Where the energy went" + (f" ({'; '.join(notes)})" if notes else "") +
        ".</figcaption></figure>")
    body.append("<h2>Scenario</h2><pre id=scenario>" +
                _esc(run.attrs.get("scenario", "(not stored)")) + "</pre>")
    body.append("<h2>Provenance</h2>" + _provenance_html(path))
    return _page(f"Joule run: {run.name}", sub, "".join(body))


def sweep_report(inputs):
    cmp_ = compare.load(inputs)
    source = cmp_.source
    flagged = {lab for lab, _ in cmp_.warnings}
    body = [f"<h2>Warnings</h2>{_warnings_html([w for _, w in cmp_.warnings])}",
            "<h2>Variants</h2>", _variants_table(cmp_, flagged, all_kpis=False, id_="variants"),
            "<details><summary>Every KPI</summary>",
            _variants_table(cmp_, flagged, all_kpis=True, id_="variants-all"), "</details>",
            "<h2>Plots</h2>"]
    by_attr = {s.attr: s for s in cmp_.specs}
    keys = [by_attr[a].key for a in ["it_energy_kwh"] + compare.CHART if a in by_attr and
            by_attr[a].key in cmp_.table and cmp_.table[by_attr[a].key].notna().any()]
    keys, note = compare._constant(cmp_, keys)
    if note:
        body.append(f"<p class=sub>Not plotted, {_esc(note)}.</p>")
    for svg in _factor_figures(cmp_):
        body.append("<figure id=plot-factors>" + svg + "<figcaption>The KPIs against the swept "
                    "values (as `analysis/joule compare DIR -o OUT` draws them); a red mark "
                    "is a variant with a warning.</figcaption></figure>")
    for key in keys:
        label = kpi.LABELS.get(key, key)
        unit = label[label.rfind("(") + 1:-1] if label.endswith(")") else ""
        title = label[:label.rfind("(")].strip() if unit else label
        body.append(f"<figure id=plot-{_esc(key)}>" + bar_chart(
            cmp_.labels, list(cmp_.table[key]), unit, title, flagged, cmp_.names) +
            "</figure>")
    if os.path.isdir(source) or source.endswith((".h5", ".csv")):
        h5 = source if source.endswith(".h5") else os.path.join(os.path.dirname(source),
                                                                "summary.h5")
        if os.path.exists(h5):
            with h5py.File(h5, "r") as f:
                text = f.attrs.get("sweep", b"")
            text = text.decode() if isinstance(text, bytes) else str(text)
            body.append(f"<h2>Sweep</h2><pre id=scenario>{_esc(text)}</pre>")
            body.append("<h2>Provenance</h2>" + _provenance_html(h5))
    title = cmp_.title or "sweep"
    sub = (f"{len(cmp_.table)} variants" + (f", {len(cmp_.failed)} failed" if cmp_.failed
                                            else "") +
           f"; factors: {', '.join(cmp_.factors) or '-'}; from {source}")
    return _page(f"Joule sweep: {title}", sub, "".join(body))


def _factor_figures(cmp_):
    """compare's figures of KPIs against the swept values, as inline SVG."""
    with tempfile.TemporaryDirectory() as tmp:
        paths = compare.charts(cmp_, tmp, "svg") if cmp_.factors else []
        out = []
        for path in paths:
            with open(path, encoding="utf-8") as f:
                text = f.read()
            text = text[text.index("<svg"):]  # drop the XML prolog and doctype
            out.append(text.replace("<svg ", '<svg class="mpl" style="width:100%;height:auto" ',
                                    1))
    return out


def _variants_table(cmp_, flagged, all_kpis, id_):
    keys, headers = compare._columns(cmp_, all_kpis=all_kpis)
    out = [f"<div style='overflow-x:auto'><table class=data id={id_}><tr><th>variant</th>" +
           "".join(f"<th>{_esc(h)}</th>" for h in headers) + "</tr>"]
    for (label, row), name in zip(cmp_.table.iterrows(), cmp_.names):
        cls = " class=flag" if label in flagged else ""
        out.append(f"<tr{cls}><td title='{_esc(name)}' style='white-space:nowrap'>"
                   f"{'! ' if label in flagged else ''}{_esc(label)}</td>" + "".join(
                       f"<td>{_esc(_num(compare._none(row[k])))}</td>" for k in keys) + "</tr>")
    return "".join(out) + "</table></div>"


def write(inputs, output):
    """Writes the report of a run file or a sweep to `output`; returns its path."""
    if len(inputs) == 1 and not os.path.isdir(inputs[0]) and \
            not inputs[0].lower().endswith(".csv") and not compare.is_sweep_summary(inputs[0]):
        text = run_report(inputs[0])
    else:
        text = sweep_report(inputs)
    tmp = output + ".partial"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, output)
    return output


