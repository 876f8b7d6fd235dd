"""Published training runs reproduced: paper-vs-simulation table with percentage errors.

The published figures come from scenarios/data/reference/published_training_energy.yaml (a copy
of the project's reference file, with its sources), or from a file of that name in the scenario
directory given, which takes precedence. Each run has two scenarios in that directory:
  <id>-replay.yaml      the published average power per accelerator, chip count, duration, PUE
                        and grid intensity; energy and tCO2e must match within 1 % (REPLAY_TOL)
  <id>-predictive.yaml  the hardware catalog, the model's FLOPs and the published throughput,
                        with the published PUE; the error is reported, not a target.

What is compared (from the HDF5 of each run):
  energy  = facility energy of the training job: job IT energy (Σ /jobs energy_kwh) times the
            run's facility/IT ratio (/summary facility_energy_kwh / it_energy_kwh); the IT
            energy alone when the scenario has no facility model (said in the notes)
  tCO2e   = /summary co2e_t times the job's share of IT energy
  days    = (last job end − first job start) / 86400
"""

import math
import os
import re
import subprocess

import pandas as pd
import yaml

from joule_analysis.runfile import NotAJouleFile, Run

REPLAY_TOL = 0.01
MODES = ("replay", "predictive")


def _duration_days(text):
    """'118 d 5 h 41 min' -> days."""
    unit_s = {"d": 86400.0, "h": 3600.0, "min": 60.0, "s": 1.0}
    total = 0.0
    for num, unit in re.findall(r"([0-9.]+)\s*(d|h|min|s)\b", str(text)):
        total += float(num) * unit_s[unit]
    return total / 86400.0


def _get(tree, *path):
    for p in path:
        tree = tree[p]
    return tree


class Case:
    """One published run: its scenarios' id, and how to read the paper's numbers."""

    def __init__(self, cid, label, ref, energy, co2, days, note=""):
        self.id, self.label, self.ref = cid, label, ref
        self._energy, self._co2, self._days, self.note = energy, co2, days, note

    def paper(self, reference):
        r = _get(reference, *self.ref)
        return {"energy_mwh": self._energy(r), "co2e_t": self._co2(r), "days": self._days(r)}


CASES = [
    Case("t5", "T5 (Patterson 2021)", ("patterson2021", "runs", "T5"),
         lambda r: r["energy_mwh"], lambda r: r["tco2e"], lambda r: r["days"]),
    Case("meena", "Meena (Patterson 2021)", ("patterson2021", "runs", "Meena"),
         lambda r: r["energy_mwh"], lambda r: r["tco2e"], lambda r: r["days"]),
    Case("gpt3", "GPT-3 (Patterson 2021)", ("patterson2021", "runs", "GPT-3"),
         lambda r: r["energy_mwh"], lambda r: r["tco2e"], lambda r: r["days"]),
    Case("bloom", "BLOOM 176B (Luccioni 2022)", ("bloom2022",),
         lambda r: r["dynamic_energy_kwh"] / 1e3, lambda r: r["dynamic_tco2e"],
         lambda r: _duration_days(r["duration"]),
         note="dynamic energy only (the paper's GPU-hours x 400 W, no PUE)"),
    Case("llama2-70b", "Llama 2 70B (model card)", ("llama2_70b",),
         lambda r: r["gpu_hours"] * r["power_w_per_gpu"] / 1e6, lambda r: r["tco2e"],
         lambda r: None,
         note="paper energy = GPU-hours x 400 W (PUE-adjusted per the card); "
              "no duration published"),
]


REFERENCE_NAME = "published_training_energy.yaml"


def default_scenario_dir():
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.normpath(os.path.join(here, "..", "..", "scenarios", "reproduce"))


def default_reference_file():
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.normpath(os.path.join(here, "..", "..", "scenarios", "data", "reference",
                                         REFERENCE_NAME))


def load_reference(scenario_dir):
    """The published figures: the scenario directory's own copy if it has one, else the
    shipped one (scenarios/data/reference)."""
    own = os.path.join(scenario_dir, REFERENCE_NAME)
    path = own if os.path.exists(own) else default_reference_file()
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def error_pct(simulated, paper):
    """Signed percentage error of the simulation relative to the paper."""
    if simulated is None or paper is None or not paper:
        return None
    return 100.0 * (simulated - paper) / paper


def simulated_values(run):
    """{energy_mwh, co2e_t, days, notes} of the training job(s) in a finished run."""
    notes = []
    s = run.summary
    jobs = run.jobs
    job_kwh = run.jobs_energy_kwh()
    it_kwh = s.get("it_energy_kwh") or 0.0
    share = job_kwh / it_kwh if it_kwh > 0 else 0.0
    if s.get("facility_energy_kwh") is not None:
        energy = s["facility_energy_kwh"] * share / 1e3
    else:
        energy = job_kwh / 1e3
        notes.append("no facility model: IT energy only")
    co2 = s["co2e_t"] * share if s.get("co2e_t") is not None else None
    if co2 is None:
        notes.append("no site carbon intensity: no tCO2e")
    days = None
    if len(jobs.get("id", [])):
        starts = [x for x in jobs["start_s"] if math.isfinite(x)]
        ends = [x for x in jobs["end_s"] if math.isfinite(x)]
        if ends and len(ends) == len(jobs["end_s"]):
            days = (max(ends) - min(starts)) / 86400.0
        else:
            notes.append("job did not finish within the scenario's duration")
    else:
        notes.append("no jobs in the run")
    return {"energy_mwh": energy, "co2e_t": co2, "days": days, "notes": notes}


