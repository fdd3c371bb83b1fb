#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: unit tests under ctest, then the
# integration and end-to-end suites (pytest, and node's test runner with the official SDKs).
# BUILD_DIR picks the build tree; SLUICE_CMAKE_ARGS adds CMake options (e.g. sanitizers).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
build=${BUILD_DIR:-build}
BUILD_DIR=$build bash scripts/build.sh ${SLUICE_CMAKE_ARGS:-}
export SLUICE_BIN=$PWD/$build/sluice
(cd "$build" && ctest --output-on-failure -j2)
python3 -m pytest -q -p no:cacheprovider tests
if [ -d tests/e2e/node ]; then
  (cd tests/e2e/node && node --test)
fi
