#!/usr/bin/env bash
# Runs every planner what-if scenario (scenarios/whatif/h100-*.yaml) for its simulated year and
# prints the annual results as a markdown table whose columns are the KPI registry's energy,
# power, environment and cost KPIs (`joule kpis --json`). Outputs go to out/whatif/.
# UNCERTAINTY=N runs each with `joule run --uncertainty N` (JOBS samples at a time, default 2)
# and prints every cell as "nominal (P5–P95)" (docs/uncertainty.md). COLUMNS_KPIS=a,b,c keeps
# those KPIs only (the README's table); kWh, kW and USD are shown as MWh, MW and k$.
# TABLE_ONLY=1 reprints the table from the outputs already in out/whatif/.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p out/whatif
joule=${JOULE:-./build/joule}
extra=()
if [ "${UNCERTAINTY:-0}" -gt 0 ]; then
  extra=(--uncertainty "$UNCERTAINTY" -j "${JOBS:-2}")
fi
[ -n "${TABLE_ONLY:-}" ] || rm -f out/whatif/*.json
for s in scenarios/whatif/h100-*.yaml; do
  [ -z "${TABLE_ONLY:-}" ] || break
  name=$(basename "$s" .yaml)
  "$joule" run "$s" -o "out/whatif/$name.h5" --force --quiet "${extra[@]}"
  "$joule" summary "out/whatif/$name.h5" --json > "out/whatif/$name.json"
done
KPIS="$("$joule" kpis --json)" /usr/bin/python3 - <<'PY'
import glob, json, os
import h5py
# Columns: the KPI registry's energy, power, environment and cost KPIs (`joule kpis --json`)
# that some scenario reports.
registry = [k for k in json.loads(os.environ["KPIS"])
            if k["topic"] in ("energy", "power", "environment", "cost")]
rows, bands = [], {}
for path in sorted(glob.glob("out/whatif/*.json")):
    with open(path) as f:
        rows.append((os.path.basename(path)[:-5], json.load(f)))
    # P5 and P95 of each KPI when the run sampled its uncertainty (/uncertainty).
    with h5py.File(path[:-5] + ".h5") as h5:
        if "uncertainty" in h5:
            u = h5["uncertainty"]
            bands[rows[-1][0]] = dict(zip(u["kpi_name"].asstr()[...],
                                          zip(u["p5"][...], u["p95"][...])))
cols = [k for k in registry if any(s.get(k["name"]) is not None for _, s in rows)]
if os.environ.get("COLUMNS_KPIS"):
    keep = os.environ["COLUMNS_KPIS"].split(",")
    cols = sorted((k for k in cols if k["name"] in keep), key=lambda k: keep.index(k["name"]))
SCALE = {"kWh": ("MWh", 1e-3), "kW": ("MW", 1e-3), "USD": ("k$", 1e-3)}
def unit(k):
    return SCALE.get(k["unit"], (k["unit"], 1.0))
def num(v):
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.4g}"
def cell(v, band=None):
    if v is None:
        return "-"
    if band is None or not band[1] - band[0] > 1e-9 * max(1.0, abs(v)):
        return num(v)
    return f"{num(v)} ({num(band[0])}–{num(band[1])})"
print("| scenario | " + " | ".join(
    k["label"] + ("" if k["unit"] == "1" else " (" + unit(k)[0] + ")") for k in cols) + " |")
print("|---|" + "---:|" * len(cols))
for name, s in rows:
    b = bands.get(name, {})
    def scaled(k):
        f = unit(k)[1]
        v, band = s.get(k["name"]), b.get(k["name"])
        return (None if v is None else v * f), (None if band is None else
                                                (band[0] * f, band[1] * f))
    print(f"| {name} | " + " | ".join(cell(*scaled(k)) for k in cols) + " |")
PY
