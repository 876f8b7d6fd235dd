#!/usr/bin/env bash
# Joule's engine against SimGrid (s4u, its default context factory) on the hold model at 100,
# 1,000 and 10,000 pending events (actors, for SimGrid), each count in its own process (SimGrid
# allows one engine per process), with its ratio; the #20 target is >= 50x. Needs SimGrid
# (Debian: libsimgrid-dev) when the build was configured; without it, says so and exits 0.
#
#   bench/bench_simgrid.sh [BUILD_DIR=build] [EVENTS=1000000]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
events=${2:-1000000}
cmake --build "$build" --target bench_simgrid >/dev/null 2>&1 || {
  echo "bench_simgrid: SimGrid not found when $build was configured (apt-get install libsimgrid-dev, then re-run cmake)"
  exit 0
}
echo "hold model: $events events per run, M events per CPU-second of the process (Joule: best of 3)"
printf "%10s %14s %14s %8s\n" pending joule simgrid ratio
min=""
for n in 100 1000 10000; do
  line=$("$build/bench/bench_simgrid" "$n" "$events" 3)
  echo "$line"
  r=$(awk '{print $4}' <<<"$line")
  min=$(awk -v a="$min" -v b="$r" 'BEGIN { print (a == "" || b < a) ? b : a }')
done
awk -v m="$min" 'BEGIN { printf "target: >= 50x SimGrid at every count: %s (lowest %.1fx)\n", (m >= 50 ? "ok" : "MISSED"), m }'
