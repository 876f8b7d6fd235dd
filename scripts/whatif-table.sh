#!/usr/bin/env bash
# Runs every planner what-if scenario (scenarios/whatif/h100-*.yaml) for its simulated year and
# prints the annual results as a markdown table whose columns are the KPI registry's energy,
# power, environment and cost KPIs (`joule kpis --json`). Outputs go to out/whatif/.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p out/whatif
for s in scenarios/whatif/h100-*.yaml; do
  name=$(basename "$s" .yaml)
  ./build/joule run "$s" -o "out/whatif/$name.h5" --force --quiet
  ./build/joule summary "out/whatif/$name.h5" --json > "out/whatif/$name.json"
done
KPIS="$(./build/joule kpis --json)" /usr/bin/python3 - <<'PY'
import glob, json, os
# Columns: the KPI registry's energy, power, environment and cost KPIs (`joule kpis --json`)
# that some scenario reports.
registry = [k for k in json.loads(os.environ["KPIS"])
            if k["topic"] in ("energy", "power", "environment", "cost")]
rows = []
for path in sorted(glob.glob("out/whatif/*.json")):
    with open(path) as f:
        rows.append((os.path.basename(path)[:-5], json.load(f)))
cols = [k for k in registry if any(s.get(k["name"]) is not None for _, s in rows)]
def cell(v):
    if v is None:
        return "-"
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.3g}"
print("| scenario | " + " | ".join(
    k["label"] + ("" if k["unit"] == "1" else " (" + k["unit"] + ")") for k in cols) + " |")
print("|---|" + "---:|" * len(cols))
for name, s in rows:
    print(f"| {name} | " + " | ".join(cell(s.get(k["name"])) for k in cols) + " |")
PY
