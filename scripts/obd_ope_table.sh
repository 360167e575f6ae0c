#!/usr/bin/env bash
# Regenerates docs/OPE_OBD.md: OPE on the Open Bandit Dataset sample, both directions, both
# campaigns. Usage: scripts/obd_ope_table.sh [build-dir]   (data: $BUNDLERL_DATA or ../shared/data)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build}/bundlerl
data=${BUNDLERL_DATA:-../shared/data}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
est=dm,ipw,clipped-ipw:100,snipw,dr,sndr,switch-dr:100,dros:100
out=docs/OPE_OBD.md.tmp
{
  echo "# Off-policy evaluation on the Open Bandit Dataset sample"
  echo
  echo "Made by \`scripts/obd_ope_table.sh\` with bundlerl $($bin --version | cut -d' ' -f2)."
  echo "Data: the OBD small sample (Saito et al., NeurIPS 2021 Datasets and Benchmarks), 10,000"
  echo "rows per log, in \`shared/data/obd\`. Intervals: 95%, bootstrap with 1,000 resamples"
  echo "(seed 0). Reward model for DM / DR: logistic regression on one-hot item, position and"
  echo "user features plus the user-item affinity, 5-fold cross-fitted, L2 = 0.01 x n."
  echo
  echo "The truth is the on-policy click rate of the other policy's logs, itself an estimate"
  echo "from 10,000 rows with a relative standard error of 12-15%: relative errors below about"
  echo "30% are within the noise of the truth."
  for c in men women; do
    for p in random bts; do "$bin" import obd --dir "$data/obd/$p/$c" --out "$tmp/${p}_$c.h5" >/dev/null; done
    echo
    echo "## $c: Bernoulli TS (target) from uniform-random logs"
    echo
    "$bin" evaluate --logs "$tmp/random_$c.h5" --target "$data/obd/bts_policy/bts_action_dist_$c.csv" \
      --truth-logs "$tmp/bts_$c.h5" --estimators $est --bootstrap 1000 --format md
    echo
    echo "## $c: uniform random (target) from Bernoulli TS logs"
    echo
    "$bin" evaluate --logs "$tmp/bts_$c.h5" --target uniform \
      --truth-logs "$tmp/random_$c.h5" --estimators $est,clipped-ipw:10,dros:10 --bootstrap 1000 --format md
  done
} > "$out"
mv "$out" docs/OPE_OBD.md
echo "wrote docs/OPE_OBD.md"
