"""Validation suite: every case in validation/ (contract: validation/README.md), published vs
simulated, and a failure whenever a case leaves its tolerance.

A case is one YAML file, validation/<domain>/<case>.yaml, of one of two kinds:
  scenario  run a Joule scenario (`joule run`), read one metric of its output and compare it
            with `published` (or, with `points:`, one metric per point: quantiles of the
            per-GPU power distribution, say)
  probe     pipe the points' `inputs` as a JSON list to build/validation/probes/probe_<name>
            and compare the JSON list of numbers it prints with the points' `published`

Metrics of a scenario case (`metric:`):
  any key of /summary (`joule summary --json`), e.g. facility_energy_kwh
  job_energy_mwh, job_co2e_t, job_days   the run's jobs only, as `analysis/joule reproduce`
                                         computes them (job IT energy x facility/IT ratio)
  job_accelerator_energy_mwh             the accelerators of the jobs' nodes only (no host,
                                         no facility): what a GPU-hours x watts figure counts
  gpu_power_quantile_w                   with points {inputs: {q: 0.5}}: the q-quantile of the
                                         per-GPU power of /gpu_power (busy and idle GPUs,
                                         every interval, linear within a bin)
  gpu_power_fraction_below_w             with points {inputs: {w: 150}}: share of GPU-time below

Errors: relative = (simulated - published) / published; a case (or point) passes when
|relative| <= tolerance.relative, or |simulated - published| <= tolerance.absolute.
A case may state `known_gap: "why"`: a model gap found and explained but not yet closed. Its
rows show GAP and are listed apart; they fail only with --strict. A known gap that passes is a
failure (the flag must go), so the list cannot go stale.
Exit status: 0 all pass, 1 some case out of tolerance (or its run failed), 2 a malformed case.
"""

import glob
import json
import math
import os
import subprocess

import numpy as np
import pandas as pd

from joule_analysis import reproduce
from joule_analysis.runfile import Run

REQUIRED = ("name", "source", "kind", "input", "predicted", "unit", "tolerance")
KINDS = ("scenario", "probe")
JOB_METRICS = {"job_energy_mwh": "energy_mwh", "job_co2e_t": "co2e_t", "job_days": "days"}
DISTRIBUTION_METRICS = ("gpu_power_quantile_w", "gpu_power_fraction_below_w")


class CaseError(ValueError):
    """A case file that does not follow the contract (exit 2)."""


def default_cases_dir():
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.normpath(os.path.join(here, "..", "..", "validation"))


def default_probes_dir(joule):
    """build/validation/probes beside the joule binary's build folder."""
    env = os.environ.get("JOULE_PROBES")
    if env:
        return env
    base = os.path.dirname(joule) if joule else os.path.join(".", "build")
    return os.path.join(base, "validation", "probes")


def _load_yaml(path):
    import yaml  # Debian's python3-yaml: flow mappings and lists of points need a full parser
    with open(path, encoding="utf-8") as f:
        try:
            return yaml.safe_load(f)
        except yaml.YAMLError as e:
            raise CaseError(f"{path}: not valid YAML ({e})") from None


def _tolerance(path, tol, where):
    if not isinstance(tol, dict) or not tol or set(tol) - {"relative", "absolute"}:
        raise CaseError(f"{path}: {where} must be {{relative: R}} or {{absolute: A}}, got {tol!r}")
    for k, v in tol.items():
        if not isinstance(v, (int, float)) or isinstance(v, bool) or not v > 0:
            raise CaseError(f"{path}: {where}.{k} must be a positive number, got {v!r}")
    return dict(tol)


