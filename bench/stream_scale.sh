#!/usr/bin/env bash
# Training and evaluation on a log larger than memory should hold: streams a simulated log of
# N rounds (default 10,000,000) from HDF5 through `train --logs` and `evaluate --policy`, and
# times the same commands with the whole log in memory (one shuffle block / one chunk), with
# the peak resident memory of each process (/usr/bin/time). Needs Debian's `time` package.
# Usage: bench/stream_scale.sh [rounds] [build-dir]   (writes a temporary log of ~80 bytes a round)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-10000000}
bin=${2:-build}/bundlerl
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
run() {  # label, command...
  local label=$1
  shift
  /usr/bin/time -f "%e %M" -o "$tmp/t" "$@" > "$tmp/out" 2> "$tmp/err" || { cat "$tmp/err"; exit 1; }
  read -r secs kb < "$tmp/t"
  printf '| %-44s | %8.1f s | %7.0f MB |\n' "$label" "$secs" "$((kb / 1024))"
}
echo "bundlerl $($bin --version | cut -d' ' -f2), $rounds rounds of sim_configs/default.ini (K = 3, 50 of 200 items), $(nproc) threads"
echo
echo "| step | wall | peak memory |"
echo "|---|---|---|"
run "synth (streamed to the file)" $bin synth --config sim_configs/default.ini --rounds "$rounds" --out "$tmp/big.h5"
run "train --logs, 1,000 updates, streamed" $bin train --logs "$tmp/big.h5" --agent offpolicy-reinforce \
  --train.updates 1000 --out "$tmp/a.pt"
run "train --logs, 1,000 updates, in memory" $bin train --logs "$tmp/big.h5" --agent offpolicy-reinforce \
  --train.updates 1000 --train.shuffle_block "$rounds" --out "$tmp/b.pt"
run "evaluate --policy (2 policies, 4 estimators), streamed" $bin evaluate --logs "$tmp/big.h5" \
  --policy popularity,"$tmp/a.pt" --estimators ipw,snipw,sips,rips --format csv
cp "$tmp/out" "$tmp/streamed.csv"
run "evaluate --policy, in memory" $bin evaluate --logs "$tmp/big.h5" --policy popularity,"$tmp/a.pt" \
  --estimators ipw,snipw,sips,rips --format csv --chunk $(( (rounds / 65536 + 1) * 65536 ))
cmp -s "$tmp/out" "$tmp/streamed.csv" && echo && echo "streamed and in-memory estimates: identical" \
  || { echo "streamed and in-memory estimates differ"; exit 1; }
