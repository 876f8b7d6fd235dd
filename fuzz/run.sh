#!/usr/bin/env bash
# Runs every libFuzzer target for a bounded time from its seed corpus (fuzz/corpus/<target>/).
#
#   fuzz/run.sh [BUILD_DIR] [SECONDS_PER_TARGET] [TARGET...]
#
# BUILD_DIR (default build-asan) must be configured with -DJOULE_FUZZ=ON (clang; see
# scripts/test.sh for the configuration CI uses). The seed
# corpus is read only: inputs the fuzzer finds go to BUILD_DIR/fuzz/work/<target>/, crashes,
# timeouts and out-of-memory inputs to BUILD_DIR/fuzz/artifacts/<target>/. Exits non-zero if
# any target reports a finding; reproduce one with `BUILD_DIR/fuzz/<target> <artifact>` and
# turn it into a regression test in tests/regressions/.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-asan}
seconds=${2:-${JOULE_FUZZ_SECONDS:-25}}
shift $(($# < 2 ? $# : 2))
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(scenario world generated units epw hourly_csv trace)

declare -A dict=([scenario]=scenario [world]=scenario [generated]=none [units]=units [epw]=csv
                 [hourly_csv]=csv [trace]=csv)
# Longest input the fuzzer builds: room to grow beyond the seeds, small enough to stay fast.
# Seconds one input may take: the generated target runs two short simulations per input.
declare -A unit_timeout=([generated]=60)
declare -A max_len=([scenario]=4096 [world]=4096 [generated]=256 [units]=64 [epw]=16384
                    [hourly_csv]=4096 [trace]=4096)

# Leak checks are off: the HDF5 and yaml-cpp libraries keep global state alive at exit.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# The targets run side by side, as many at a time as there are cores (JOULE_FUZZ_JOBS to
# change it): each fuzzer is one process on one core, so each still gets its full seconds, and
# the whole run takes about ceil(targets / cores) x seconds instead of targets x seconds.
jobs=${JOULE_FUZZ_JOBS:-$(nproc)}
[ "$jobs" -ge 1 ] 2>/dev/null || { echo "fuzz: JOULE_FUZZ_JOBS must be a positive integer" >&2; exit 2; }

# Runs one target; its exit status goes to BUILD_DIR/fuzz/<target>.status.
fuzz_one() {
  local t=$1
  local bin="$build/fuzz/fuzz_$t"
  local work="$build/fuzz/work/$t" artifacts="$build/fuzz/artifacts/$t"
  local dict_arg=()
  [ "${dict[$t]}" = none ] || dict_arg=(-dict="fuzz/dict/${dict[$t]}.dict")
  local status=0
  "$bin" -max_total_time="$seconds" -timeout="${unit_timeout[$t]:-10}" -rss_limit_mb=2048 -max_len="${max_len[$t]}" \
    ${dict_arg[@]+"${dict_arg[@]}"} -artifact_prefix="$artifacts/" -print_final_stats=1 \
    "$work" "fuzz/corpus/$t" > "$build/fuzz/$t.log" 2>&1 || status=$?
  echo "$status" > "$build/fuzz/$t.status"
}

for t in "${targets[@]}"; do
  bin="$build/fuzz/fuzz_$t"
  [ -x "$bin" ] || { echo "fuzz: $bin not built (configure with -DJOULE_FUZZ=ON)" >&2; exit 2; }
  mkdir -p "$build/fuzz/work/$t" "$build/fuzz/artifacts/$t"
  rm -f "$build/fuzz/$t.status"
done
echo "fuzz: ${#targets[@]} targets for ${seconds}s each, $jobs at a time"
running=0
for t in "${targets[@]}"; do
  if [ "$running" -ge "$jobs" ]; then
    wait -n || true
    running=$((running - 1))
  fi
  fuzz_one "$t" &
  running=$((running + 1))
done
wait

# Reported in the targets' order, whatever order they finished in.
failed=()
for t in "${targets[@]}"; do
  log="$build/fuzz/$t.log" artifacts="$build/fuzz/artifacts/$t"
  status=$(cat "$build/fuzz/$t.status" 2>/dev/null || echo "no status")
  if [ "$status" = 0 ]; then
    echo "fuzz: $t: $(grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb|^#[0-9]+ *DONE' "$log" | tr '\n' ' ')"
  else
    echo "fuzz: $t FAILED (exit $status); log: $log; artifacts:" >&2
    ls "$artifacts" >&2 || true
    grep -E 'ERROR|runtime error|SUMMARY|terminate|what\(\)' "$log" | head -20 >&2 || true
    failed+=("$t")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: findings in: ${failed[*]}" >&2
  exit 1
fi
