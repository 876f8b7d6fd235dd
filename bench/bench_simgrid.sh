#!/usr/bin/env bash
# Joule's engine against SimGrid (s4u, its default context factory) on the hold model at 100,
# 1,000 and 10,000 pending events (actors, for SimGrid), with their ratio; the #20 target is
# >= 50x. SimGrid allows one engine per process, so each count runs in RUNS processes (default
# 3), each timing SimGrid once and Joule three times; the ratio is Joule's best over SimGrid's
# best, so that both sides get the same number of tries (SimGrid's own rate moves by up to
# 1.7x from one process to the next). Needs SimGrid (Debian: libsimgrid-dev) when the build was
# configured; without it, says so and exits 0.
#
#   bench/bench_simgrid.sh [BUILD_DIR=build] [EVENTS=1000000] [RUNS=3]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
events=${2:-1000000}
runs=${3:-3}
cmake --build "$build" --target bench_simgrid >/dev/null 2>&1 || {
  echo "bench_simgrid: SimGrid not found when $build was configured (apt-get install libsimgrid-dev, then re-run cmake)"
  exit 0
}
echo "hold model: $events events per run, M events per CPU-second of the process;"
echo "best of $runs processes for each side (Joule: best of 3 in each), SimGrid's range in brackets"
printf "%10s %14s %14s %8s\n" pending joule simgrid ratio
min=""
for n in 100 1000 10000; do
  lines=$(for ((r = 0; r < runs; ++r)); do "$build/bench/bench_simgrid" "$n" "$events" 3; done)
  line=$(awk -v n="$n" '
    { j = ($2 > j) ? $2 : j; s = ($3 > s) ? $3 : s; lo = (lo == "" || $3 < lo) ? $3 : lo; v = $6; sub(":", "", v) }
    END { printf "%10d %14.3f %14.3f %8.1f   (SimGrid %s: %.3f-%.3f)\n", n, j, s, j / s, v, lo, s }' \
    <<<"$lines")
  echo "$line"
  r=$(awk '{print $4}' <<<"$line")
  min=$(awk -v a="$min" -v b="$r" 'BEGIN { print (a == "" || b < a) ? b : a }')
done
awk -v m="$min" 'BEGIN { printf "target: >= 50x SimGrid at every count: %s (lowest %.1fx)\n", (m >= 50 ? "ok" : "MISSED"), m }'
