#!/usr/bin/env bash
# The main job on a fresh machine: installs what is missing (as root), builds Release, and
# runs the comparison on the embedded default world (no data needed), writing results/default/.
# Usage: scripts/main.sh [config]   (default sim_configs/default.ini)
set -euo pipefail
cd "$(dirname "$0")/.."
config=${1:-sim_configs/default.ini}
if [ "$(id -u)" -eq 0 ]; then scripts/install-deps.sh; fi
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build build -j "$(nproc)" --target bundlerl
build/bundlerl compare --config "$config"