def load_case(path):
    """The case as a dict, checked against the contract; raises CaseError."""
    case = _load_yaml(path)
    if not isinstance(case, dict):
        raise CaseError(f"{path}: a case is a mapping of keys (validation/README.md)")
    missing = [k for k in REQUIRED if k not in case]
    if missing:
        raise CaseError(f"{path}: missing {', '.join(missing)} (validation/README.md)")
    if case["kind"] not in KINDS:
        raise CaseError(f"{path}: kind must be one of {', '.join(KINDS)}, got {case['kind']!r}")
    case["tolerance"] = _tolerance(path, case["tolerance"], "tolerance")
    points = case.get("points")
    if case["kind"] == "probe":
        if not case.get("probe"):
            raise CaseError(f"{path}: a probe case needs probe: NAME")
        if not points:
            raise CaseError(f"{path}: a probe case needs points: [{{inputs: ..., published: ...}}]")
    else:
        if not case.get("scenario") or not case.get("metric"):
            raise CaseError(f"{path}: a scenario case needs scenario: and metric:")
        if case["metric"] in DISTRIBUTION_METRICS:
            if not points:
                raise CaseError(f"{path}: metric {case['metric']} needs points with inputs")
        elif points:
            raise CaseError(f"{path}: points: are for probes and distribution metrics")
        elif not isinstance(case.get("published"), (int, float)):
            raise CaseError(f"{path}: a scenario case needs published: NUMBER")
        case["scenario_path"] = os.path.normpath(
            os.path.join(os.path.dirname(os.path.abspath(path)), case["scenario"]))
        if not os.path.isfile(case["scenario_path"]):
            raise CaseError(f"{path}: scenario {case['scenario']} not found")
    if points is not None:
        if not isinstance(points, list):
            raise CaseError(f"{path}: points must be a list")
        for i, p in enumerate(points):
            if not isinstance(p, dict) or not isinstance(p.get("inputs"), dict) or \
                    not isinstance(p.get("published"), (int, float)):
                raise CaseError(f"{path}: points[{i}] must be {{inputs: {{...}}, published: N}}")
            if "tolerance" in p:
                p["tolerance"] = _tolerance(path, p["tolerance"], f"points[{i}].tolerance")
    gap = case.get("known_gap")
    if gap is not None and (not isinstance(gap, str) or not gap.strip()):
        raise CaseError(f"{path}: known_gap must say why the case is off, got {gap!r}")
    scale = case.get("scale", 1.0)
    if not isinstance(scale, (int, float)) or isinstance(scale, bool):
        raise CaseError(f"{path}: scale must be a number, got {scale!r}")
    case["path"] = path
    return case


def discover(cases_dir, only=None):
    paths = sorted(glob.glob(os.path.join(cases_dir, "**", "*.yaml"), recursive=True))
    paths = [p for p in paths if os.sep + "probes" + os.sep not in p]
    if only:
        paths = [p for p in paths if any(o in os.path.relpath(p, cases_dir) for o in only)]
    return paths


def within(simulated, published, tol):
    """(passes, relative error or None)."""
    if simulated is None or not math.isfinite(simulated):
        return False, None
    rel = (simulated - published) / published if published else None
    ok = False
    if "relative" in tol and rel is not None:
        ok = abs(rel) <= tol["relative"] + 1e-12
    if "absolute" in tol:
        ok = ok or abs(simulated - published) <= tol["absolute"] + 1e-12
    return ok, rel


def _histogram(run_path):
    """(bin edges W, GPU-seconds per bin) of /gpu_power, summed over its intervals."""
    import h5py
    import numpy as np
    with h5py.File(run_path, "r") as f:
        if "gpu_power" not in f:
            raise CaseError(f"{run_path}: no /gpu_power histogram (a newer joule writes it)")
        g = f["gpu_power"]
        edges = np.asarray(g["bin_edges_w"][()], dtype=float)
        counts = np.asarray(g["gpu_seconds"][()], dtype=float).sum(axis=0)
    return edges, counts


def distribution_metric(metric, run_path, inputs):
    import numpy as np
    edges, counts = _histogram(run_path)
    cdf = np.concatenate([[0.0], np.cumsum(counts)])
    total = cdf[-1]
    if total <= 0:
        return None
    cdf /= total
    if metric == "gpu_power_quantile_w":
        q = float(inputs["q"])
        return float(np.interp(q, cdf, edges))
    w = float(inputs["w"])
    return float(np.interp(w, edges, cdf))


