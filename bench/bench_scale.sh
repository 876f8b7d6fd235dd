#!/usr/bin/env bash
# Scale benchmark: one simulated year of a 10,240-GPU and of a 100,352-GPU data center
# (scenarios/scale/), each run ROUNDS times (default 3) by the `joule` binary, with its HDF5
# output written. The rounds alternate the order of the two scenarios (10k first, then 100k
# first, ...), so that a slow spell of a shared host falls on both alike, and each figure is the
# median of its rounds: a single run's CPU time moved by up to 10 % on the 2-core host, enough
# to flip the CPU-ratio target's verdict.
#
#   bench/bench_scale.sh [BUILD_DIR] [--rounds N] [--set key=value]...
#
# Prints, per scenario: wall time, CPU time (user + system; and of it, the traces' compression
# on the writer thread, from `joule run --cpu-times`; each a median, with the CPU times of every
# round), peak RSS (the largest), engine events and events/s;
# then the 100k/10k ratios and the targets (10k: <= 30 s wall and <= 1 GiB peak RSS; 100k:
# <= 10x the 10k time; #20: the 100k/10k CPU ratio <= 1.2x the event ratio, >= 1 M events per
# CPU-second, also shown without the compression). Beside the ratio of the medians it prints
# each round's own ratio and their median, with a warning when the two disagree. Wall time
# counts only when the machine is otherwise idle: on a shared machine compare CPU times. Extra
# --set options apply to both scenarios (e.g.
# `--set duration="30 d"` for a quick look). BUILD_DIR defaults to ./build (a Release build);
# the script builds the `joule` target there first. JOULE_BIN=path/to/joule runs that binary
# instead (no build), e.g. to compare a saved binary from before a change.
set -euo pipefail
cd "$(dirname "$0")/.."
build=build
if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then build=$1; shift; fi
rounds=3
if [ $# -gt 1 ] && [ "$1" = "--rounds" ]; then rounds=$2; shift 2; fi
case $rounds in '' | *[!0-9]* | 0) echo "bench_scale: --rounds needs a positive count" >&2; exit 2 ;; esac
joule=${JOULE_BIN:-}
if [ -z "$joule" ]; then
  cmake --build "$build" --target joule >/dev/null
  joule=$build/joule
fi
out=$(mktemp -d /tmp/joule-bench-scale.XXXXXX)
trap 'rm -rf "$out"' EXIT

/usr/bin/python3 - "$joule" "$out" "$rounds" "$@" <<'PY'
import json, os, statistics, subprocess, sys, time

joule, out, rounds, extra = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
# A binary from before `--cpu-times` (JOULE_BIN, to compare) is run without it.
timed = "--cpu-times" in subprocess.run([joule, "run", "--help"], capture_output=True,
                                        text=True).stdout
GiB = 1024 ** 3
names = ("gpus-10k", "gpus-100k")
runs = {name: [] for name in names}


def run(name):
    h5 = os.path.join(out, name + ".h5")
    cmd = [joule, "run", f"scenarios/scale/{name}.yaml", "-o", h5, "-q", "--force",
           *(["--cpu-times"] if timed else []), *extra]
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True)
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.stderr.write(err)
        sys.exit(f"bench_scale: {' '.join(cmd)} failed ({os.waitstatus_to_exitcode(status)})")
    summary = json.loads(subprocess.check_output([joule, "summary", h5, "--json"]))
    # `joule: cpu T s: compression C s, the rest R s`: C is the writer thread's deflate.
    compression = float(err.rsplit("compression ", 1)[1].split(" s", 1)[0]) if timed else None
    runs[name].append(dict(wall=wall, cpu=usage.ru_utime + usage.ru_stime,
                           rss=usage.ru_maxrss * 1024,  # Linux reports KiB
                           events=summary["events"], size=os.path.getsize(h5),
                           compression=compression))
    os.remove(h5)


for r in range(rounds):
    for name in (names if r % 2 == 0 else reversed(names)):
        run(name)

