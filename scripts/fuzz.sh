#!/usr/bin/env bash
# Fuzzes the input readers (fuzz/*_fuzz.cpp) with libFuzzer: builds them with clang into
# build-fuzz (if needed), runs each target for SECONDS from its corpus in tests/fuzz_corpus,
# and prints per target the runs, executions per second, coverage and crashes. A crash, hang
# (-timeout), leak or allocation over 2 GB (-malloc_limit_mb, -rss_limit_mb) stops that target
# and leaves its reproducer under build-fuzz/artifacts/TARGET/; the script then exits 1.
# New interesting inputs are dropped unless --keep is given: then they are merged (minimised)
# into the corpus. --strict also fails on a std::exception that is not a bundlerl::Error.
# Usage: scripts/fuzz.sh [--keep] [--strict] [SECONDS-PER-TARGET (default 60)] [TARGET...]
# Environment: CXX_FUZZ (default clang++-14), FUZZ_BUILD (default build-fuzz).
set -euo pipefail
cd "$(dirname "$0")/.."
keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --keep) keep=1; shift ;;
    --strict) export BUNDLERL_FUZZ_STRICT=1; shift ;;
    *) break ;;
  esac
done
seconds=${1:-60}
[ $# -gt 0 ] && shift
build=${FUZZ_BUILD:-build-fuzz}
cxx=${CXX_FUZZ:-clang++-14}
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  read -r -a targets <<< "$(sed -n 's/^set(BUNDLERL_FUZZ_TARGETS \(.*\))$/\1/p' fuzz/targets.cmake)"
fi

if ! command -v "$cxx" > /dev/null; then
  echo "fuzz.sh: $cxx not found (scripts/install-deps.sh installs clang-14 and libclang-rt-14-dev;" \
       "BUNDLERL_FUZZ_STAGE=0 skips the fuzz stage of scripts/test.sh)" >&2
  exit 1
fi
cmake -S fuzz -B "$build" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_C_COMPILER="${cxx/++/}" > /dev/null
cmake --build "$build" -j 2 --target $(printf 'fuzz_%s ' "${targets[@]}") > "$build/build.log" 2>&1 ||
  { tail -30 "$build/build.log"; exit 1; }

failed=()
printf '%-8s %8s %10s %8s %8s  %s\n' target seconds runs exec/s cov result
for t in "${targets[@]}"; do
  corpus=tests/fuzz_corpus/$t
  new=$(mktemp -d)
  artifacts=$build/artifacts/$t
  mkdir -p "$artifacts"
  log=$build/fuzz_$t.log
  status=0
  "$build/fuzz_$t" "$new" "$corpus" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -malloc_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/" > "$log" 2>&1 || status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  if [ "$status" -eq 0 ]; then
    result=clean
  else
    result="FAILED (exit $status): $(grep -m1 -E '^(==[0-9]+==ERROR|SUMMARY|fuzz contract|.*runtime error)' "$log" || true); see $log"
    failed+=("$t")
  fi
  printf '%-8s %8s %10s %8s %8s  %s\n' "$t" "$seconds" "${runs:-?}" "${speed:-?}" "${cov:-?}" "$result"
  if [ "$keep" = 1 ] && [ -n "$(ls -A "$new")" ]; then
    "$build/fuzz_$t" -merge=1 "$corpus" "$new" > "$build/merge_$t.log" 2>&1
  fi
  rm -rf "$new"
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz.sh: failures in: ${failed[*]} (reproducers under $build/artifacts/)"
  exit 1
fi
