#!/usr/bin/env bash
# Runs one scenario under every registered scheduling policy (`joule list-models`; -p limits the
# run to the policies given) and prints a table of their KPIs from `joule summary --json`, with
# names, units and labels from the KPI registry (`joule kpis --json`).
#
#   scripts/compare-policies.sh [-s SCENARIO] [-p POLICY]... [-k POLICY.KEY=VALUE]...
#                               [-- extra `joule run` options]
#
# Default scenario: scenarios/policies/compare.yaml. Outputs go to out/policy-NAME.h5.
# Policy keys: -k POLICY.KEY=VALUE sets scheduler.KEY for that policy's run only (repeat it;
# e.g. -k energy-packing.idle_threshold="30 min"). Defaults for the policies that need a key:
# power-budget's limit (POWER_LIMIT, e.g. "1.2 MW") is halfway between the mean and the peak
# power of the easy-backfill run (else 1 MW), so the budget binds at the peaks and leaves the
# mean feasible; energy-budget's budget (ENERGY_BUDGET, e.g. "20 MWh") is 95 % of the
# easy-backfill run's mean daily energy (facility, else IT), with period 1 d (else 1 GWh).
# Example, two policies only: scripts/compare-policies.sh -p fifo -p shortest-job-first
set -euo pipefail
cd "$(dirname "$0")/.."

scenario=scenarios/policies/compare.yaml
policies=()
keys=()  # "POLICY.KEY=VALUE"
while [[ $# -gt 0 ]]; do
  case "$1" in
    -s) scenario="$2"; shift 2 ;;
    -p) policies+=("$2"); shift 2 ;;
    -k) [[ $2 == *.*=* ]] || { echo "-k wants POLICY.KEY=VALUE, got '$2'" >&2; exit 2; }
        keys+=("$2"); shift 2 ;;
    --) shift; break ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
extra=("$@")

joule=./build/joule
[[ -x $joule ]] || { echo "build first: scripts/build.sh" >&2; exit 1; }
mkdir -p out
if [[ ${#policies[@]} -eq 0 ]]; then
  # power-budget's default limit comes from the easy-backfill run: run that first.
  policies=(easy-backfill)
  while read -r p; do
    if [[ $p != easy-backfill ]]; then policies+=("$p"); fi
  done < <("$joule" list-models | sed -n "s/^policy '\([^']*\)'.*/\1/p")
fi

budget_kw() {  # halfway between the mean and the peak facility (else IT) power of a run, kW
  "$joule" summary --json "$1" | /usr/bin/python3 -c '
import json, sys
s = json.load(sys.stdin)
peak = s.get("peak_facility_power_kw") or s.get("peak_it_power_kw")
energy = s.get("facility_energy_kwh") or s.get("it_energy_kwh")
hours = (s.get("simulated_s") or 0) / 3600
print(f"{(peak + energy / hours) / 2:.0f}" if peak and energy and hours else "")'
}

daily_budget_kwh() {  # 95 % of the mean daily facility (else IT) energy of a run, kWh
  "$joule" summary --json "$1" | /usr/bin/python3 -c '
import json, sys
s = json.load(sys.stdin)
energy = s.get("facility_energy_kwh") or s.get("it_energy_kwh")
days = (s.get("simulated_s") or 0) / 86400
print(f"{0.95 * energy / days:.0f}" if energy and days else "")'
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
  if [[ $p == energy-budget ]]; then
    budget=${ENERGY_BUDGET:-}
    if [[ -z $budget && -f out/policy-easy-backfill.h5 ]]; then
      kwh=$(daily_budget_kwh out/policy-easy-backfill.h5)
      [[ -n $kwh ]] && budget="$kwh kWh"
    fi
    sets+=(--set "scheduler.budget=${budget:-1 GWh}")
  fi
  for kv in "${keys[@]}"; do
    if [[ ${kv%%.*} == "$p" ]]; then sets+=(--set "scheduler.${kv#*.}"); fi
  done
  echo "running $p ..." >&2
  "$joule" run "$scenario" "${sets[@]}" -o "out/policy-$p.h5" --force --quiet "${extra[@]}"
done

for p in "${policies[@]}"; do
  printf '%s\t' "$p"
  "$joule" summary --json "out/policy-$p.h5" | tr -d '\n'
  echo
done | KPIS="$("$joule" kpis --json)" /usr/bin/python3 -c '
import json, os, sys

# Rows: every KPI of the registry that some run reports (engine bookkeeping left out).
registry = [k for k in json.loads(os.environ["KPIS"]) if k["topic"] != "engine"]
names, runs = [], []
for line in sys.stdin:
    name, _, text = line.rstrip("\n").partition("\t")
    s = json.loads(text)
    names.append(name)
    runs.append(s.get("summary", s))

def cell(v):
    if v is None:
        return "-"
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.4g}"

table = [["KPI"] + names]
for k in registry:
    values = [r.get(k["name"]) for r in runs]
    if all(v is None for v in values):
        continue
    unit = "" if k["unit"] == "1" else " (" + k["unit"] + ")"
    table.append([k["label"] + unit] + [cell(v) for v in values])
widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
for n, r in enumerate(table):
    print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
    if n == 0:
        print("  ".join("-" * w for w in widths))
'
