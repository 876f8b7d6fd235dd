#!/usr/bin/env bash
# Installs Joule's build and test dependencies from Debian 12 packages (run as root).
set -euo pipefail
packages=(
  cmake ninja-build g++ pkg-config git
  libboost-graph-dev libeigen3-dev libyaml-cpp-dev libhdf5-dev doctest-dev libcli11-dev
  libisal-dev libdeflate-dev  # the output's chunk compression: fast and portable (app/h5.cpp)
  libssl-dev  # SHA-256 of the input files (sim/input_files.cpp; libhdf5-dev needs it too)
  zlib1g-dev  # the tests inflate those chunks with zlib (tests/app/test_h5_series.cpp)
  libopenmpi-dev openmpi-bin  # optional: MPI sweeps (`mpirun joule sweep`)
  pybind11-dev python3-dev  # the joule Python module (python/); built only where found
  python3 python3-h5py python3-numpy python3-matplotlib python3-pytest
  # analysis/: tables (pandas, to_markdown needs tabulate), traces (xarray over h5netcdf or
  # netCDF4), YAML, SciPy; Chromium renders the HTML report in its test (headless).
  python3-pandas python3-tabulate python3-xarray python3-h5netcdf python3-netcdf4
  netcdf-bin  # ncdump: the output's netCDF header (analysis/tests/test_netcdf.py)
  python3-yaml python3-scipy chromium
  # The sanitizer build and the fuzz targets (scripts/test.sh, fuzz/): clang with its ASan,
  # UBSan and libFuzzer runtimes, and llvm-symbolizer for readable reports.
  clang libclang-rt-14-dev llvm
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
