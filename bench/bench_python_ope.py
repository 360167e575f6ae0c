#!/usr/bin/env python3
"""bundlerl.ope against Open Bandit Pipeline's estimate_policy_value on the same arrays, in
one run: IPW, and DR with given reward predictions, on 1,000,000 rounds of 34 actions and 3
positions (the OBD layout). The arrays are made once (uniform logging, a random evaluation
policy per round, random predictions); each call is timed best of --repeat, from the numpy
arrays to the value. OBP is not a dependency: when `import obp` fails, its column is
skipped with a message (put an OBP checkout on PYTHONPATH to include it).

Usage: PYTHONPATH=build/python[:OBP_CHECKOUT] python3 bench/bench_python_ope.py
       [--rounds 1000000] [--actions 34] [--positions 3] [--repeat 3]
"""
import argparse
import os
import time

import numpy as np

from bundlerl import ope


def arrays(n, A, L, seed=0):
    rng = np.random.default_rng(seed)
    dist = rng.uniform(0.0, 1.0, (n, A, L))
    dist /= dist.sum(axis=1, keepdims=True)
    return dict(reward=rng.binomial(1, 0.005, n).astype(np.float64), action=rng.integers(0, A, n),
                position=rng.integers(0, L, n), pscore=np.full(n, 1.0 / A), action_dist=dist,
                estimated_rewards_by_reg_model=rng.uniform(0.0, 0.02, (n, A, L)))


def best(fn, repeat):
    times, value = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - t0)
    return min(times), value


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=1_000_000)
    ap.add_argument("--actions", type=int, default=34)
    ap.add_argument("--positions", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    d = arrays(a.rounds, a.actions, a.positions)
    no_model = {k: v for k, v in d.items() if k != "estimated_rewards_by_reg_model"}
    try:
        from obp.ope import DoublyRobust, InverseProbabilityWeighting
    except ImportError as e:
        print(f"OBP not importable ({e}): its column is skipped")
        obp = None
    else:
        obp = {"ipw": lambda: InverseProbabilityWeighting().estimate_policy_value(**no_model),
               "dr": lambda: DoublyRobust().estimate_policy_value(**d)}
    print(f"{a.rounds:,} rounds, {a.actions} actions, {a.positions} positions; best of {a.repeat}; "
          f"{os.cpu_count()} CPUs")
    print(f"{'estimator':10} {'bundlerl 1 thr':>15} {'bundlerl 2 thr':>15} {'OBP':>10} {'speedup 1 thr':>14} "
          f"{'|difference|':>13}")
    for name, args in (("ipw", no_model), ("dr", d)):
        t1, v1 = best(lambda: ope.estimate_policy_value(name, threads=1, **args), a.repeat)
        t2, _ = best(lambda: ope.estimate_policy_value(name, threads=2, **args), a.repeat)
        if obp:
            to, vo = best(obp[name], a.repeat)
            print(f"{name:10} {t1 * 1e3:12.1f} ms {t2 * 1e3:12.1f} ms {to * 1e3:7.0f} ms {to / t1:13.1f}x "
                  f"{abs(v1 - vo):13.2e}")
        else:
            print(f"{name:10} {t1 * 1e3:12.1f} ms {t2 * 1e3:12.1f} ms {'-':>10} {'-':>14} {'-':>13}")
    read_bound(d, a.repeat)


def read_bound(d, repeat):
    """One read of the [n, actions, positions] arrays DR needs (numpy sums): the memory
    bandwidth floor of any DR over them."""
    t, _ = best(lambda: d["action_dist"].sum() + d["estimated_rewards_by_reg_model"].sum(), repeat)
    print(f"reading action_dist and estimated_rewards_by_reg_model once (numpy sum): {t * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
