#!/usr/bin/env python3
"""Writes tests/fixtures/obp_reference.npz: Open Bandit Pipeline's estimates on three sets of
arrays, which python/tests/test_obp_parity.py checks bundlerl.ope against (to 1e-9).

  obd        the OBD sample's uniform-random men campaign (read from an HDF5 file made by
             `bundlerl import obd`; only checksums of its arrays are stored), evaluated for
             OBP's Bernoulli TS with the ZOZOTOWN prior (its [34, 3] action table stored), with
             context-free reward predictions q[a, p] (stored);
  synthetic  OBP's SyntheticBanditDataset (1,000 rounds, 10 actions) logged by its own
             behaviour policy, evaluated for a Bernoulli TS updated on those logs, with
             predictions of OBP's RegressionModel (logistic regression, 2 folds); arrays stored;
  positions  random logs with 3 positions (500 rounds, 5 actions), a random evaluation
             policy per round and random predictions; arrays stored.

OBP is not a dependency of BundleRL: run this by hand with OBP importable, e.g.
  PYTHONPATH=build/python:OBP_CHECKOUT python3 scripts/make_obp_fixture.py \
      --logs men.h5 --out tests/fixtures/obp_reference.npz
(OBP needs scipy, scikit-learn, pandas, tqdm, matplotlib, seaborn and torch: Debian's python3-*
packages of those names.)
"""
import argparse

import numpy as np
from sklearn.linear_model import LogisticRegression

import bundlerl
from obp.dataset import SyntheticBanditDataset
from obp.ope import (DirectMethod, DoublyRobust, DoublyRobustWithShrinkage, InverseProbabilityWeighting,
                     RegressionModel, SelfNormalizedDoublyRobust, SelfNormalizedInverseProbabilityWeighting,
                     SwitchDoublyRobust)
from obp.policy import BernoulliTS

SEED = 12345

# Our estimator spec -> OBP's estimator.
ESTIMATORS = {
    "ipw": InverseProbabilityWeighting(),
    "clipped-ipw:2": InverseProbabilityWeighting(lambda_=2),
    "snipw": SelfNormalizedInverseProbabilityWeighting(),
    "dm": DirectMethod(),
    "dr": DoublyRobust(),
    "sndr": SelfNormalizedDoublyRobust(),
    "switch-dr:2": SwitchDoublyRobust(lambda_=2),
    "dros:10": DoublyRobustWithShrinkage(lambda_=10),
}


def obp_values(case, arrays, out):
    for spec, est in ESTIMATORS.items():
        kwargs = dict(reward=arrays["reward"], action=arrays["action"], pscore=arrays["pscore"],
                      action_dist=arrays["action_dist"], position=arrays.get("position"))
        if spec not in ("ipw", "clipped-ipw:2", "snipw"):
            kwargs["estimated_rewards_by_reg_model"] = arrays["estimated_rewards_by_reg_model"]
        out[f"{case}__value__{spec}"] = np.float64(est.estimate_policy_value(**kwargs))


def obd_case(logs_path, out):
    logs = bundlerl.read_logs(logs_path)
    n = logs["n_rounds"]
    bts = BernoulliTS(n_actions=34, len_list=3, is_zozotown_prior=True, campaign="men", random_state=SEED)
    table = bts.compute_batch_action_dist(n_rounds=1, n_sim=100000)[0]  # [34, 3]
    a, p = np.meshgrid(np.arange(34), np.arange(3), indexing="ij")
    q = 0.002 + 0.004 * a / 34 + 0.001 * p
    arrays = dict(reward=logs["reward"], action=logs["action"].astype(np.int64),
                  position=logs["position"].astype(np.int64), pscore=logs["pscore"],
                  action_dist=np.broadcast_to(table, (n, 34, 3)).copy(),
                  estimated_rewards_by_reg_model=np.broadcast_to(q, (n, 34, 3)).copy())
    obp_values("obd", arrays, out)
    out["obd__table"], out["obd__q"] = table, q
    out["obd__checksum"] = np.array([n, arrays["reward"].sum(), arrays["pscore"].sum(), arrays["action"].sum(),
                                     arrays["position"].sum()], dtype=np.float64)


def synthetic_case(out):
    data = SyntheticBanditDataset(n_actions=10, dim_context=5, reward_type="binary", random_state=SEED)
    fb = data.obtain_batch_bandit_feedback(n_rounds=1000)
    bts = BernoulliTS(n_actions=10, len_list=1, random_state=SEED)
    for a, r in zip(fb["action"], fb["reward"]):
        bts.update_params(action=int(a), reward=float(r))
    dist = bts.compute_batch_action_dist(n_rounds=1000, n_sim=10000)
    reg = RegressionModel(n_actions=10, base_model=LogisticRegression(random_state=SEED))
    q = reg.fit_predict(context=fb["context"], action=fb["action"], reward=fb["reward"], n_folds=2,
                        random_state=SEED)
    arrays = dict(reward=fb["reward"].astype(np.float64), action=fb["action"].astype(np.int64),
                  pscore=fb["pscore"], action_dist=dist, estimated_rewards_by_reg_model=q)
    obp_values("synthetic", arrays, out)
    for k, v in arrays.items():
        out[f"synthetic__{k}"] = v


def positions_case(out):
    rng = np.random.default_rng(SEED)
    n, A, L = 500, 5, 3
    arrays = dict(reward=rng.binomial(1, 0.3, n).astype(np.float64), action=rng.integers(0, A, n),
                  position=rng.integers(0, L, n), pscore=np.full(n, 1.0 / A),
                  action_dist=rng.dirichlet(np.ones(A), size=(n, L)).transpose(0, 2, 1).copy(),
                  estimated_rewards_by_reg_model=rng.uniform(0, 1, (n, A, L)))
    obp_values("positions", arrays, out)
    for k, v in arrays.items():
        out[f"positions__{k}"] = v


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--logs", required=True, help="the OBD sample's random/men campaign imported by bundlerl import obd")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    out = {}
    obd_case(args.logs, out)
    synthetic_case(out)
    positions_case(out)
    np.savez_compressed(args.out, **out)
    for k, v in out.items():
        if "__value__" in k:
            print(f"{k}: {float(v):.17g}")


if __name__ == "__main__":
    main()
