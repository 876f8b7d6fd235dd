#!/usr/bin/env bash
# Runs scenarios/swing/llama3-16k-swings.yaml (20 simulated minutes, ~2 s) and prints the tables
# of docs/tutorials/power-swings.md: the baseline swing metrics of IT, facility and grid import;
# each mitigation's grid swing against its energy and throughput cost (applied to the windows);
# the floor and the filler acting in the run (two more runs: the run's totals move); the 1 MW/s
# ramp limit held in the run (a fourth run: ramp-down at job ends, the floor raised on phase
# swings); the demand-response event. The output goes to out/swing/.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p out/swing
./build/joule run scenarios/swing/llama3-16k-swings.yaml -o out/swing/swings.h5 --force --quiet
./build/joule summary out/swing/swings.h5 --json > out/swing/swings.json
for m in floor filler; do
  ./build/joule run scenarios/swing/llama3-16k-swings.yaml --set "swing.$m.apply=run" \
    -o "out/swing/swings-$m-run.h5" --force --quiet
  ./build/joule summary "out/swing/swings-$m-run.h5" --json > "out/swing/swings-$m-run.json"
done
./build/joule run scenarios/swing/llama3-16k-swings.yaml --set grid.ramp_down=true \
  --set grid.ramp_floor=true -o out/swing/swings-ramp-held.h5 --force --quiet
./build/joule summary out/swing/swings-ramp-held.h5 --json > out/swing/swings-ramp-held.json
/usr/bin/python3 - <<'PY'
import json
s = json.load(open("out/swing/swings.json"))
def f(v, fmt="{:.2f}"):
    return "-" if v is None else fmt.format(v)
print("Baseline swings (three 2-min windows at 10 ms):\n")
print("| channel | ramp up 1 s (MW) | ramp down 1 s (MW) | range (MW) | RMS 0.1-20 Hz (MW) "
      "| share 0.1-1 Hz | share 1-5 Hz | share 5-20 Hz | peak (Hz) | largest step (MW) |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for c, label in (("it", "IT"), ("facility", "facility"), ("grid", "grid import")):
    k = f"swing_{c}_"
    print(f"| {label} | {f(s[k+'ramp_up_1s_mw'])} | {f(s[k+'ramp_down_1s_mw'])} | "
          f"{f(s[k+'range_mw'])} | {f(s[k+'rms_0p1_20hz_mw'])} | {f(s[k+'band_0p1_1hz'], '{:.3f}')} | "
          f"{f(s[k+'band_1_5hz'], '{:.3f}')} | {f(s[k+'band_5_20hz'], '{:.3f}')} | "
          f"{f(s[k+'peak_hz'], '{:.3f}')} | {f(s[k+'step_mw'])} |")
causes = ["none", "phase", "checkpoint", "failure", "job start", "job end"]
print(f"\nStep period {f(s['swing_step_period_s'])} s; largest grid step at "
      f"{f(s['swing_step_time_s'], '{:.2f}')} s, cause: {causes[int(s['swing_step_cause'])]}; "
      f"1-s ramp above 1 MW/s for {f(s['swing_ramp_limit_violation_s'], '{:.1f}')} s of 360 s.\n")
print("Mitigations (grid import) against their cost:\n")
print("| measure | range (MW) | 1-s ramp (MW) | RMS 0.1-20 Hz (MW) | extra power (kW) "
      "| extra energy | throughput loss |")
print("|---|---:|---:|---:|---:|---:|---:|")
print(f"| none | {f(s['swing_grid_range_mw'])} | "
      f"{f(max(s['swing_grid_ramp_up_1s_mw'], s['swing_grid_ramp_down_1s_mw']))} | "
      f"{f(s['swing_grid_rms_0p1_20hz_mw'])} | 0 | 0 % | 0 % |")
for m in ("floor", "filler", "rack_storage", "bess", "stagger"):
    k = f"swing_{m}_"
    if s.get(k + "range_mw") is None:
        continue
    print(f"| {m} | {f(s[k+'range_mw'])} | {f(s[k+'ramp_1s_mw'])} | {f(s[k+'rms_mw'])} | "
          f"{f(s[k+'extra_kw'], '{:.0f}')} | {f(100 * s[k+'extra_share'], '{:.2f}')} % | "
          f"{f(100 * s[k+'throughput_loss'], '{:.1f}')} % |")
print("\nThe floor and the filler acting in the run (apply: run), and the 1 MW/s ramp limit held "
      "in the run (whole 20-min run):\n")
print("| run | IT energy (kWh) | facility energy (kWh) | CO2e (t) | lift (kWh) "
      "| grid range (MW) | grid 1-s ramp (MW) | grid RMS 0.1-20 Hz (MW) | above 1 MW/s (s) |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
def ramp(x):
    return max(x["swing_grid_ramp_up_1s_mw"], x["swing_grid_ramp_down_1s_mw"])
held = json.load(open("out/swing/swings-ramp-held.json"))
for label, x in (("baseline", s),
                 ("floor in run", json.load(open("out/swing/swings-floor-run.json"))),
                 ("filler in run", json.load(open("out/swing/swings-filler-run.json"))),
                 ("ramp limit held", held)):
    lift = x.get("grid_ramp_floor_kwh") or x.get("swing_lift_run_kwh") or 0.0
    print(f"| {label} | {f(x['it_energy_kwh'], '{:.0f}')} | "
          f"{f(x['facility_energy_kwh'], '{:.0f}')} | {f(x['co2e_t'], '{:.3f}')} | "
          f"{f(lift, '{:.0f}')} | {f(x['swing_grid_range_mw'])} | "
          f"{f(ramp(x))} | {f(x['swing_grid_rms_0p1_20hz_mw'])} | "
          f"{f(x['swing_ramp_limit_violation_s'], '{:.1f}')} |")
print(f"\nRamp limit held: {f(held.get('grid_ramp_floor_jobs'), '{:.0f}')} job(s) lifted by the "
      f"ramp floor ({f(held.get('grid_ramp_floor_kwh'), '{:.0f}')} kWh; unmet: "
      f"{f(held.get('grid_ramp_floor_unmet_cap'), '{:.0f}')} above the cap, "
      f"{f(held.get('grid_ramp_floor_unmet_model'), '{:.0f}')} without a floor model); "
      f"{f(held.get('grid_ramp_down_events'), '{:.0f}')} job end(s) or failure(s) ramped down "
      f"({f(held.get('grid_ramp_down_kwh'), '{:.1f}')} kWh).")
print("\nDemand response (3 MW within 2 min for 5 min; no flexible job: by accelerator caps):\n")
print("| events | met | curtailed (kWh) | work deferred (GPU-h) | work paused (GPU-h) "
      "| energy shifted (kWh) | time capped (h) |")
print("|---:|---:|---:|---:|---:|---:|---:|")
print(f"| {f(s['grid_dr_events'], '{:.0f}')} | {f(s['grid_dr_met'], '{:.0f}')} | "
      f"{f(s['grid_dr_curtailed_kwh'], '{:.0f}')} | {f(s['grid_dr_deferred_gpu_h'], '{:.0f}')} | "
      f"{f(s['grid_dr_paused_gpu_h'], '{:.0f}')} | "
      f"{f(s['grid_dr_shifted_kwh'], '{:.0f}')} | {f(s['grid_capped_h'], '{:.3f}')} |")
PY
