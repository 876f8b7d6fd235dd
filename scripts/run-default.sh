#!/usr/bin/env bash
# Installs dependencies, builds, and runs the embedded default scenario:
# prints the summary table and writes out/default.h5.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
mkdir -p out
./build/joule run -o out/default.h5 --force "$@"
