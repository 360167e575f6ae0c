#!/usr/bin/env bash
# Installs BundleRL's build and test dependencies from Debian's packages.
# Idempotent: run it as root as often as you like; it installs only what is missing.
set -euo pipefail
pkgs=(build-essential cmake ccache pkg-config
      libtorch-dev libeigen3-dev libboost-program-options-dev libhdf5-dev catch2
      libopenblas0-openmp libgloo-dev gnuplot-nox hdf5-tools time
      pybind11-dev python3-dev python3-numpy python3-pytest
      clang-14 libclang-rt-14-dev)  # libFuzzer and its sanitizers, for scripts/fuzz.sh
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing packages: ${missing[*]}; run this script as root" >&2
    exit 1
  fi
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install-deps: all packages present"
fi
