#!/usr/bin/env bash
# Downloads the public datasets the tests and the shipped configs read, from their original
# sources at pinned commits, into $BUNDLERL_DATA (else data/ in the checkout), and checks every
# file against the SHA-256 sums in scripts/data.sha256. A file already there with the right
# sum is kept; a download with the wrong sum is removed and the script fails naming it.
#
#   obd/{random,bts}/{men,women}/  Open Bandit Dataset sample (st-tech/zr-obp, obd/)
#   obd/{random,bts}/all/          its item table (the 'all' logs are not used)
#   obd/bts_policy/                the production Bernoulli TS prior and its slot probabilities,
#                                  built by scripts/make_bts_tables.py (python3 with numpy)
#   bundles/Youshu/                Youshu as released with CrossCBR (same blobs in MultiCBR)
#   bundles/amazon/{electronic,clothing,food}/  Amazon session bundles (BundleRec/bundle_recommendation)
#
# Usage: scripts/get-data.sh [--dest DIR] [--check]   (--check: verify only, download nothing)
# BUNDLERL_OBP_URL, BUNDLERL_YOUSHU_URL, BUNDLERL_AMAZON_URL replace the sources (a mirror).
# Cite the datasets' papers with any result (README, section Data).
set -euo pipefail
cd "$(dirname "$0")/.."
here=$(pwd)
dest=${BUNDLERL_DATA:-$here/data}
check_only=0
while [ $# -gt 0 ]; do
  case "$1" in
    --dest) dest=${2:?--dest needs a folder}; shift 2 ;;
    --check) check_only=1; shift ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "get-data.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

OBP=${BUNDLERL_OBP_URL:-https://raw.githubusercontent.com/st-tech/zr-obp/8cbd5fa4558b7ad2ba4781546d6604e4cc3e07c4}
YOUSHU=${BUNDLERL_YOUSHU_URL:-https://raw.githubusercontent.com/HappyPointer/MultiCBR/744cec8e22f193631d8bdd84050f00edf6f11184/datasets/Youshu}
AMAZON=${BUNDLERL_AMAZON_URL:-https://raw.githubusercontent.com/BundleRec/bundle_recommendation/087da2e2b4d8738ef23f3f6f2005505e8685edde/dataset}
SUMS=$here/scripts/data.sha256

sum_of() { grep "  $1\$" "$SUMS" | cut -d' ' -f1; }
has_right_sum() { [ -f "$dest/$1" ] && [ "$(sha256sum "$dest/$1" | cut -d' ' -f1)" = "$(sum_of "$1")" ]; }

download() {  # download URL RELATIVE-PATH: to a temporary file, checked, then moved in place
  local url=$1 rel=$2 tmp
  has_right_sum "$rel" && return 0
  mkdir -p "$(dirname "$dest/$rel")"
  tmp="$dest/$rel.part"
  echo "get-data.sh: $rel"
  if command -v curl > /dev/null; then curl -fsSL --retry 3 -o "$tmp" "$url"
  else wget -q -O "$tmp" "$url"; fi
  if [ "$(sha256sum "$tmp" | cut -d' ' -f1)" != "$(sum_of "$rel")" ]; then
    rm -f "$tmp"
    echo "get-data.sh: $url does not match the SHA-256 of $rel in scripts/data.sha256" >&2
    exit 1
  fi
  mv "$tmp" "$dest/$rel"
}

verify() {
  local bad=0 rel
  while read -r _ rel; do
    if ! has_right_sum "$rel"; then echo "get-data.sh: $dest/$rel missing or changed" >&2; bad=1; fi
  done < "$SUMS"
  [ $bad = 0 ] && echo "get-data.sh: all $(wc -l < "$SUMS") files in $dest match scripts/data.sha256"
  return $bad
}

if [ $check_only = 1 ]; then verify; exit; fi

for campaign in men women; do
  for policy in random bts; do
    download "$OBP/obd/$policy/$campaign/$campaign.csv" "obd/$policy/$campaign/$campaign.csv"
    download "$OBP/obd/$policy/$campaign/item_context.csv" "obd/$policy/$campaign/item_context.csv"
  done
done
for policy in random bts; do
  download "$OBP/obd/$policy/all/item_context.csv" "obd/$policy/all/item_context.csv"
done

tables_ok=1
for f in $(grep -o 'obd/bts_policy/[^ ]*' "$SUMS"); do has_right_sum "$f" || tables_ok=0; done
if [ $tables_ok = 0 ]; then
  echo "get-data.sh: obd/bts_policy (Monte Carlo over the BTS prior, a few seconds)"
  prior=$(mktemp)
  trap 'rm -f "$prior"' EXIT
  if command -v curl > /dev/null; then curl -fsSL --retry 3 -o "$prior" "$OBP/obp/policy/conf/prior_bts.yaml"
  else wget -q -O "$prior" "$OBP/obp/policy/conf/prior_bts.yaml"; fi
  py=python3; [ -x /usr/bin/python3 ] && py=/usr/bin/python3  # Debian's, with numpy
  "$py" scripts/make_bts_tables.py "$prior" "$dest/obd/bts_policy"
fi

for f in Youshu_data_size.txt bundle_item.txt user_bundle_train.txt user_bundle_tune.txt \
         user_bundle_test.txt user_item.txt; do
  download "$YOUSHU/$f" "bundles/Youshu/$f"
done

for domain in electronic clothing food; do
  for f in user_session session_item session_bundle bundle_item bundle_intent user_bundle \
           user_item item_titles item_categories; do
    download "$AMAZON/$domain/$f.csv" "bundles/amazon/$domain/$f.csv"
  done
done

verify
