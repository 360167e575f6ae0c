#!/usr/bin/env python3
"""Builds the tables of the Open Bandit Dataset's production Bernoulli Thompson Sampling
policy from its Beta prior (Open Bandit Pipeline's obp/policy/conf/prior_bts.yaml):

  bts_prior_<campaign>.csv        item_id,alpha,beta       the prior, one row per item
  bts_action_dist_<campaign>.csv  item_id,pos0,pos1,pos2   P(item shown at position)

The policy draws theta_i ~ Beta(alpha_i, beta_i) for every item and shows the three largest,
highest first. P(item at position) is estimated by Monte Carlo with 100,000 draws from
numpy's RandomState(12345) (the pipeline's own default number of draws and quickstart seed),
written with 5 decimals, so the tables are bit-for-bit the ones its quickstart prints.

Usage: make_bts_tables.py PRIOR_YAML OUT_DIR     (numpy needed; scripts/get-data.sh runs it)
"""
import os
import sys

import numpy as np

CAMPAIGNS = ("men", "women", "all")
SLOTS = 3
DRAWS = 100_000
SEED = 12345


def read_prior(path):
    """The YAML's three campaigns, each with alpha and beta lists (a small fixed layout)."""
    prior, campaign, key = {}, None, None
    with open(path) as f:
        for n, raw in enumerate(f, 1):
            line = raw.rstrip()
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            if not line.startswith(" "):
                campaign = text.rstrip(":")
                prior[campaign] = {}
            elif text.endswith(":"):
                key = text[:-1]
                prior[campaign][key] = []
            elif text.startswith("-") and campaign and key:
                prior[campaign][key].append(float(text[1:]))
            else:
                sys.exit(f"{path}:{n}: unexpected line '{text}'")
    for c in CAMPAIGNS:
        p = prior.get(c, {})
        if len(p.get("alpha", [])) == 0 or len(p.get("alpha", [])) != len(p.get("beta", [])):
            sys.exit(f"{path}: campaign '{c}' lacks alpha/beta lists of one length")
    return prior


def slot_probabilities(alpha, beta):
    """P(item at slot) over DRAWS top-3 draws, in the pipeline's order of random calls."""
    rng = np.random.RandomState(SEED)
    counts = np.zeros((len(alpha), SLOTS))
    for _ in range(DRAWS):
        shown = rng.beta(a=alpha, b=beta).argsort()[::-1][:SLOTS]
        counts[shown, np.arange(SLOTS)] += 1
    return counts / DRAWS


def write_atomically(path, lines):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(tmp, path)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    prior_path, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    for c, p in ((c, read_prior(prior_path)[c]) for c in CAMPAIGNS):
        alpha, beta = np.array(p["alpha"]), np.array(p["beta"])
        write_atomically(os.path.join(out, f"bts_prior_{c}.csv"),
                         ["item_id,alpha,beta"] + [f"{i},{a:g},{b:g}" for i, (a, b) in enumerate(zip(alpha, beta))])
        dist = slot_probabilities(alpha, beta)
        write_atomically(os.path.join(out, f"bts_action_dist_{c}.csv"),
                         ["item_id," + ",".join(f"pos{k}" for k in range(SLOTS))] +
                         [f"{i}," + ",".join(f"{v:.5f}" for v in row) for i, row in enumerate(dist)])


if __name__ == "__main__":
    main()
