#!/usr/bin/env bash
# Installs dependencies, builds, and runs every test: the C++ suites (ctest) and the analysis
# package's tests (pytest, Debian's python3).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
ctest --test-dir build --output-on-failure --parallel "$(nproc)"
if [ -d analysis/tests ]; then
  JOULE_BIN="$PWD/build/joule" /usr/bin/python3 -m pytest -q analysis/tests
fi
