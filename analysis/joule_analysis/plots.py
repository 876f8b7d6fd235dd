"""Figures of one run, one file per panel: <stem>-<panel>.<format>.

Panels (each skipped, with the reason, when the run lacks its data):
  power        stacked power over time: IT, each power-chain loss, each cooling component
  pue-wetbulb  interval PUE against the outdoor wet-bulb temperature
  cumulative   cumulative MWh (IT, facility) and tCO2e
  racks        per-rack inlet temperature over time (rack power when there is no thermal model)
  jobs         job timeline (one bar per job) under the IT/facility power
  energy-flow  Sankey-style flow from the grid to useful IT work
"""

import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.patches import PathPatch, Rectangle  # noqa: E402
from matplotlib.path import Path  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from joule_analysis.runfile import J_PER_KWH, downsample  # noqa: E402

FORMATS = ("png", "svg", "pdf")
PANELS = ("power", "pue-wetbulb", "cumulative", "racks", "jobs", "energy-flow")

IT_COLOR = "#4C72B0"
LOSS_COLORS = ["#C44E52", "#DD8452", "#E6A0A0", "#8C613C"]
OTHER_COLOR = "#B07AA1"
COOL_COLORS = ["#55A868", "#64B5CD", "#8172B3", "#CCB974", "#2A9D8F", "#937860", "#9ED0A0"]


class Skipped(Exception):
    """A panel has no data in this run; the message says which dataset is missing."""


# ASHRAE TC 9.9, Thermal Guidelines for Data Processing Environments (5th ed., 2021):
# recommended server inlet envelope 18-27 degC. The inlet heatmap's colour scale spans at least
# this range, so that a spread of tenths of a kelvin reads as uniform, not as hot spots.
INLET_RECOMMENDED_C = (18.0, 27.0)


def _dates(run, t_s):
    """Seconds since the start -> matplotlib dates (the site's local standard time)."""
    return mdates.date2num(run.datetimes(t_s))


def _date_axis(run, ax, label=True):
    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    if label:
        ax.set_xlabel(run.time_zone_label())


def _title(run, what):
    return f"{run.name}: {what}"


def _steps(t, v):
    """Interval averages as a step plot: each value holds over (t[i-1], t[i]]."""
    t0 = np.concatenate(([0.0], t[:-1]))
    x = np.column_stack([t0, t]).ravel()
    y = np.column_stack([v, v]).ravel()
    return x, y


