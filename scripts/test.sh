#!/usr/bin/env bash
# The README's test command: installs the dependencies (as root), builds Release, runs every
# test with CTest. Usage: scripts/test.sh [build-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
if [ "$(id -u)" -eq 0 ]; then scripts/install-deps.sh; else echo "test.sh: not root, skipping install-deps"; fi
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release
cmake --build "$build" -j "$(nproc)"
cd "$build"
ctest --output-on-failure -j "$(nproc)"
