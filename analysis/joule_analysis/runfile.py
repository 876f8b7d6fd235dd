"""One Joule run, read from its HDF5 file (layout: docs/output-format.md).

Only /facility/time_s, /facility/it_power_w, /racks/time_s, /racks/power_w, /jobs and /summary
are always there; every other dataset belongs to a model the scenario may not have (power
chain, cooling plant, site, thermal network, training jobs), so each accessor returns None when
its data is absent and callers say what they skipped.

Trace convention: the value at time_s[i] is the average over (time_s[i-1], time_s[i]] with
time_s[-1] = 0, so the energy of a power trace is sum(value * dt) with dt = diff([0, time_s]).
"""

import os
import re

import h5py
import numpy as np
import xarray as xr
import yaml

J_PER_KWH = 3.6e6
S_PER_H = 3600.0
# The site's default start (`joule list-models`: site.start) when a scenario gives none.
DEFAULT_START = "2023-01-01T00:00"
REPO_SCENARIOS = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                               "..", "..", "scenarios"))


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
            # The CF time coordinate ("seconds since <ISO start><offset>"), when the file has one.
            tvar = fac["time"] if "time" in fac else fac["time_s"]
            self._time_units = str(_decode(tvar.attrs.get("units", "")))
            self._read_uncertainty(f)
        self.time_s = self.facility["time_s"]
        self.dt_s = np.diff(np.concatenate(([0.0], self.time_s)))

    def _read_uncertainty(self, f):
        """`joule run --uncertainty N` (docs/uncertainty.md): self.bands {kpi: (p5, median, p95)},
        self.trace_bands {trace: (p5, p50, p95) arrays}, self.samples N (0 without)."""
        self.bands, self.trace_bands, self.samples = {}, {}, 0
        if "uncertainty" not in f:
            return
        u = f["uncertainty"]
        self.samples = int(_decode(u.attrs.get("samples", 0)))
        names = [_decode(x) for x in u["kpi_name"][...]]
        p5, med, p95 = (np.asarray(u[k][...], dtype=float) for k in ("p5", "median", "p95"))
        self.bands = {n: (float(a), float(b), float(c)) for n, a, b, c in zip(names, p5, med, p95)
                      if np.isfinite(a) and np.isfinite(c)}
        traces = u.get("facility")
        if traces is not None:
            for key in traces:
                if key.endswith("_p5"):
                    base = key[:-3]
                    self.trace_bands[base] = tuple(
                        np.asarray(traces[base + s][...], dtype=float)
                        for s in ("_p5", "_p50", "_p95"))

    def band_text(self, key, fmt):
        """" (P5–P95)" of a KPI with a spread, "" otherwise (as `joule summary` prints it)."""
        b = self.bands.get(key)
        if b is None or not b[2] - b[0] > 1e-9 * max(1.0, abs(b[1])):
            return ""
        return f" ({fmt(b[0])}–{fmt(b[2])})"

    # ---- scenario and calendar -------------------------------------------------------------
    @property
    def scenario(self):
        """The merged scenario stored in the file, parsed ({} when absent or unreadable)."""
        if not hasattr(self, "_scenario"):
            try:
                doc = yaml.safe_load(str(self.attrs.get("scenario", "")))
            except yaml.YAMLError:
                doc = None
            self._scenario = doc if isinstance(doc, dict) else {}
        return self._scenario

    def section(self, *path):
        node = self.scenario
        for p in path:
            node = node.get(p) if isinstance(node, dict) else None
        return node

    @property
    def cooling_type(self):
        c = self.section("cooling")
        return str(c.get("type")) if isinstance(c, dict) and c.get("type") else None

    def calendar(self):
        """(start as numpy datetime64 in the site's local standard time, UTC offset in hours or
        None): the file's CF time units ("seconds since <ISO>") when it has them, else the
        scenario's site.start and site.timezone, else the weather file's LOCATION header."""
        if hasattr(self, "_calendar"):
            return self._calendar
        start, offset = None, None
        m = re.match(r"seconds since (\d{4}-\d\d-\d\d(?:[ T]\d\d:\d\d(?::\d\d)?)?)"
                     r"\s*(Z|UTC|[+-]\d\d:?\d\d|[+-]\d{1,2})?\s*$", self._time_units or "")
        if m:
            start = np.datetime64(m.group(1).replace(" ", "T"), "s")  # local standard time
            zone = m.group(2)
            if zone in ("Z", "UTC"):
                offset = 0.0
            elif zone:
                digits = zone[1:].replace(":", "")
                hours, minutes = (int(digits[:-2]), int(digits[-2:])) if len(digits) > 2 \
                    else (int(digits), 0)
                offset = (-1 if zone[0] == "-" else 1) * (hours + minutes / 60)
        site = self.section("site") or {}
        if start is None:
            text = str(site.get("start") or DEFAULT_START)
            try:
                start = np.datetime64(text.replace(" ", "T"), "s")
            except ValueError:
                start = np.datetime64(DEFAULT_START, "s")
        if offset is None and site.get("timezone") is not None:
            try:
                offset = float(site["timezone"])
            except (TypeError, ValueError):
                offset = None
        if offset is None and site.get("weather") not in (None, "none"):
            offset = self._epw_offset(str(site["weather"]))
        self._calendar = (start, offset)
        return self._calendar

    def _epw_offset(self, weather):
        """The time zone of an EnergyPlus weather file's LOCATION line (field 9), looked up
        next to the scenario file, then in the repository's scenarios/ (the embedded default)."""
        src = str(self.attrs.get("scenario_source", ""))
        dirs = [os.path.dirname(src)] if src and not src.startswith("<") else []
        dirs += [os.path.dirname(self.path), REPO_SCENARIOS]
        for d in dirs:
            path = weather if os.path.isabs(weather) else os.path.join(d, weather)
            if os.path.isfile(path):
                with open(path, encoding="utf-8", errors="replace") as f:
                    fields = f.readline().split(",")
                try:
                    return float(fields[8])
                except (IndexError, ValueError):
                    return None
        return None

    def datetimes(self, t_s):
        """Seconds since the start -> numpy datetime64 (local standard time)."""
        start, _ = self.calendar()
        return start + (np.asarray(t_s, dtype=float) * 1e3).astype("timedelta64[ms]")

    def time_zone_label(self):
        _, offset = self.calendar()
        if offset is None:
            return "site local standard time"
        h = int(abs(offset))
        mins = int(round((abs(offset) - h) * 60))
        sign = "+" if offset >= 0 else "−"
        return f"local standard time, UTC{sign}{h}" + (f":{mins:02d}" if mins else "")

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
        """{component: W trace} of the components that drew power (all-zero ones are left
        out); one aggregate entry when only cooling_power_w exists. A fixed-PUE plant has one
        entry, 'fixed-PUE overhead': it models all non-IT power as (PUE - 1) x IT, not
        chillers."""
        agg = self.series("cooling_power_w")
        if self.cooling_type == "fixed-pue":
            total = agg if agg is not None else sum(self.cooling.values()) if self.cooling \
                else None
            return {"fixed-PUE overhead": total} if total is not None and np.any(total) else {}
        if self.cooling:
            return {k: v for k, v in self.cooling.items() if np.any(v)}
        return {"cooling": agg} if agg is not None and np.any(agg) else {}

    def loss_components(self):
        """{power-chain stage: W trace} of the stages with losses (all-zero ones left out)."""
        if self.losses:
            return {k: v for k, v in self.losses.items() if np.any(v)}
        agg = self.series("losses_w")
        return {"power-chain losses": agg} if agg is not None and np.any(agg) else {}

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
                block = xr.DataArray(np.asarray(ds[start:stop, :], dtype=float),
                                     dims=("time", "rack"))
                w = xr.DataArray(dt[start:stop], dims="time")
                # Interval-weighted time bins, then plain means over rack bins.
                tbins = (block * w).coarsen(time=step, boundary="pad").sum() / \
                    w.coarsen(time=step, boundary="pad").sum()
                avg = tbins.coarsen(rack=cstep, boundary="pad").mean()
                row = start // step
                out[row:row + avg.shape[0]] = avg.values
                times[row:row + avg.shape[0]] = xr.DataArray(t[start:stop], dims="time").coarsen(
                    time=step, boundary="pad").max().values
        edges = np.arange(0, ncbins * cstep + 1, cstep)
        edges[-1] = cols
        return times, edges, out


def downsample(time_s, values, max_points=2000):
    """Interval-weighted block averages of an interval-average trace (energy preserving):
    returns (block end times, block averages). Blocks of k = ceil(n / max_points) intervals
    (xarray's coarsen; the last block may be shorter): average = Σ P·dt / Σ dt."""
    time_s = np.asarray(time_s, dtype=float)
    values = np.asarray(values, dtype=float)
    n = len(time_s)
    if n <= max_points:
        return time_s, values
    k = int(np.ceil(n / max_points))
    dt = np.diff(np.concatenate(([0.0], time_s)))
    d = xr.Dataset({"e": ("time", values * dt), "dt": ("time", dt), "t": ("time", time_s)})
    blocks = d.coarsen(time=k, boundary="pad")
    sums = blocks.sum()
    return blocks.max()["t"].values, (sums["e"] / sums["dt"]).values


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
