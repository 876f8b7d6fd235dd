"""Per-GPU power distribution of a run (/gpu_power, docs/output-format.md): the cluster's
power CDF over the whole run, and a heat map of the distribution per interval.

    analysis/joule gpu-power RUN.h5 [-o DIR] [--format png] [--measured CSV]

A measured CDF (CSV with columns power_w, cdf) can be drawn on top; the table printed gives
quantiles of the simulated distribution and, with --measured, the Kolmogorov-Smirnov distance
sup_w |F_sim(w) - F_meas(w)| over the measured points.
"""

import csv
import os

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


class NoHistogram(ValueError):
    pass


def read(path):
    """(bin edges W, interval end times s, GPU-seconds [interval x bin])."""
    with h5py.File(path, "r") as f:
        if "gpu_power" not in f:
            raise NoHistogram(f"{path}: no /gpu_power (written by joule since the per-GPU "
                              "power histogram was added)")
        g = f["gpu_power"]
        return (np.asarray(g["bin_edges_w"][()], dtype=float),
                np.asarray(g["time_s"][()], dtype=float),
                np.asarray(g["gpu_seconds"][()], dtype=float))


def cdf(edges, counts):
    """CDF at the bin edges of GPU-seconds summed over intervals (linear within a bin)."""
    total = counts.sum(axis=0) if counts.ndim == 2 else counts
    c = np.concatenate([[0.0], np.cumsum(total)])
    return c / c[-1] if c[-1] > 0 else c


def quantile(edges, counts, q):
    return float(np.interp(q, cdf(edges, counts), edges))


def read_measured(path):
    """(power_w, cdf) from a CSV with those two columns, sorted by power."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = [(float(r["power_w"]), float(r["cdf"])) for r in csv.DictReader(f)]
    rows.sort()
    return np.array([r[0] for r in rows]), np.array([r[1] for r in rows])


def ks_distance(edges, counts, power_w, measured_cdf):
    """sup over the measured points of |F_sim(w) − F_meas(w)|."""
    sim = np.interp(power_w, edges, cdf(edges, counts))
    return float(np.max(np.abs(sim - measured_cdf)))


def plot(path, outdir=".", fmt="png", measured=None):
    """Writes <stem>-gpu-power-cdf.<fmt> and <stem>-gpu-power-map.<fmt>; returns
    (written paths, quantile rows, KS distance or None)."""
    edges, t, counts = read(path)
    stem = os.path.splitext(os.path.basename(path))[0]
    os.makedirs(outdir, exist_ok=True)
    written = []

    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.plot(edges, cdf(edges, counts), color="#4C72B0", label="simulated (all GPUs, all intervals)")
    ks = None
    if measured is not None:
        mw, mc = measured
        ax.plot(mw, mc, "o--", color="#C44E52", label="measured")
        ks = ks_distance(edges, counts, mw, mc)
        ax.set_title(f"Per-GPU power CDF (KS distance {ks:.3f})")
    else:
        ax.set_title("Per-GPU power CDF")
    ax.set_xlabel("GPU power (W)")
    ax.set_ylabel("share of GPU-time below")
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    out = os.path.join(outdir, f"{stem}-gpu-power-cdf.{fmt}")
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)
    written.append(out)

    fig, ax = plt.subplots(figsize=(8, 4.5))
    share = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1e-300)
    t_h = t / 3600.0
    im = ax.pcolormesh(np.concatenate([[0.0], t_h]), edges, share.T, shading="flat",
                       cmap="viridis")
    fig.colorbar(im, ax=ax, label="share of GPUs")
    ax.set_xlabel("time (h)")
    ax.set_ylabel("GPU power (W)")
    ax.set_title("Per-GPU power distribution per interval")
    out = os.path.join(outdir, f"{stem}-gpu-power-map.{fmt}")
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)
    written.append(out)

    rows = [[f"P{int(100 * q)}", f"{quantile(edges, counts, q):.0f}"] for q in QUANTILES]
    return written, rows, ks
