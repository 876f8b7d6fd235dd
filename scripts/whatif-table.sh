#!/usr/bin/env bash
# Runs every planner what-if scenario (scenarios/whatif/h100-*.yaml) for its simulated year and
# prints the annual results as a markdown table. Outputs go to out/whatif/.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p out/whatif
for s in scenarios/whatif/h100-*.yaml; do
  name=$(basename "$s" .yaml)
  ./build/joule run "$s" -o "out/whatif/$name.h5" --force --quiet
  ./build/joule summary "out/whatif/$name.h5" --json > "out/whatif/$name.json"
done
/usr/bin/python3 - <<'PY'
import glob, json, os
rows = []
for path in sorted(glob.glob("out/whatif/*.json")):
    with open(path) as f:
        s = json.load(f)
    rows.append((os.path.basename(path)[:-5], s))
print("| scenario | IT MWh | facility MWh | PUE | peak MW | tCO2e | water m³ | WUE L/kWh | cost k$ |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for name, s in rows:
    print(f"| {name} | {s['it_energy_kwh']/1e3:,.0f} | {s['facility_energy_kwh']/1e3:,.0f} | "
          f"{s['pue']:.3f} | {s['peak_facility_power_kw']/1e3:.2f} | {s['co2e_t']:,.0f} | "
          f"{s['water_m3']:,.0f} | {s['wue_l_per_kwh']:.2f} | {s['cost_usd']/1e3:,.0f} |")
PY