# ---- panels --------------------------------------------------------------------------------
def panel_power(run, fig):
    ax = fig.add_subplot(111)
    t = run.time_s
    series = [("IT", run.facility["it_power_w"], IT_COLOR)]
    losses, cooling = run.loss_components(), run.cooling_components()
    series += [(k, v, LOSS_COLORS[i % len(LOSS_COLORS)]) for i, (k, v) in enumerate(losses.items())]
    series += [(k, v, COOL_COLORS[i % len(COOL_COLORS)]) for i, (k, v) in
               enumerate(cooling.items())]
    other = run.series("other_power_w")
    if other is not None and np.any(other):
        series.append(("other (offices, lighting, block heaters)", other, OTHER_COLOR))
    xs, ys, labels, colors = None, [], [], []
    for label, v, c in series:
        td, vd = downsample(t, v)
        x, y = _steps(td, vd)
        xs = x
        ys.append(y / 1e3)
        labels.append(_component_label(label))
        colors.append(c)
    x = _dates(run, xs)
    ax.stackplot(x, *ys, labels=labels, colors=colors, linewidth=0)
    total = run.total_power_w()
    if total is not None:
        td, vd = downsample(t, total)
        xt, yt = _steps(td, vd)
        ax.plot(_dates(run, xt), yt / 1e3, color="black", lw=0.8,
                label="facility consumption (total)")
        band = run.trace_bands.get("total_power_w")
        if band is not None:  # joule run --uncertainty: P5–P95 over the samples
            _, lo = downsample(t, band[0])
            _, hi = downsample(t, band[2])
            xb, ylo = _steps(td, lo)
            _, yhi = _steps(td, hi)
            ax.fill_between(_dates(run, xb), ylo / 1e3, yhi / 1e3, color="black", alpha=0.25,
                            lw=0, label=f"facility P5–P95 ({run.samples} samples)")
            # Edges too: over the stack the band only darkens it, and its lower bound would
            # otherwise be hard to see.
            for edge in (ylo, yhi):
                ax.plot(_dates(run, xb), edge / 1e3, color="black", lw=0.5, ls=":")
        # The grid meter differs from consumption only with on-site PV or a battery.
        grid = run.series("grid_import_w")
        if grid is not None and not np.allclose(grid, total, rtol=1e-9, atol=1e-3):
            td, vd = downsample(t, grid)
            xg, yg = _steps(td, vd)
            ax.plot(_dates(run, xg), yg / 1e3, color="black", lw=0.8, ls="--",
                    label="grid import (meter)")
    _date_axis(run, ax)
    ax.set_ylabel("power (kW)")
    ax.set_xlim(x[0], x[-1])
    ax.set_ylim(0, None)
    note = "" if (losses or cooling) else "  (no facility model: IT only)"
    ax.set_title(_title(run, "power breakdown" + note))
    handles, names = ax.get_legend_handles_labels()  # reversed: the legend reads as the stack
    ax.legend(handles[::-1], names[::-1], loc="upper left", bbox_to_anchor=(1.01, 1.0),
              fontsize="small", frameon=False)
    ax.grid(alpha=0.3)


def _component_label(key):
    text = key.replace("_", " ")
    return {"pdu": "PDU loss", "ups": "UPS loss", "transformer": "transformer loss",
            "crah fans": "CRAH fans", "rooms": "room DX (UPS room, offices)"}.get(text, text)


def panel_pue_wetbulb(run, fig):
    pue = run.pue_trace()
    wb = run.series("wetbulb_c")
    if pue is None:
        raise Skipped("no /facility/pue or total_power_w (scenario without a facility model)")
    if wb is None:
        raise Skipped("no /facility/wetbulb_c (scenario without site weather)")
    ok = np.isfinite(pue) & np.isfinite(wb)
    if not ok.any():
        raise Skipped("PUE undefined in every interval (no IT load)")
    if np.ptp(wb[ok]) == 0:
        raise Skipped(f"constant outdoor air ({wb[ok][0]:.1f} degC wet-bulb: no weather file)")
    ax = fig.add_subplot(111)
    if ok.sum() > 5000:
        hb = ax.hexbin(wb[ok], pue[ok], gridsize=60, mincnt=1, cmap="viridis", bins="log")
        fig.colorbar(hb, ax=ax, label="intervals")
    else:
        ax.scatter(wb[ok], pue[ok], s=6, alpha=0.5, color=IT_COLOR)
    run_pue = run.summary.get("pue")
    if run_pue is not None:
        ax.axhline(run_pue, color="black", lw=0.8, ls="--",
                   label=f"run PUE {run_pue:.3f}" + run.band_text("pue", lambda v: f"{v:.3f}"))
        band = run.bands.get("pue")
        if band is not None and band[2] > band[0]:
            ax.axhspan(band[0], band[2], color="black", alpha=0.12,
                       label=f"run PUE P5–P95 ({run.samples} samples)")
        ax.legend(loc="upper left")
    ax.set_xlabel("outdoor wet-bulb (°C)")
    ax.set_ylabel("interval PUE")
    ax.set_title(_title(run, "PUE vs outdoor wet-bulb"))
    ax.grid(alpha=0.3)


