#!/usr/bin/env bash
# A 1,000,000-GPU data center: scenarios/scale/gpus-100k.yaml at 31,250 racks of 4 DGX H100
# nodes (1,000,000 GPUs, 10.0× the 100k hall), arrivals 9.96× as often (52 min × 100,352 /
# 1,000,000 = 313 s) so the same share of GPU-hours is busy, run once by `joule` with its HDF5
# output written.
#
#   bench/bench_million.sh [DURATION=365 d] [--set key=value]...
#
# Prints CPU time (user + system), wall time, peak RSS, output size, engine events and events
# per CPU-second, and the #20 targets (a year in <= 2 min of CPU and <= 2 GiB). A DURATION
# shorter than a year also prints CPU scaled linearly to 365 days, labelled as an estimate:
# the hall fills over the first weeks, so the estimate from a short window is a lower bound.
# JOULE_BIN=path/to/joule runs that binary (default ./build/joule, built first).
set -euo pipefail
cd "$(dirname "$0")/.."
duration="365 d"
if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then duration=$1; shift; fi
joule=${JOULE_BIN:-}
if [ -z "$joule" ]; then
  cmake --build build --target joule >/dev/null
  joule=build/joule
fi
out=$(mktemp -d /tmp/joule-bench-million.XXXXXX)
trap 'rm -rf "$out"' EXIT

/usr/bin/python3 - "$joule" "$out" "$duration" "$@" <<'PY'
import json, os, subprocess, sys, time

joule, out, duration, extra = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
h5 = os.path.join(out, "gpus-1m.h5")
cmd = [joule, "run", "scenarios/scale/gpus-100k.yaml", "-o", h5, "-q", "--force",
       "--set", "name=gpus-1m", "--set", "cluster.racks.count=31250",
       "--set", "workload.arrivals.mean_interarrival=313 s",
       "--set", f"duration={duration}", *extra]
start = time.monotonic()
proc = subprocess.Popen(cmd)
_, status, usage = os.wait4(proc.pid, 0)
wall = time.monotonic() - start
if os.waitstatus_to_exitcode(status) != 0:
    sys.exit(f"bench_million: {' '.join(cmd)} failed ({os.waitstatus_to_exitcode(status)})")
summary = json.loads(subprocess.check_output([joule, "summary", h5, "--json"]))
cpu = usage.ru_utime + usage.ru_stime
rss = usage.ru_maxrss * 1024  # Linux reports KiB
events = summary["events"]
size = os.path.getsize(h5)
print(f"1,000,000 GPUs, {duration}: cpu {cpu:.1f} s   wall {wall:.1f} s   "
      f"peak RSS {rss / 2**20:.0f} MiB   output {size / 2**20:.0f} MiB   events {events:.0f}   "
      f"{events / cpu / 1e6:.3f} M events per CPU-second")
ok = lambda c: "ok" if c else "MISSED"
scale = None
parts = duration.split()
if len(parts) == 2 and parts[1] in ("d", "days") and float(parts[0]) < 365:
    scale = 365 / float(parts[0])
if scale:
    print(f"estimate for a year (linear from {duration}, a lower bound): cpu {cpu * scale:.0f} s, "
          f"output {size * scale / 2**30:.1f} GiB")
    print("targets need the full year: run without DURATION")
else:
    print(f"target a year in <= 2 min of CPU: {ok(cpu <= 120)} ({cpu:.0f} s)")
    print(f"target <= 2 GiB peak RSS: {ok(rss <= 2 * 2**30)} ({rss / 2**20:.0f} MiB)")
PY
