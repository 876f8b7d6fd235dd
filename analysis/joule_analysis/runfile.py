"""One Joule run, read from its HDF5 file (layout: docs/output-format.md).

Only /facility/time_s, /facility/it_power_w, /racks/time_s, /racks/power_w, /jobs and /summary
are always there; every other dataset belongs to a model the scenario may not have (power
chain, cooling plant, site, thermal network, training jobs), so each accessor returns None when
its data is absent and callers say what they skipped.

Trace convention: the value at time_s[i] is the average over (time_s[i-1], time_s[i]] with
time_s[-1] = 0, so the energy of a power trace is sum(value * dt) with dt = diff([0, time_s]).
"""

import os

import h5py
import numpy as np

J_PER_KWH = 3.6e6
S_PER_H = 3600.0


def _decode(value):
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.ndarray) and value.shape == ():
        return _decode(value[()])
    if isinstance(value, np.generic):
        return value.item()
    return value


class NotAJouleFile(Exception):
    """The file is missing, not HDF5, or lacks the datasets every Joule run has."""


class Run:
    """Everything small in a run file, read once; the (time x rack) matrices stay on disk and
    are read in blocks by rack_matrix()."""

    REQUIRED = ("facility/time_s", "facility/it_power_w", "racks/time_s", "racks/power_w",
                "jobs", "summary")

    def __init__(self, path):
        self.path = str(path)
        if not os.path.exists(self.path):
            raise NotAJouleFile(f"{self.path}: no such file")
        try:
            f = h5py.File(self.path, "r")
        except OSError as e:
            raise NotAJouleFile(f"{self.path}: not an HDF5 file ({e})") from None
        with f:
            missing = [p for p in self.REQUIRED if p not in f]
            if missing:
                raise NotAJouleFile(
                    f"{self.path}: not a finished Joule run (missing {', '.join(missing)})")
            self.attrs = {k: _decode(v) for k, v in f.attrs.items()}
            self.summary = {k: float(_decode(v)) for k, v in f["summary"].attrs.items()}
            fac = f["facility"]
            self.facility = {}
            self.units = {}
            for key, item in fac.items():
                # `time` is the netCDF time coordinate: the same seconds as time_s.
                if isinstance(item, h5py.Dataset) and item.ndim == 1 and key != "time":
                    self.facility[key] = np.asarray(item[...], dtype=float)
                    self.units[key] = _decode(item.attrs.get("units", ""))
            # Per-component breakdowns: /facility/cooling/<x>_w and /facility/losses/<x>_w.
            self.cooling = self._group(fac, "cooling")
            self.losses = self._group(fac, "losses")
            self.jobs = self._read_jobs(f["jobs"])
            racks = f["racks"]
            self.rack_time_s = np.asarray(racks["time_s"][...], dtype=float)
            self.rack_count = int(racks["power_w"].shape[1]) if racks["power_w"].ndim == 2 else 0
            self.has_inlet = "inlet_c" in racks
        self.time_s = self.facility["time_s"]
        self.dt_s = np.diff(np.concatenate(([0.0], self.time_s)))

    @staticmethod
    def _group(fac, name):
        if name not in fac or not isinstance(fac[name], h5py.Group):
            return {}
        out = {}
        for key, item in fac[name].items():
            if isinstance(item, h5py.Dataset) and item.ndim == 1 and key != "time":
                label = key[:-2] if key.endswith("_w") else key
                out[label] = np.asarray(item[...], dtype=float)
        return out

    @staticmethod
    def _read_jobs(ds):
        if isinstance(ds, h5py.Group):  # netCDF layout: one variable per column along `job`
            jobs = {"id": np.asarray(ds["job"][...])} if "job" in ds else {}
            for name, item in ds.items():
                if name != "job" and isinstance(item, h5py.Dataset) and item.ndim == 1:
                    col = item[...]
                    jobs[name] = (np.array([_decode(c) for c in col], dtype=object)
                                  if col.dtype.kind in "OS" else np.asarray(col))
            return jobs
        data = ds[...]
        jobs = {}
        if data.dtype.names is None:
            return jobs
        for name in data.dtype.names:
            col = data[name]
            if col.dtype.kind == "S":
                jobs[name] = np.array([c.decode("utf-8", "replace") for c in col], dtype=object)
            elif col.dtype.kind == "O":
                jobs[name] = np.array([_decode(c) for c in col], dtype=object)
            else:
                jobs[name] = np.asarray(col)
        return jobs

    # ---- identity -------------------------------------------------------------------------
    @property
    def name(self):
        return str(self.attrs.get("scenario_name") or os.path.splitext(
            os.path.basename(self.path))[0])

    @property
    def stem(self):
        return os.path.splitext(os.path.basename(self.path))[0]

    # ---- traces ---------------------------------------------------------------------------
    def series(self, key):
        """A /facility dataset (1-D), or None when the scenario does not record it."""
        return self.facility.get(key)

    def integral_kwh(self, power_w):
        """Energy of an interval-average power trace: sum(P * dt) in kWh."""
        return float(np.sum(np.asarray(power_w) * self.dt_s) / J_PER_KWH)

    def total_power_w(self):
        return self.series("total_power_w")

    def pue_trace(self):
        pue = self.series("pue")
        if pue is not None:
            return pue
        total = self.total_power_w()
        if total is None:
            return None
        it = self.facility["it_power_w"]
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(it > 0, total / it, np.nan)

    def cooling_components(self):
        """{component: W trace}; one aggregate 'cooling' entry when only cooling_power_w exists."""
        if self.cooling:
            return dict(self.cooling)
        agg = self.series("cooling_power_w")
        return {"cooling": agg} if agg is not None else {}

    def loss_components(self):
        if self.losses:
            return dict(self.losses)
        agg = self.series("losses_w")
        return {"power-chain losses": agg} if agg is not None else {}

    def jobs_energy_kwh(self):
        e = self.jobs.get("energy_kwh")
        return float(np.nansum(e)) if e is not None and len(e) else 0.0

    # ---- racks ----------------------------------------------------------------------------
    def rack_matrix(self, dataset="power_w", max_rows=600, max_cols=400):
        """(time_s of each row, rack index edges, matrix) averaged into at most max_rows time
        bins and max_cols rack bins. Reads the file in row blocks so that memory stays bounded
        for long runs with thousands of racks. Time bins are interval-weighted averages."""
        with h5py.File(self.path, "r") as f:
            ds = f["racks"][dataset]
            rows, cols = ds.shape
            t = self.rack_time_s
            dt = np.diff(np.concatenate(([0.0], t)))
            step = max(1, int(np.ceil(rows / max_rows)))
            cstep = max(1, int(np.ceil(cols / max_cols)))
            nbins, ncbins = int(np.ceil(rows / step)), int(np.ceil(cols / cstep))
            out = np.zeros((nbins, ncbins))
            times = np.zeros(nbins)
            block_rows = step * max(1, 200000 // max(1, cols * step))
            for start in range(0, rows, block_rows):
                stop = min(rows, start + block_rows)
                block = np.asarray(ds[start:stop, :], dtype=float)
                w = dt[start:stop]
                for b0 in range(0, stop - start, step):
                    b1 = min(stop - start, b0 + step)
                    ww = w[b0:b1]
                    wsum = ww.sum()
                    avg = (block[b0:b1] * ww[:, None]).sum(axis=0) / wsum if wsum > 0 else \
                        block[b0:b1].mean(axis=0)
                    row = (start + b0) // step
                    padded = np.full(ncbins * cstep, np.nan)
                    padded[:cols] = avg
                    out[row] = np.nanmean(padded.reshape(ncbins, cstep), axis=1)
                    times[row] = t[start + b1 - 1]
        edges = np.arange(0, ncbins * cstep + 1, cstep)
        edges[-1] = cols
        return times, edges, out


def downsample(time_s, values, max_points=2000):
    """Interval-weighted block averages of an interval-average trace (energy preserving):
    returns (block end times, block averages)."""
    time_s = np.asarray(time_s, dtype=float)
    values = np.asarray(values, dtype=float)
    n = len(time_s)
    if n <= max_points:
        return time_s, values
    k = int(np.ceil(n / max_points))
    dt = np.diff(np.concatenate(([0.0], time_s)))
    m = (n // k) * k
    t_out = time_s[k - 1:m:k]
    w = dt[:m].reshape(-1, k)
    v = (values[:m].reshape(-1, k) * w).sum(axis=1) / w.sum(axis=1)
    if m < n:
        wt = dt[m:]
        t_out = np.append(t_out, time_s[-1])
        v = np.append(v, np.sum(values[m:] * wt) / np.sum(wt))
    return t_out, v


def open_runs(paths):
    return [Run(p) for p in paths]


def labels_for(runs):
    """Column labels: the scenario names, or the file names where names repeat."""
    names = [r.name for r in runs]
    if len(set(names)) == len(names):
        return names
    stems = [r.stem for r in runs]
    if len(set(stems)) == len(stems):
        return stems
    return [r.path for r in runs]
