"""Power swings of a run (/swing, docs/power-swings.md): the sub-second trace of the first
window (IT, facility, grid import, and the grid import with each mitigation) and the power
spectral density of each, with the 0.1-20 Hz critical band shaded.

    analysis/joule plot-swing RUN.h5 [-o DIR] [--format png]

The table printed gives the swing KPIs of the summary.
"""

import io
import os

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


class NoSwing(ValueError):
    pass


def has_swing(path):
    with h5py.File(path, "r") as f:
        return "swing" in f


def read(path):
    """{'t': s, 'window': index, 'traces': {label: W}, 'f': Hz, 'psd': {label: W2/Hz},
    'attrs': {...}} of the run's /swing group."""
    with h5py.File(path, "r") as f:
        if "swing" not in f:
            raise NoSwing(f"{path} has no /swing group (the scenario has no 'swing:' section)")
        g = f["swing"]
        out = {"t": g["time_s"][...], "window": g["window"][...], "traces": {}, "psd": {},
               "attrs": {k: (v.decode() if isinstance(v, bytes) else v) for k, v in g.attrs.items()}}
        for key, label in (("it_power_w", "IT"), ("facility_power_w", "facility"),
                           ("grid_power_w", "grid import")):
            out["traces"][label] = g[key][...]
        for key in g:
            if key.startswith("grid_power_") and key.endswith("_w") and key != "grid_power_w":
                out["traces"]["grid with " + key[len("grid_power_"):-2]] = g[key][...]
        out["f"] = np.array([])
        if "spectrum" in g:
            s = g["spectrum"]
            out["f"] = s["frequency"][...]
            for key, label in (("it_psd", "IT"), ("facility_psd", "facility"),
                               ("grid_psd", "grid import")):
                if key in s:
                    out["psd"][label] = s[key][...]
            for key in s:
                if key.startswith("grid_psd_"):
                    out["psd"]["grid with " + key[len("grid_psd_"):]] = s[key][...]
    return out


def figure(path):
    d = read(path)
    first = d["window"] == d["window"][0]
    t = d["t"][first]
    fig, (a1, a2) = plt.subplots(2, 1, figsize=(10, 7.5))
    for i, (label, v) in enumerate(d["traces"].items()):
        a1.step(t, v[first] / 1e6, where="pre", lw=0.9 if i < 3 else 0.7,
                ls="-" if i < 3 else "--", label=label)
    a1.set_xlabel("time from the start of the run (s)")
    a1.set_ylabel("power (MW)")
    res = d["attrs"].get("resolution_s")
    a1.set_title(f"first swing window at {res * 1e3:g} ms" if res else "first swing window")
    a1.grid(alpha=0.3)
    a1.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    f = d["f"]
    if f.size > 1:
        a2.axvspan(0.1, 20, color="#f4e3c1", alpha=0.5, label="0.1-20 Hz critical band")
        for label, s in d["psd"].items():
            a2.loglog(f[1:], np.maximum(s[1:], 1e-30) / 1e12, lw=0.9 if " with " not in label
                      else 0.7, ls="-" if " with " not in label else "--", label=label)
        a2.set_xlabel("frequency (Hz)")
        a2.set_ylabel("PSD (MW²/Hz)")
        a2.set_title("power spectral density (Welch, Hann)")
        a2.grid(alpha=0.3, which="both")
        a2.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    fig.tight_layout()
    return fig


def plot(path, outdir=".", fmt="png"):
    os.makedirs(outdir, exist_ok=True)
    fig = figure(path)
    out = os.path.join(outdir, f"swing.{fmt}")
    fig.savefig(out, dpi=120, metadata={"Software": None} if fmt == "svg" else None)
    plt.close(fig)
    return out


def svg(path):
    """The figure as inline SVG text (for the HTML report)."""
    fig = figure(path)
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    plt.close(fig)
    text = buf.getvalue()
    text = text[text.index("<svg"):]
    return text.replace("<svg ", '<svg class="mpl" style="width:100%;height:auto" ', 1)