def panel_cumulative(run, fig):
    """Cumulative energy (MWh) and, on its own axes below, cumulative emissions (tCO2e): one
    unit per axes, no twin axis whose scale makes two curves coincide."""
    t, dt = run.time_s, run.dt_s
    x = _dates(run, np.concatenate(([0.0], t)))
    carbon = run.series("carbon_gco2_per_kwh")
    if carbon is not None:
        gs = fig.add_gridspec(2, 1, height_ratios=[3, 2], hspace=0.08)
        ax = fig.add_subplot(gs[0])
        ax2 = fig.add_subplot(gs[1], sharex=ax)
    else:
        ax, ax2 = fig.add_subplot(111), None

    def cum(p):  # cumulative integral, starting at 0 at t = 0
        return np.concatenate(([0.0], np.cumsum(p * dt)))

    ax.plot(x, cum(run.facility["it_power_w"]) / J_PER_KWH / 1e3, color=IT_COLOR,
            label="IT energy")
    total = run.total_power_w()
    grid_w = total if total is not None else run.facility["it_power_w"]
    if total is not None:
        ax.plot(x, cum(total) / J_PER_KWH / 1e3, color="black", label="facility energy")
    ax.set_ylabel("cumulative energy (MWh)")
    ax.set_ylim(0, None)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left")
    ax.set_xlim(x[0], x[-1])
    if ax2 is not None:
        ax2.plot(x, cum(grid_w / J_PER_KWH * carbon) / 1e6, color="#C44E52",
                 label="emissions (grid energy x hourly intensity)")
        ax2.set_ylabel("cumulative emissions\n(tCO2e)")
        ax2.set_ylim(0, None)
        ax2.grid(alpha=0.3)
        ax2.legend(loc="upper left")
        _date_axis(run, ax2)
        plt.setp(ax.get_xticklabels(), visible=False)
        ax.xaxis.get_offset_text().set_visible(False)
        ax.set_title(_title(run, "cumulative energy and emissions"))
    else:
        _date_axis(run, ax)
        ax.set_title(_title(run, "cumulative energy  (no carbon trace: no emissions)"))


def panel_racks(run, fig):
    if run.rack_count == 0 or len(run.rack_time_s) == 0:
        raise Skipped("no rack samples (run shorter than output.rack_interval)")
    dataset = "inlet_c" if run.has_inlet else "power_w"
    times, edges, m = run.rack_matrix(dataset)
    if dataset == "power_w":
        m = m / 1e3
    ax = fig.add_subplot(111)
    x = _dates(run, np.concatenate(([0.0], times)))
    lo, hi = float(np.nanmin(m)), float(np.nanmax(m))
    if dataset == "inlet_c":
        # Honest range: at least the recommended envelope, so a 0.2 K spread looks uniform.
        vmin, vmax = min(INLET_RECOMMENDED_C[0], lo), max(INLET_RECOMMENDED_C[1], hi)
        cmap, label = "coolwarm", "inlet temperature (°C)"
        what = (f"rack inlet temperature: {lo:.1f} to {hi:.1f} °C (spread {hi - lo:.2f} K); "
                f"scale: ASHRAE recommended {INLET_RECOMMENDED_C[0]:.0f}-"
                f"{INLET_RECOMMENDED_C[1]:.0f} °C")
    else:
        vmin, vmax = 0.0, max(hi, 1e-9)  # power from zero: no exaggerated contrast
        cmap, label = "viridis", "rack power (kW)"
        what = "rack power (no thermal model: no inlet_c)"
    mesh = ax.pcolormesh(x, edges, m.T, shading="flat", cmap=cmap, vmin=vmin, vmax=vmax)
    fig.colorbar(mesh, ax=ax, label=label)
    _date_axis(run, ax)
    ax.set_ylabel("rack")
    if len(edges) <= 41 and np.all(np.diff(edges) == 1):  # one cell per rack: label its centre
        ax.set_yticks(edges[:-1] + 0.5)
        ax.set_yticklabels([str(i) for i in edges[:-1]])
    else:
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(_title(run, what), fontsize="medium")


