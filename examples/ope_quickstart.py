#!/usr/bin/env python3
"""Off-policy evaluation from Python on the Open Bandit Dataset sample: the value of the
Bernoulli TS policy estimated from the uniform-random logs by IPW, SNIPW, DM and DR, with 95%
bootstrap intervals, next to the on-policy value BTS actually got (its own logs).

  bundlerl import obd --dir DATA/obd/random/men --out men.h5
  bundlerl import obd --dir DATA/obd/bts/men    --out bts_men.h5
  PYTHONPATH=build/python python3 examples/ope_quickstart.py men.h5 \
      DATA/obd/bts_policy/bts_action_dist_men.csv bts_men.h5 [--plot ope.png]

DM and DR use a deliberately simple reward model here: the click rate of each (item,
position) in the logs, smoothed towards the position's rate (`bundlerl evaluate` cross-fits a
logistic model instead).
"""
import argparse

import numpy as np

import bundlerl
from bundlerl import ope


def click_rates(logs, n_actions, len_list, prior=50.0):
    """q[a, p]: the logged click rate of item a at position p, shrunk to the position's rate."""
    clicks = np.zeros((n_actions, len_list))
    shows = np.zeros((n_actions, len_list))
    np.add.at(clicks, (logs["action"], logs["position"]), logs["reward"])
    np.add.at(shows, (logs["action"], logs["position"]), 1.0)
    base = clicks.sum(0) / np.maximum(shows.sum(0), 1)
    return (clicks + prior * base) / (shows + prior)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("logs")
    ap.add_argument("table", help="the evaluation policy: CSV item_id,pos0,pos1,... (OBD's bts_action_dist_*.csv)")
    ap.add_argument("truth_logs", nargs="?", help="the evaluation policy's own logs, for its on-policy value")
    ap.add_argument("--plot", help="write a bar chart of the estimates here (needs matplotlib)")
    a = ap.parse_args()

    logs = bundlerl.read_logs(a.logs)
    n, A, L = logs["n_rounds"], logs["n_actions"], logs["len_list"]
    table = np.loadtxt(a.table, delimiter=",", skiprows=1)[:, 1:]
    table /= table.sum(axis=0, keepdims=True)  # the CSV's rounding, removed
    arrays = dict(reward=logs["reward"], action=logs["action"], position=logs["position"], pscore=logs["pscore"],
                  action_dist=np.broadcast_to(table, (n, A, L)),
                  estimated_rewards_by_reg_model=np.broadcast_to(click_rates(logs, A, L), (n, A, L)))
    names = ["ipw", "snipw", "dm", "dr"]
    result = ope.estimate_interval(names, n_bootstrap_samples=1000, random_state=1, **arrays)
    print(f"{n} logged rounds, {A} items, {L} positions; 95% bootstrap intervals (1,000 resamples)")
    for name in names:
        r = result[name]
        print(f"{name:6} {r['value']:.5f}  [{r['ci_low']:.5f}, {r['ci_high']:.5f}]  max weight {r['max_weight']:.1f}"
              f"  effective rows {r['ess']:.0f}")
    truth = None
    if a.truth_logs:
        truth = float(np.mean(bundlerl.read_logs(a.truth_logs)["reward"]))
        print(f"on-policy  {truth:.5f}  (mean click of the evaluation policy's own logs)")
    if a.plot:
        try:
            import matplotlib
            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:
            print("matplotlib is not importable: no plot")
            return
        values = [result[k]["value"] for k in names]
        err = [[result[k]["value"] - result[k]["ci_low"] for k in names],
               [result[k]["ci_high"] - result[k]["value"] for k in names]]
        fig, ax = plt.subplots(figsize=(5, 3))
        ax.bar(names, values, yerr=err, capsize=4, color="#4c72b0")
        if truth is not None:
            ax.axhline(truth, color="k", linestyle="--", label="on-policy")
            ax.legend()
        ax.set_ylabel("estimated click rate")
        fig.tight_layout()
        fig.savefig(a.plot, dpi=120)
        print(f"wrote {a.plot}")


if __name__ == "__main__":
    main()