QUANTITIES = [("energy_mwh", "energy (MWh)"), ("co2e_t", "emissions (tCO2e)"),
              ("days", "duration (d)")]


def build_rows(results):
    """results: [(case, mode, paper dict, simulated dict or None, error text)] ->
    (table rows, failures, notes). Rows hold numbers (paper, simulation, error in %; None
    where absent); report() formats them for markdown. A replay row fails when |error| > 1 %
    or the run is missing; predictive rows never fail (their error measures the models).
    Notes: numbered remarks and errors printed under the table, referenced from the check
    column as [n]."""
    rows, failures, notes = [], [], []
    for case, mode, paper, sim, err in results:
        if sim is None:
            notes.append(f"{case.id}-{mode}: not run: {err}")
            ref = f"not run [{len(notes)}]"
            for key, label in QUANTITIES:
                if paper.get(key) is not None:
                    rows.append([case.label, mode, label, paper[key], None, None, ref])
            if mode == "replay":
                failures.append(f"{case.id}-{mode}: {err}")
            continue
        first = len(rows)
        for key, label in QUANTITIES:
            p, v = paper.get(key), sim.get(key)
            if p is None and v is None:
                continue
            e = error_pct(v, p)
            check = ""
            if mode == "replay" and key in ("energy_mwh", "co2e_t"):
                if e is None:
                    check = "FAIL (missing)"
                    failures.append(f"{case.id}-{mode}: {label} missing")
                elif abs(e) <= 100 * REPLAY_TOL:
                    check = "ok (<= 1 %)"
                else:
                    check = "FAIL (> 1 %)"
                    failures.append(f"{case.id}-{mode}: {label} off by {e:+.2f} %")
            rows.append([case.label, mode, label, p, v, e, check])
        for n in ([case.note] if case.note else []) + sim.get("notes", []):
            notes.append(f"{case.id}-{mode}: {n}")
            if len(rows) > first:
                rows[first][6] = (rows[first][6] + f" [{len(notes)}]").strip()
    return rows, failures, notes


def _num(v):
    if v is None:
        return "-"
    return f"{v:,.1f}" if abs(v) >= 100 else f"{v:.4g}"


HEADER = ["run", "mode", "quantity", "paper", "simulation", "error", "check"]
CSV_HEADER = ["run", "mode", "quantity", "paper", "simulation", "error_pct", "check"]


def _display(row):
    run, mode, quantity, paper, sim, err, check = row
    return [run, mode, quantity, _num(paper), _num(sim),
            "-" if err is None else f"{err:+.2f} %", check]


def joule_binary(explicit=None):
    for cand in (explicit, os.environ.get("JOULE_BIN"), os.path.join(".", "build", "joule")):
        if cand and os.path.isfile(cand) and os.access(cand, os.X_OK):
            return os.path.abspath(cand)
    return None


def run_scenario(joule, scenario, output):
    """Runs `joule run SCENARIO -o OUTPUT --force -q`; returns None or the error text."""
    os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
    proc = subprocess.run([joule, "run", scenario, "-o", output, "--force", "-q"],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        msg = (proc.stderr or proc.stdout).strip().splitlines()
        return f"joule exited {proc.returncode}: " + (msg[0] if msg else "")
    return None


def reproduce(scenario_dir, outputs_dir, joule=None, reuse=False, modes=MODES, only=None,
              log=None):
    """Runs (or, with reuse, reads) every reproduction scenario; returns the results list for
    build_rows()."""
    reference = load_reference(scenario_dir)
    results = []
    for case in CASES:
        if only and case.id not in only:
            continue
        paper = case.paper(reference)
        for mode in modes:
            scenario = os.path.join(scenario_dir, f"{case.id}-{mode}.yaml")
            output = os.path.join(outputs_dir, f"{case.id}-{mode}.h5")
            err = ""
            if not os.path.exists(scenario):
                results.append((case, mode, paper, None, f"no scenario {scenario}"))
                continue
            if not reuse:
                if joule is None:
                    results.append((case, mode, paper, None,
                                    "no joule binary (--joule, $JOULE_BIN or ./build/joule)"))
                    continue
                if log:
                    log(f"running {os.path.relpath(scenario)} -> {output}")
                err = run_scenario(joule, scenario, output)
                if err:
                    results.append((case, mode, paper, None, err))
                    continue
            try:
                sim = simulated_values(Run(output))
            except NotAJouleFile as e:
                results.append((case, mode, paper, None, str(e)))
                continue
            results.append((case, mode, paper, sim, ""))
    return results


def report(results, fmt="markdown"):
    """(table text with its numbered notes under it, replay failures)."""
    rows, failures, notes = build_rows(results)
    if fmt == "csv":  # numbers, not formatted strings
        return pd.DataFrame(rows, columns=CSV_HEADER).to_csv(index=False,
                                                             float_format="%.10g"), failures
    frame = pd.DataFrame([_display(r) for r in rows], columns=HEADER)
    text = frame.to_markdown(index=False, colalign=list("lllrrrl")) + "\n"
    if notes:
        text += "\n" + "\n".join(f"[{i}] {n}" for i, n in enumerate(notes, 1)) + "\n"
    return text, failures
