#!/usr/bin/env bash
# The README's test command: installs the dependencies (as root), builds Release, runs every
# test with CTest; then builds the torch-free test binaries with AddressSanitizer and
# UndefinedBehaviorSanitizer (BUNDLERL_SANITIZE, -O1, Eigen's index checks on) and runs them.
# Usage: scripts/test.sh [build-dir]   (the sanitizer build goes to <build-dir>-asan;
# BUNDLERL_SANITIZER_STAGE=0 skips it)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
if [ "$(id -u)" -eq 0 ]; then scripts/install-deps.sh; else echo "test.sh: not root, skipping install-deps"; fi
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release
cmake --build "$build" -j "$(nproc)"
(cd "$build" && ctest --output-on-failure -j "$(nproc)")

if [ "${BUNDLERL_SANITIZER_STAGE:-1}" != 0 ]; then
  echo "test.sh: sanitizer stage (ASan + UBSan)"
  asan_tests="common_test kernels_test env_test policy_test replay_store_test replay_importers_test
              replay_estimators_test replay_offline_eval_test"
  cmake -S . -B "$build-asan" -DBUNDLERL_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" > /dev/null
  # shellcheck disable=SC2086
  cmake --build "$build-asan" -j "$(nproc)" --target $asan_tests
  # Only the binaries built here (the agents, harness and CLI tests run in the Release stage).
  (cd "$build-asan" && ctest --output-on-failure -j "$(nproc)" -E "_NOT_BUILT")
fi
