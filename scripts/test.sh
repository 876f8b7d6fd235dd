#!/usr/bin/env bash
# Installs dependencies, builds, and runs every test: the C++ suites (ctest), the analysis
# package's and the joule Python module's tests (pytest, Debian's python3) and the validation
# suite. Then one clang build with AddressSanitizer + UndefinedBehaviorSanitizer and libFuzzer
# coverage (./build-asan): the C++ suites again under the sanitizers, and every fuzz target for
# a bounded time from its seed corpus (fuzz/run.sh).
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
# The joule Python module (python/), built where pybind11 and the Python headers exist.
if [ -d build/python/joule ]; then
  PYTHONPATH="$PWD/build/python" /usr/bin/python3 -m pytest -q python/tests
fi
# The validation suite (validation/README.md): fails when a case leaves its tolerance.
analysis/joule validate --joule build/joule --outputs build/validate

if [ "${JOULE_SKIP_SANITIZE:-0}" = 1 ]; then
  echo "test.sh: JOULE_SKIP_SANITIZE=1: sanitizer build and fuzzing skipped"
  exit 0
fi
# The C++ suites and the fuzz targets from one clang build (./build-asan) with ASan + UBSan at
# -O1: the main build above already compiles everything with GCC as developers do, so a second
# GCC build would only repeat it. JOULE_FUZZ adds coverage instrumentation to every target and
# links libFuzzer's driver into fuzz/ only, so the test suites keep their own main(). Any
# sanitizer report fails the test or fuzz target that triggered it. Clang's
# -fsanitize=undefined includes float-to-int overflow (GCC's does not). Line tables only
# (-gline-tables-only): a report's stack still names file:line, and the build takes ~15-20 %
# less CPU than with full debug information (two of its largest files, measured).
CC=clang CXX=clang++ cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" \
  -DJOULE_SANITIZE=ON -DJOULE_FUZZ=ON -DJOULE_BUILD_KERNELS=OFF -DJOULE_PYTHON=OFF >/dev/null
cmake --build build-asan --parallel "$(nproc)"
ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure --parallel "$(nproc)"

# Every fuzz target for a bounded time from its seed corpus.
seconds=${JOULE_FUZZ_SECONDS:-20}
if [ "$seconds" -gt 0 ]; then
  fuzz/run.sh build-asan "$seconds"
fi