def _run_with_uncertainty(joule, scenario, output, samples, jobs):
    """`joule run SCENARIO --uncertainty N --keep-samples`: the nominal run in OUTPUT, the samples
    in OUTPUT.samples/. Returns None or the error text."""
    os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
    cmd = [joule, "run", scenario, "-o", output, "--force", "-q", "--uncertainty", str(samples),
           "--keep-samples"]
    if jobs:
        cmd += ["-j", str(jobs)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        msg = (proc.stderr or proc.stdout).strip().splitlines()
        return f"joule exited {proc.returncode}: " + (msg[0] if msg else "")
    return None


def sample_files(output):
    """The kept sample outputs of `joule run --uncertainty N --keep-samples -o OUTPUT`, in order
    (the nominal run itself when N = 1)."""
    files = sorted(glob.glob(os.path.join(output + ".samples", "s*.h5")))
    return files or [output]


def band(values):
    """(P5, P95) of the values, linear between order statistics (as `joule run --uncertainty`)."""
    v = sorted(x for x in values if x is not None and x == x)
    if not v:
        return None
    return (float(np.percentile(v, 5)), float(np.percentile(v, 95)))


def run_scenario_case(case, joule, outputs_dir, reuse=False, uncertainty=0, jobs=0):
    """[(label, published, simulated, tolerance)] of a scenario case, or raises RuntimeError.
    With `uncertainty` N > 0 each row gets a fifth element, the (P5, P95) of the metric over the
    N samples of `joule run --uncertainty N`."""
    rel = os.path.splitext(os.path.basename(case["path"]))[0]
    domain = os.path.basename(os.path.dirname(case["path"]))
    out = os.path.join(outputs_dir, f"{domain}-{rel}.h5")
    if not (reuse and os.path.exists(out)):
        if joule is None:
            raise RuntimeError("no joule binary")
        if uncertainty:
            err = _run_with_uncertainty(joule, case["scenario_path"], out, uncertainty, jobs)
        else:
            err = reproduce.run_scenario(joule, case["scenario_path"], out)
        if err:
            raise RuntimeError(err)
    rows = case_rows(case, out)
    if not uncertainty:
        return rows
    per_sample = [case_rows(case, f) for f in sample_files(out)]
    return [row + (band([s[i][2] for s in per_sample]),) for i, row in enumerate(rows)]


def case_rows(case, out):
    """[(label, published, simulated, tolerance)] of a scenario case from its output file."""
    run = Run(out)
    metric, scale = case["metric"], case.get("scale", 1.0)
    if metric in DISTRIBUTION_METRICS:
        rows = []
        for p in case["points"]:
            v = distribution_metric(metric, out, p["inputs"])
            label = ", ".join(f"{k}={v}" for k, v in p["inputs"].items())
            rows.append((label, p["published"], None if v is None else v * scale,
                         p.get("tolerance", case["tolerance"])))
        return rows
    if metric in JOB_METRICS:
        value = reproduce.simulated_values(run)[JOB_METRICS[metric]]
    elif metric == "job_accelerator_energy_mwh":
        e = run.jobs.get("accelerator_energy_kwh")
        if e is None:
            raise RuntimeError("the run's jobs table has no accelerator_energy_kwh")
        value = float(sum(x for x in e if x == x)) / 1e3
    else:
        if metric not in run.summary:
            raise RuntimeError(f"metric {metric} is not in the run's summary")
        value = run.summary[metric]
    return [(metric, case["published"], None if value is None else value * scale,
             case["tolerance"])]


def run_probe_case(case, probes_dir):
    exe = os.path.join(probes_dir, "probe_" + case["probe"])
    if not os.access(exe, os.X_OK):
        raise RuntimeError(f"probe {exe} not built")
    inputs = [p["inputs"] for p in case["points"]]
    proc = subprocess.run([exe], input=json.dumps(inputs), capture_output=True, text=True)
    if proc.returncode != 0:
        last = proc.stderr.strip().splitlines()[-1:] or [""]
        raise RuntimeError(f"probe_{case['probe']} exited {proc.returncode}: {last[0]}")
    try:
        values = json.loads(proc.stdout)
    except json.JSONDecodeError as e:
        raise RuntimeError(f"probe_{case['probe']} printed no JSON list ({e})") from None
    if not isinstance(values, list) or len(values) != len(inputs):
        got = len(values) if isinstance(values, list) else "no"
        raise RuntimeError(f"probe_{case['probe']} returned {got} values for {len(inputs)} points")
    scale = case.get("scale", 1.0)
    rows = []
    for p, v in zip(case["points"], values):
        label = ", ".join(f"{k}={v}" for k, v in p["inputs"].items())
        rows.append((label, p["published"], None if v is None else float(v) * scale,
                     p.get("tolerance", case["tolerance"])))
    return rows


def _tol_text(tol):
    parts = []
    if "relative" in tol:
        parts.append(f"±{100 * tol['relative']:g} %")
    if "absolute" in tol:
        parts.append(f"±{tol['absolute']:g}")
    return " or ".join(parts)


def _num(v):
    if v is None:
        return "-"
    return f"{v:,.1f}" if abs(v) >= 100 else f"{v:.4g}"


HEADER = ["case", "point", "unit", "published", "simulated", "error", "tolerance", "check"]


def validate(cases, joule, probes_dir, outputs_dir, reuse=False, log=None, gaps=None,
             uncertainty=0, jobs=0):
    """(table rows, failures) over the loaded cases; out-of-tolerance rows of a case with
    known_gap go to `gaps` (a list) instead of failures when one is given. With `uncertainty`
    N > 0 scenario cases run with `joule run --uncertainty N` and each row ends with its band
    (P5, P95) and whether the published figure is inside it (None for probe cases: they
    evaluate one model at fixed coefficients and have no band)."""
    rows, failures = [], []
    for case in cases:
        name = os.path.relpath(case["path"], os.path.dirname(os.path.dirname(case["path"])))
        if log:
            log(f"validate: {name} ({case['kind']})")
        try:
            if case["kind"] == "scenario":
                results = run_scenario_case(case, joule, outputs_dir, reuse, uncertainty, jobs)
            else:
                results = run_probe_case(case, probes_dir)
        except (RuntimeError, OSError, KeyError, ValueError) as e:
            rows.append([name, "-", case["unit"], None, None, None, _tol_text(case["tolerance"]),
                         "FAIL"] + ([None, None] if uncertainty else []))
            failures.append(f"{name}: {e}")
            continue
        gap = case.get("known_gap")
        all_ok = True
        for result in results:
            label, published, simulated, tol = result[:4]
            ok, rel = within(simulated, published, tol)
            all_ok = all_ok and ok
            err = None if rel is None else 100 * rel
            check = "ok" if ok else "FAIL"
            if not ok:
                text = (f"{name} [{label}]: simulated {_num(simulated)} vs published "
                        f"{_num(published)} {case['unit']} ({_err(err)}; tolerance "
                        f"{_tol_text(tol)})")
                if gap and gaps is not None:
                    gaps.append(f"{text}. Known gap: {gap.strip()}")
                    check = "GAP"
                else:
                    failures.append(text)
            row = [name, label, case["unit"], published, simulated, err, _tol_text(tol), check]
            if uncertainty:
                b = result[4] if len(result) > 4 else None
                row += [b, None if b is None else b[0] <= published <= b[1]]
            rows.append(row)
        if gap and all_ok:
            failures.append(f"{name}: passes but is marked known_gap: remove the flag")
    return rows, failures


def _err(e):
    return "-" if e is None else f"{e:+.1f} %"


def report(rows, fmt="markdown"):
    """The table: CSV holds numbers (error in percent, blank where not computed); markdown
    formats them. Rows with a band (validate(..., uncertainty=N)) add P5, P95 and inside."""
    banded = bool(rows) and len(rows[0]) > len(HEADER)
    if fmt == "csv":
        header = HEADER[:5] + ["error_pct"] + HEADER[6:]
        if banded:
            header += ["p5", "p95", "inside"]
            rows = [r[:8] + [r[8][0] if r[8] else None, r[8][1] if r[8] else None, r[9]]
                    for r in rows]
        return pd.DataFrame(rows, columns=header).to_csv(index=False)
    shown = [r[:3] + [_num(r[3]), _num(r[4]), _err(r[5])] + r[6:8] for r in rows]
    header, align_text = list(HEADER), "llllrrrl"
    if banded:
        for s_row, r in zip(shown, rows):
            s_row += ["-" if r[8] is None else f"{_num(r[8][0])} – {_num(r[8][1])}",
                      "-" if r[9] is None else ("yes" if r[9] else "no")]
        header += ["P5 – P95", "inside"]
        align_text += "rl"
    align = [{"l": "left", "r": "right"}[a] for a in align_text]
    return pd.DataFrame(shown, columns=header).to_markdown(index=False, colalign=align) + "\n"


def coverage(rows):
    """(inside, banded, total): published figures inside their P5–P95, figures with a band
    (scenario cases that ran), all figures."""
    banded = [r for r in rows if len(r) > len(HEADER) and r[9] is not None]
    return sum(1 for r in banded if r[9]), len(banded), len(rows)


def sources(cases):
    """Markdown list: case, what is input, what is predicted, source."""
    lines = []
    for c in cases:
        name = os.path.relpath(c["path"], os.path.dirname(os.path.dirname(c["path"])))
        lines.append(f"- `{name}`: {c['name']}. Input: {c['input']}. Predicted: {c['predicted']}. "
                     f"Source: {c['source']}")
    return "\n".join(lines) + "\n"