def panel_jobs(run, fig):
    jobs = run.jobs
    n = len(jobs.get("id", []))
    gs = fig.add_gridspec(2, 1, height_ratios=[1, 2], hspace=0.08)
    ax_p = fig.add_subplot(gs[0])
    ax_j = fig.add_subplot(gs[1], sharex=ax_p)
    t = run.time_s
    td, it = downsample(t, run.facility["it_power_w"])
    xs, ys = _steps(td, it)

    def when(sec):  # seconds -> matplotlib dates
        return _dates(run, sec)

    ax_p.plot(when(xs), ys / 1e3, color=IT_COLOR, lw=0.9, label="IT")
    total = run.total_power_w()
    if total is not None:
        td2, tot = downsample(t, total)
        xs2, ys2 = _steps(td2, tot)
        ax_p.plot(when(xs2), ys2 / 1e3, color="black", lw=0.9, label="facility")
    ax_p.set_ylabel("power (kW)")
    ax_p.set_ylim(0, None)
    ax_p.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False)
    ax_p.grid(alpha=0.3)
    plt.setp(ax_p.get_xticklabels(), visible=False)
    ax_p.set_title(_title(run, f"jobs ({n}) and power"))
    end_s = float(t[-1])
    if n == 0:
        ax_j.text(0.5, 0.5, "no jobs", ha="center", va="center", transform=ax_j.transAxes)
    else:
        start = np.asarray(jobs["start_s"], dtype=float)
        end = np.asarray(jobs["end_s"], dtype=float)
        submit = np.asarray(jobs["submit_s"], dtype=float)
        state = jobs.get("state", np.array(["?"] * n, dtype=object))
        y = np.arange(n)
        lw = max(0.5, min(8.0, 300.0 / n))
        waiting_end = np.where(np.isnan(start), end_s, start)
        ax_j.hlines(y, when(submit), when(waiting_end), color="#BBBBBB", lw=lw,
                    label="waiting")
        ran = ~np.isnan(start)
        run_end = np.where(np.isnan(end), end_s, end)
        done = ran & (state == "done")
        running = ran & ~done
        ax_j.hlines(y[done], when(start[done]), when(run_end[done]), color=IT_COLOR, lw=lw,
                    label="ran")
        if running.any():
            ax_j.hlines(y[running], when(start[running]), when(run_end[running]),
                        color="#DD8452", lw=lw, label="running at the end")
        if n <= 40 and "name" in jobs:
            ax_j.set_yticks(y)
            ax_j.set_yticklabels([str(s) for s in jobs["name"]], fontsize="small")
        ax_j.set_ylim(n - 0.5, -0.5)
        ax_j.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small",
                    frameon=False)
    _date_axis(run, ax_j)
    ax_p.xaxis.get_offset_text().set_visible(False)
    ax_j.set_ylabel("job")
    ax_j.set_xlim(when([0.0])[0], when([end_s])[0])
    ax_j.grid(alpha=0.3, axis="x")


