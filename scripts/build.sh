#!/usr/bin/env bash
# Configures and builds into build/ (or $BUILD_DIR) with Ninja. Extra arguments go to CMake.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja "$@" >/dev/null
ninja -C "$build"
