#!/usr/bin/env bash
# Runs one scenario under every built-in scheduling policy (plus any given with -p) and prints
# a table of their KPIs from `joule summary --json`.
#
#   scripts/compare-policies.sh [-s SCENARIO] [-p POLICY]... [-- extra `joule run` options]
#
# Default scenario: scenarios/policies/compare.yaml. Outputs go to out/policy-NAME.h5.
# Policy keys: power-budget needs a limit; POWER_LIMIT (e.g. "1.2 MW") sets it, by default
# halfway between the mean and the peak power of the easy-backfill run (else 1 MW), so that
# the budget binds at the peaks and leaves the mean feasible.
# Example, the tutorial's policy beside the built-ins: scripts/compare-policies.sh -p shortest-job-first
set -euo pipefail
cd "$(dirname "$0")/.."

scenario=scenarios/policies/compare.yaml
policies=(fifo easy-backfill energy-packing carbon-aware power-budget thermal-aware topology-aware)
while [[ $# -gt 0 ]]; do
  case "$1" in
    -s) scenario="$2"; shift 2 ;;
    -p) policies+=("$2"); shift 2 ;;
    --) shift; break ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
extra=("$@")

joule=./build/joule
[[ -x $joule ]] || { echo "build first: scripts/build.sh" >&2; exit 1; }
mkdir -p out

budget_kw() {  # halfway between the mean and the peak facility (else IT) power of a run, kW
  "$joule" summary --json "$1" | /usr/bin/python3 -c '
import json, sys
s = json.load(sys.stdin)
peak = s.get("peak_facility_power_kw") or s.get("peak_it_power_kw")
energy = s.get("facility_energy_kwh") or s.get("it_energy_kwh")
hours = (s.get("simulated_s") or 0) / 3600
print(f"{(peak + energy / hours) / 2:.0f}" if peak and energy and hours else "")'
}

for p in "${policies[@]}"; do
  sets=(--set "scheduler.policy=$p")
  if [[ $p == power-budget ]]; then
    limit=${POWER_LIMIT:-}
    if [[ -z $limit && -f out/policy-easy-backfill.h5 ]]; then
      kw=$(budget_kw out/policy-easy-backfill.h5)
      [[ -n $kw ]] && limit="$kw kW"
    fi
    sets+=(--set "scheduler.limit=${limit:-1 MW}")
  fi
  echo "running $p ..." >&2
  "$joule" run "$scenario" "${sets[@]}" -o "out/policy-$p.h5" --force --quiet "${extra[@]}"
done

for p in "${policies[@]}"; do
  printf '%s\t' "$p"
  "$joule" summary --json "out/policy-$p.h5" | tr -d '\n'
  echo
done | /usr/bin/python3 -c '
import json, sys

# (summary key, column title, scale, format); keys a run does not report show as "-".
columns = [
    ("facility_energy_kwh", "MWh", 1e-3, "{:.1f}"),
    ("it_energy_kwh", "IT MWh", 1e-3, "{:.1f}"),
    ("pue", "PUE", 1, "{:.3f}"),
    ("peak_facility_power_kw", "peak MW", 1e-3, "{:.3f}"),
    ("p99_facility_power_kw", "p99 MW", 1e-3, "{:.3f}"),
    ("co2e_t", "tCO2e", 1, "{:.1f}"),
    ("cost_usd", "cost $", 1, "{:,.0f}"),
    ("mean_wait_s", "wait h", 1 / 3600, "{:.2f}"),
    ("p95_wait_s", "p95 wait h", 1 / 3600, "{:.2f}"),
    ("makespan_s", "makespan h", 1 / 3600, "{:.1f}"),
    ("gpu_utilization", "GPU util", 100, "{:.1f} %"),
    ("goodput", "goodput", 100, "{:.1f} %"),
    ("jobs_completed", "done", 1, "{:.0f}"),
]
rows = []
for line in sys.stdin:
    name, _, text = line.rstrip("\n").partition("\t")
    s = json.loads(text)
    s = s.get("summary", s)
    cells = [name]
    for key, _, scale, fmt in columns:
        v = s.get(key)
        cells.append("-" if v is None else fmt.format(v * scale))
    rows.append(cells)
# Drop columns no run reports (summary keys that have not landed yet).
keep = [0] + [i + 1 for i in range(len(columns)) if any(r[i + 1] != "-" for r in rows)]
head = ["policy"] + [c[1] for c in columns]
table = [[head[i] for i in keep]] + [[r[i] for i in keep] for r in rows]
widths = [max(len(r[i]) for r in table) for i in range(len(keep))]
for n, r in enumerate(table):
    print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
    if n == 0:
        print("  ".join("-" * w for w in widths))
'