def energy_flows(run):
    """The flow tree from the grid to useful IT work, in kWh, from /summary and /jobs:
    (label, kWh, color, children). Returns (tree, notes)."""
    s = run.summary
    notes = []
    it = s.get("it_energy_kwh", run.integral_kwh(run.facility["it_power_w"]))
    jobs_kwh = min(run.jobs_energy_kwh(), it)
    it_children = []
    idle = it - jobs_kwh
    job_children = []
    g = np.asarray(run.jobs.get("goodput", []), dtype=float)
    if len(g) and np.isfinite(g).any():
        # Goodput is NaN for jobs that are not training runs: all their energy counts.
        e = np.asarray(run.jobs["energy_kwh"], dtype=float)
        g = np.where(np.isfinite(g), g, 1.0)
        useful = float(np.nansum(e * g))
        job_children = [("useful work", useful, "#2A9D8F", []),
                        ("lost to failures/restarts", jobs_kwh - useful, "#C44E52", [])]
        jobs_label = "jobs"
    else:
        jobs_label = "jobs (useful work)"
        notes.append("no per-job goodput: all job energy counted as useful work")
    it_children.append((jobs_label, jobs_kwh, "#2A9D8F", job_children))
    if idle > 1e-9 * max(it, 1):
        it_children.append(("idle / unallocated nodes", idle, "#BBBBBB", []))
    it_node = ("IT (servers)", it, IT_COLOR, it_children)
    facility = s.get("facility_energy_kwh")
    if facility is None:
        notes.append("no facility model: the flow starts at IT")
        return it_node, notes
    children = []
    losses = s.get("power_chain_loss_kwh")
    cooling = s.get("cooling_energy_kwh")
    comp = run.loss_components()
    if losses:
        parts = [(_component_label(k), run.integral_kwh(v), LOSS_COLORS[i % 4], [])
                 for i, (k, v) in enumerate(comp.items())] if len(comp) > 1 else []
        children.append(("power-chain losses", losses, LOSS_COLORS[0], parts))
    ccomp = run.cooling_components()
    if cooling and run.cooling_type == "fixed-pue":
        # A fixed PUE models every non-IT watt as (PUE - 1) x IT: no chillers to name.
        children.append(("fixed-PUE overhead", cooling, COOL_COLORS[0], []))
    elif cooling:
        parts = [(_component_label(k), run.integral_kwh(v), COOL_COLORS[i % 7], [])
                 for i, (k, v) in enumerate(ccomp.items())] if len(ccomp) > 1 else []
        children.append(("cooling", cooling, COOL_COLORS[0], parts))
    other = facility - it - (losses or 0.0) - (cooling or 0.0)
    if other > 1e-3 * facility:
        children.append(("other (offices, lighting)"
                         if run.series("other_power_w") is not None else "other facility",
                         other, OTHER_COLOR, []))
    children.append(it_node)
    return ("grid", facility, "#555555", children), notes


def panel_energy_flow(run, fig):
    tree, notes = energy_flows(run)
    ax = fig.add_subplot(111)
    total = tree[1]
    if not total > 0:
        raise Skipped("no energy used")
    unit, per = _energy_unit(total)  # one unit for every label of the figure
    columns = []

    def collect(node, depth, parent):
        while len(columns) <= depth:
            columns.append([])
        entry = {"node": node, "parent": parent, "children": []}
        columns[depth].append(entry)
        if parent is not None:
            parent["children"].append(entry)
        for c in node[3]:
            if c[1] > 0:
                collect(c, depth + 1, entry)

    collect(tree, 0, None)
    gap, width, xstep = 0.02, 0.05, 1.0
    for depth, col in enumerate(columns):
        heights = [e["node"][1] / total for e in col]
        span = sum(heights) + gap * (len(col) - 1)
        y = 0.5 + span / 2
        for e, h in zip(col, heights):
            e["x"], e["top"], e["h"] = depth * xstep, y, h
            e["out"] = y  # where the next child's band leaves the right edge
            y -= h + gap
    bottom = min(e["top"] - e["h"] for col in columns for e in col)
    top = max(e["top"] for col in columns for e in col)
    line_gap = 0.085  # two lines of small text, in flow units (fig 13 x 7 in)
    for col in columns:
        label_y = _spread([e["top"] - e["h"] / 2 for e in col], line_gap, bottom, top)
        for e, ly in zip(col, label_y):
            label, kwh, color, _ = e["node"]
            ax.add_patch(Rectangle((e["x"], e["top"] - e["h"]), width, e["h"], color=color,
                                   zorder=2))
            for c in e["children"]:
                h = c["h"]
                x0, x1 = e["x"] + width, c["x"]
                y0t, y1t = e["out"], c["top"]
                e["out"] -= h
                xm = (x0 + x1) / 2
                verts = [(x0, y0t), (xm, y0t), (xm, y1t), (x1, y1t), (x1, y1t - h),
                         (xm, y1t - h), (xm, y0t - h), (x0, y0t - h), (x0, y0t)]
                codes = [Path.MOVETO, Path.CURVE4, Path.CURVE4, Path.CURVE4, Path.LINETO,
                         Path.CURVE4, Path.CURVE4, Path.CURVE4, Path.CLOSEPOLY]
                ax.add_patch(PathPatch(Path(verts, codes), facecolor=c["node"][2], alpha=0.35,
                                       lw=0, zorder=1))
            centre = e["top"] - e["h"] / 2
            lx = e["x"] + width + 0.03
            if abs(ly - centre) > 0.01:  # moved apart from its neighbours: a leader line
                ax.plot([e["x"] + width, lx], [centre, ly], color="#666666", lw=0.6, zorder=3)
            pct = 100.0 * kwh / total
            ax.text(lx, ly, f"{label}\n{_num(kwh / per)} {unit} ({pct:.1f} %)", va="center",
                    fontsize="small", zorder=4, linespacing=1.1,
                    bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "none", "pad": 1})
    ax.set_xlim(-0.05, (len(columns) - 1) * xstep + 0.6)
    ax.set_ylim(bottom - line_gap, top + line_gap)
    ax.axis("off")
    title = f"energy flow, grid to useful IT work ({unit}, % of the grid's)"
    if notes:
        title += "\n(" + "; ".join(notes) + ")"
    ax.set_title(_title(run, title), fontsize="medium")


