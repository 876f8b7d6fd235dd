#!/usr/bin/env bash
# Installs dependencies, builds, and runs every test: the C++ suites (ctest) and the analysis
# package's tests (pytest, Debian's python3). Then the C++ suites again, built with clang under
# AddressSanitizer + UndefinedBehaviorSanitizer (./build-asan), and every fuzz target for a
# bounded time from its seed corpus (fuzz/run.sh).
#
# Environment (local runs; CI uses the defaults):
#   JOULE_SKIP_SANITIZE=1    skip the sanitizer build, its tests and the fuzzing
#   JOULE_FUZZ_SECONDS=N     seconds per fuzz target (default 20; 0 skips fuzzing)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
ctest --test-dir build --output-on-failure --parallel "$(nproc)"
if [ -d analysis/tests ]; then
  JOULE_BIN="$PWD/build/joule" /usr/bin/python3 -m pytest -q analysis/tests
fi

if [ "${JOULE_SKIP_SANITIZE:-0}" = 1 ]; then
  echo "test.sh: JOULE_SKIP_SANITIZE=1: sanitizer build and fuzzing skipped"
  exit 0
fi
# -O1 keeps the instrumented tests fast enough; any report fails the test that triggered it.
CC=clang CXX=clang++ cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g" -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
  -DJOULE_SANITIZE=ON -DJOULE_FUZZ=ON -DJOULE_BUILD_KERNELS=OFF >/dev/null
cmake --build build-asan --parallel "$(nproc)"
ASAN_OPTIONS=detect_leaks=0:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure --parallel "$(nproc)"
seconds=${JOULE_FUZZ_SECONDS:-20}
if [ "$seconds" -gt 0 ]; then
  fuzz/run.sh build-asan "$seconds"
fi