rows = {}
for name in names:
    rs = runs[name]
    if len({x["events"] for x in rs}) != 1:
        sys.exit(f"bench_scale: {name}'s rounds processed different event counts")
    median = lambda key: statistics.median(x[key] for x in rs)
    rows[name] = row = dict(wall=median("wall"), cpu=median("cpu"),
                            rss=max(x["rss"] for x in rs), events=rs[0]["events"],
                            size=rs[0]["size"], compression=median("compression") if timed else None)
    wall, cpu, events, compression = row["wall"], row["cpu"], row["events"], row["compression"]
    apart = (f" (compression {compression:5.2f} s)" if timed else "")
    without = (f" ({events / (cpu - compression) / 1e6:6.3f} M without compression)"
               if timed else "")
    print(f"{name:10s} wall {wall:7.2f} s   cpu {cpu:7.2f} s{apart}   "
          f"peak RSS {row['rss'] / 2**20:7.1f} MiB   events {events:11.0f}   "
          f"{events / wall / 1e6:6.3f} M events/s wall   {events / cpu / 1e6:6.3f} M events/s "
          f"cpu{without}   output {row['size'] / 2**20:6.1f} MiB", flush=True)
    each = " ".join(f"{x['cpu']:.2f}" for x in rs)
    print(f"{'':10s} cpu of each round: {each} s (median of {len(rs)})")

a, b = rows["gpus-10k"], rows["gpus-100k"]
print(f"ratio 100k/10k: wall {b['wall'] / a['wall']:.2f}x   cpu {b['cpu'] / a['cpu']:.2f}x   "
      f"events {b['events'] / a['events']:.2f}x   peak RSS {b['rss'] / a['rss']:.2f}x")
ok = lambda c: "ok" if c else "MISSED"
print(f"target 10k wall <= 30 s: {ok(a['wall'] <= 30)} ({a['wall']:.1f} s; cpu {a['cpu']:.1f} s)")
print(f"target 10k peak RSS <= 1 GiB: {ok(a['rss'] <= GiB)} ({a['rss'] / 2**20:.0f} MiB)")
print(f"target 100k <= 10x 10k: {ok(b['wall'] <= 10 * a['wall'])} wall "
      f"({b['wall'] / a['wall']:.2f}x), {ok(b['cpu'] <= 10 * a['cpu'])} cpu "
      f"({b['cpu'] / a['cpu']:.2f}x)")
cpu_ratio, event_ratio = b['cpu'] / a['cpu'], b['events'] / a['events']
print(f"target 100k/10k cpu ratio <= 1.2 x event ratio: {ok(cpu_ratio <= 1.2 * event_ratio)} "
      f"({cpu_ratio:.2f}x cpu for {event_ratio:.2f}x events: {cpu_ratio / event_ratio:.2f})")
# Each round's two runs follow each other, so their ratio sees one state of the host; the ratio of
# the medians may take them from different states when the host's speed moves during the run.
paired = [y["cpu"] / x["cpu"] for x, y in zip(runs["gpus-10k"], runs["gpus-100k"])]
paired_ratio = statistics.median(paired)
print(f"  each round's cpu ratio: {' '.join(f'{r:.2f}' for r in paired)} (median "
      f"{paired_ratio:.2f}x: {paired_ratio / event_ratio:.2f} x the event ratio)")
if abs(paired_ratio / cpu_ratio - 1) > 0.03:
    print("  warning: the rounds' ratios and the medians' ratio differ by more than 3 %: the "
          "host's speed moved during this run; run it again when the host is steady")
print(f"target >= 1 M model events per CPU-second: {ok(a['events'] / a['cpu'] >= 1e6)} 10k "
      f"({a['events'] / a['cpu'] / 1e6:.3f} M), {ok(b['events'] / b['cpu'] >= 1e6)} 100k "
      f"({b['events'] / b['cpu'] / 1e6:.3f} M)")
if timed:
    print(f"  the same without the traces' compression (the writer thread's CPU): "
          f"10k {a['events'] / (a['cpu'] - a['compression']) / 1e6:.3f} M, "
          f"100k {b['events'] / (b['cpu'] - b['compression']) / 1e6:.3f} M; compression is "
          f"{a['compression'] / a['cpu']:.0%} / {b['compression'] / b['cpu']:.0%} of the CPU")
PY