def _spread(ys, gap, lo, hi):
    """Label positions near `ys` (top to bottom) at least `gap` apart, kept within [lo, hi]
    where they fit."""
    out = list(ys)
    for i in range(1, len(out)):  # push down
        out[i] = min(out[i], out[i - 1] - gap)
    if out and out[-1] < lo:  # then back up from the bottom
        out[-1] = lo
        for i in range(len(out) - 2, -1, -1):
            out[i] = max(out[i], out[i + 1] + gap)
    return out


def _energy_unit(kwh):
    if abs(kwh) >= 1e6:
        return "GWh", 1e6
    if abs(kwh) >= 1e3:
        return "MWh", 1e3
    return "kWh", 1.0


def _num(v):
    """4 significant digits, fixed-point, thousands separators."""
    if v == 0:
        return "0"
    digits = max(0, min(3, 3 - int(np.floor(np.log10(abs(v))))))
    return f"{v:,.{digits}f}"


PANEL_FUNCS = {
    "power": (panel_power, (10, 5)),
    "pue-wetbulb": (panel_pue_wetbulb, (7, 5)),
    "cumulative": (panel_cumulative, (10, 5)),
    "racks": (panel_racks, (10, 5)),
    "jobs": (panel_jobs, (10, 7)),
    "energy-flow": (panel_energy_flow, (13, 7)),
}


def plot_run(run, outdir, fmt="png", panels=PANELS, dpi=120):
    """Writes one file per panel; returns [(panel, path or None, note)]."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    os.makedirs(outdir, exist_ok=True)
    results = []
    for panel in panels:
        func, size = PANEL_FUNCS[panel]
        fig = plt.figure(figsize=size)
        try:
            func(run, fig)
        except Skipped as e:
            results.append((panel, None, str(e)))
            plt.close(fig)
            continue
        path = os.path.join(outdir, f"{run.stem}-{panel}.{fmt}")
        fig.savefig(path, dpi=dpi, bbox_inches="tight", metadata=_metadata(fmt))
        plt.close(fig)
        results.append((panel, path, ""))
    return results


def _metadata(fmt):
    # Reproducible files: no creation dates embedded in SVG/PDF.
    if fmt == "svg":
        return {"Date": None}
    if fmt == "pdf":
        return {"CreationDate": None}
    return None
