#!/usr/bin/env bash
# The energy levers one at a time, then combined, on the shipped policy comparison
# (scenarios/policies/compare.yaml: a week on 1,024 H100 GPUs in Dallas, ERCOT prices and carbon,
# chilled water, 2N UPS, 30 % of the jobs flexible). Prints a Markdown table: facility energy
# (the load), grid import and its peak, carbon, cost, mean wait and throughput (jobs completed,
# useful GPU-hours, facility kWh per useful GPU-hour), each with its change from the baseline
# (easy-backfill, nothing else). README "Energy levers" is its output.
#
#   scripts/lever-table.sh [-s SCENARIO] [-- extra `joule run` options]
#
# Outputs go to out/lever-NAME.h5. The budgets derive from the baseline run: power-budget's
# limit halfway between its mean and peak facility power; energy-budget's daily budget 95 % of
# its mean daily facility energy.
set -euo pipefail
cd "$(dirname "$0")/.."

scenario=scenarios/policies/compare.yaml
while [[ $# -gt 0 ]]; do
  case "$1" in
    -s) scenario="$2"; shift 2 ;;
    --) shift; break ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
extra=("$@")

joule=./build/joule
[[ -x $joule ]] || { echo "build first: scripts/build.sh" >&2; exit 1; }
mkdir -p out

run() {  # NAME --set ... : one variant
  local name=$1
  shift
  echo "running $name ..." >&2
  "$joule" run "$scenario" "$@" -o "out/lever-$name.h5" --force --quiet "${extra[@]}"
}

kpi() {  # FILE EXPRESSION: a number from the run's summary
  "$joule" summary --json "$1" | /usr/bin/python3 -c "
import json, sys
s = json.load(sys.stdin)
s = s.get('summary', s)
print($2)"
}

run baseline --set scheduler.policy=easy-backfill
limit_kw=$(kpi out/lever-baseline.h5 \
  "round((s['peak_facility_power_kw'] + s['facility_energy_kwh'] / (s['simulated_s'] / 3600)) / 2)")
budget_kwh=$(kpi out/lever-baseline.h5 \
  "round(0.95 * s['facility_energy_kwh'] / (s['simulated_s'] / 86400))")

# Name | what it changes | the --set options. Levers a scheduling policy carries cannot be
# stacked (one policy per run): the combination takes the one that saves the most energy alone.
levers=(
  "gpu-cap|GPU power cap 500 W (DVFS)|cluster.node.gpu_power_cap=500 W"
  "idle-shutdown|idle nodes sleep (energy-packing)|scheduler.policy=energy-packing"
  "power-budget|facility power capped at ${limit_kw} kW (power-budget)|scheduler.policy=power-budget;scheduler.limit=${limit_kw} kW"
  "energy-budget|${budget_kwh} kWh a day (energy-budget)|scheduler.policy=energy-budget;scheduler.budget=${budget_kwh} kWh"
  "carbon-aware|flexible jobs to low-carbon hours (carbon-aware)|scheduler.policy=carbon-aware"
  "price-aware|flexible jobs to cheap hours (price-aware)|scheduler.policy=price-aware"
  "elastic|half the jobs elastic, n/2 to 2n nodes (elastic)|scheduler.policy=elastic;workload.elastic.share=0.5"
  "load-balance|racks by thermal and power headroom, spread (load-balance)|scheduler.policy=load-balance"
  "migration|half the jobs preemptible, moved at checkpoints (load-balance)|scheduler.policy=load-balance;workload.preemptible.share=0.5"
  "cooling-reset|chilled water and supply air reset by load (ASHRAE 90.1)|cooling.reset=load"
  "pv-battery|1 MW PV + 2 MWh battery (price arbitrage below ${limit_kw} kW)|power_chain.pv.peak=1 MW;power_chain.battery.capacity=2 MWh;power_chain.battery.max_charge=500 kW;power_chain.battery.max_discharge=500 kW;power_chain.battery.dispatch=price;power_chain.battery.peak_shave_above=${limit_kw} kW"
  "combined|idle shutdown + GPU cap + cooling reset + PV and battery|scheduler.policy=energy-packing;cluster.node.gpu_power_cap=500 W;cooling.reset=load;power_chain.pv.peak=1 MW;power_chain.battery.capacity=2 MWh;power_chain.battery.max_charge=500 kW;power_chain.battery.max_discharge=500 kW;power_chain.battery.dispatch=price;power_chain.battery.peak_shave_above=${limit_kw} kW"
)
names=(baseline)
labels=("baseline: easy-backfill")
for lever in "${levers[@]}"; do
  IFS='|' read -r name label sets <<<"$lever"
  args=()
  IFS=';' read -ra pairs <<<"$sets"
  for kv in "${pairs[@]}"; do args+=(--set "$kv"); done
  run "$name" "${args[@]}"
  names+=("$name")
  labels+=("$label")
done

for i in "${!names[@]}"; do
  printf '%s\t%s\t' "${names[$i]}" "${labels[$i]}"
  "$joule" summary --json "out/lever-${names[$i]}.h5" | tr -d '\n'
  echo
done | /usr/bin/python3 -c '
import json, sys
rows = []
for line in sys.stdin:
    name, label, text = line.rstrip("\n").split("\t", 2)
    s = json.loads(text)
    rows.append((name, label, s.get("summary", s)))
base = rows[0][2]
cols = [("facility MWh", lambda s: s["facility_energy_kwh"] / 1000, "{:,.1f}"),
        ("grid MWh", lambda s: s["grid_import_kwh"] / 1000, "{:,.1f}"),
        ("peak grid kW", lambda s: s["peak_grid_import_kw"], "{:,.0f}"),
        ("grid tCO2e", lambda s: s["co2e_t"], "{:,.2f}"),
        ("cost USD", lambda s: s["cost_usd"], "{:,.0f}"),
        ("mean wait h", lambda s: s["mean_wait_s"] / 3600, "{:.2f}"),
        ("jobs done", lambda s: s["jobs_completed"], "{:,.0f}"),
        ("useful GPU-h", lambda s: s["useful_gpu_h"], "{:,.0f}"),
        ("kWh per useful GPU-h", lambda s: s["facility_energy_kwh"] / s["useful_gpu_h"], "{:.3f}")]
print("| lever | " + " | ".join(c[0] for c in cols) + " |")
print("|---|" + "---:|" * len(cols))
for name, label, s in rows:
    cells = []
    for _, f, fmt in cols:
        v, b = f(s), f(base)
        cell = fmt.format(v)
        if name != "baseline" and b:
            cell += f" ({100 * (v - b) / b:+.1f} %)"
        cells.append(cell)
    print(f"| {label} | " + " | ".join(cells) + " |")
'
