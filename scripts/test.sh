#!/usr/bin/env bash
# Installs dependencies, builds, and runs every test: the C++ suites (ctest), the analysis
# package's and the joule Python module's tests (pytest, Debian's python3). Then the C++ suites
# again under AddressSanitizer + UndefinedBehaviorSanitizer (./build-asan), and every fuzz target
# (clang, ./build-fuzz) for a bounded time from its seed corpus (fuzz/run.sh).
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
# The C++ suites under ASan + UBSan, built with the compiler of the main build (GCC: every
# suite compiles as developers compile it), at -O1 so that they stay fast; any report fails the
# test that triggered it. GCC's -fsanitize=undefined leaves out float-to-int overflow: added.
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g" -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
  -DCMAKE_CXX_FLAGS="-fsanitize=float-cast-overflow -fno-sanitize-recover=float-cast-overflow" \
  -DJOULE_SANITIZE=ON -DJOULE_BUILD_KERNELS=OFF -DJOULE_PYTHON=OFF >/dev/null
cmake --build build-asan --parallel "$(nproc)"
ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure --parallel "$(nproc)"

# The fuzz targets (libFuzzer needs clang): only the libraries they reach and the targets, with
# ASan + UBSan, each run for a bounded time from its seed corpus.
seconds=${JOULE_FUZZ_SECONDS:-20}
if [ "$seconds" -gt 0 ]; then
  CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g" -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
    -DJOULE_SANITIZE=ON -DJOULE_FUZZ=ON -DJOULE_BUILD_KERNELS=OFF -DBUILD_TESTING=OFF \
    -DJOULE_PYTHON=OFF >/dev/null
  cmake --build build-fuzz --parallel "$(nproc)" --target fuzz
  fuzz/run.sh build-fuzz "$seconds"
fi
