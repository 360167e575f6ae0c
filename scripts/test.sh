#!/usr/bin/env bash
# The README's test command: installs the dependencies (as root), builds Release, runs every
# test with CTest; then a short fuzz stage: the input readers built with clang's libFuzzer
# (scripts/fuzz.sh, into <build-dir>-fuzz), each fuzzed for BUNDLERL_FUZZ_SECONDS (default 8)
# from its corpus in tests/fuzz_corpus; then the test binaries that link no agent, harness or
# CLI code (BUNDLERL_SANITIZER_TESTS in CMakeLists.txt) built again with AddressSanitizer and
# UndefinedBehaviorSanitizer (BUNDLERL_SANITIZE, -O1, Eigen's index checks on) and run.
# Usage: scripts/test.sh [build-dir]   (the sanitizer build goes to <build-dir>-asan;
# BUNDLERL_SANITIZER_STAGE=0 skips it, BUNDLERL_FUZZ_STAGE=0 the fuzz stage)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
if [ "$(id -u)" -eq 0 ]; then scripts/install-deps.sh; else echo "test.sh: not root, skipping install-deps"; fi
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release
cmake --build "$build" -j "$(nproc)"
(cd "$build" && ctest --output-on-failure -j "$(nproc)")

if [ "${BUNDLERL_FUZZ_STAGE:-1}" != 0 ]; then
  echo "test.sh: fuzz stage (libFuzzer, ${BUNDLERL_FUZZ_SECONDS:-8} s per target)"
  FUZZ_BUILD="$build-fuzz" scripts/fuzz.sh "${BUNDLERL_FUZZ_SECONDS:-8}"
fi

if [ "${BUNDLERL_SANITIZER_STAGE:-1}" != 0 ]; then
  echo "test.sh: sanitizer stage (ASan + UBSan): the test binaries free of agent, harness and CLI code"
  cmake -S . -B "$build-asan" -DBUNDLERL_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" > /dev/null
  cmake --build "$build-asan" -j "$(nproc)" --target sanitizer_tests
  (cd "$build-asan" && ctest --output-on-failure -j "$(nproc)" -L "$(cat sanitizer_test_labels.txt)")
fi
