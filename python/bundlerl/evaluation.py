"""Off-policy evaluation of slate policies on logs: the call `bundlerl evaluate` makes.

    ev = bundlerl.evaluate(logs, policies=["uniform", "popularity", "p.pt", my_policy],
                           estimators=["ipw", "snipw", "dr"], bootstrap=1000)
    ev.rows             # one dict per (policy, estimator): value, interval, diagnostics, reliable
    ev.to_dataframe()   # the same as a pandas DataFrame
    print(ev.judged)    # how the estimates were judged

A policy is a strategy name, a policy file, a CSV table of P(unit at position), a
bundlerl.Policy, or a Python object with probabilities(obs) -> [slate_size, candidates]
(see PYTHON_POLICY below).
"""
import math
import os

from . import _core
from ._args import INT32_MAX as _INT32_MAX, integer as _integer, seed as _seed
from .logs import Logs

PYTHON_POLICY = """A Python policy is an object with
    probabilities(obs) -> [K, C]   P(candidate c is shown in slot k), rows summing to one;
and where needed
    sample(obs, seed) -> [K]       a slate of distinct candidate indices (to simulate it or value
                                   it in the fitted shopper model),
    slate_probability(obs, slate, prefix) -> float   (the slate and cascade estimators),
    deterministic = True           one slate per observation (0/1 probabilities): the slate and
                                   its probabilities follow without the two above.
obs is a dict: features [C, F], candidates [C] (item ids), history, user, step, slate_size."""


class Evaluation:
    """The rows of an evaluation and how they were judged."""

    def __init__(self, out):
        self.rows = out["rows"]
        self.judged = out["judged"]
        self.warnings = list(out["warnings"])
        self.rounds = out["rounds"]
        self.reward = out["reward"]
        self.reward_model = out.get("reward_model")
        self.shopper_model = out.get("shopper_model")

    def value(self, policy, estimator):
        """The estimate of one policy by one estimator (scope "all")."""
        for r in self.rows:
            if r["policy"] == policy and r["estimator"] == estimator and r["scope"] == "all":
                return r["value"]
        raise KeyError(f"no row for policy {policy!r} and estimator {estimator!r}")

    def to_dataframe(self):
        import pandas as pd
        return pd.DataFrame(self.rows)

    def __repr__(self):
        lines = [f"Evaluation({self.rounds} rounds, reward {self.reward})"]
        for r in self.rows:
            ci = f"[{r['ci_low']:.4g}, {r['ci_high']:.4g}]" if r["reliable"] else "unreliable: " + r["unreliable_reason"]
            lines.append(f"  {r['policy']:<20} {r['estimator']:<12} {r['scope']:<10} {r['value']:.5g}  {ci}")
        return "\n".join(lines)


def _policy(p):
    if isinstance(p, (str, os.PathLike)):
        return os.fspath(p)
    handle = getattr(p, "_handle", None)
    if handle is not None and isinstance(handle, _core.PolicyHandle):
        return handle
    if not hasattr(p, "probabilities"):
        raise ValueError(f"policies: {p!r} is not a strategy name, file, bundlerl.Policy or an object with "
                         "probabilities(obs)")
    return p


def evaluate(logs, policies, estimators=None, bootstrap=0, alpha=0.05, seed=0, threads=2, reward=None,
             kernels="", features="", reward_model="logistic", l2=0.01, folds=5, shopper_model="auto",
             model_features="auto", model_slates=4, model_rounds=200000, per_position=False, truth=None,
             min_ess=100.0, max_weight_share=0.05):
    """Off-policy estimates of each policy's value on the logs, with the numbers
    `bundlerl evaluate --logs F --policy ... --format csv` prints for the same options.

    logs: a Logs or a file path. estimators: registered names (default: the per-slot ladder
    dm, ipw, clipped-ipw, snipw, dr, sndr, switch-dr, dros; on logs without propensities dm,
    and model on whole slates). shopper_model: the choice model fitted to the logged slates
    that judges every estimate and is the model and slate-dr estimators' (auto, mnl, cascade,
    independent; none turns it off). Returns an Evaluation. Errors name the argument, the
    policy or the round (ValueError)."""
    if not isinstance(logs, Logs):
        logs = Logs.read(logs)
    if isinstance(policies, (str, os.PathLike)) or hasattr(policies, "probabilities"):
        policies = [policies]
    policies = [_policy(p) for p in policies]
    o = _core.EvaluationOptions()
    if estimators is not None:
        if isinstance(estimators, str):
            estimators = [e for e in estimators.split(",") if e]
        if not estimators:
            raise ValueError("estimators: no estimator named")
        o.estimators = list(estimators)
    o.bootstrap = _integer(bootstrap, "bootstrap", 0, 1_000_000)
    if not (isinstance(alpha, (int, float)) and 0 < alpha < 1):
        raise ValueError(f"alpha: expected a number in (0, 1), got {alpha!r}")
    o.alpha = float(alpha)
    o.seed = _seed(seed, "seed")
    o.threads = _integer(threads, "threads", 1, _INT32_MAX)
    o.reward = reward or ""
    o.kernels = kernels
    o.features = features
    if not (isinstance(l2, (int, float)) and l2 >= 0):
        raise ValueError(f"l2: expected a number >= 0, got {l2!r}")
    o.reward_model = f"logistic:{l2}" if reward_model == "logistic" else reward_model
    o.folds = _integer(folds, "folds", 2, 1000)
    o.shopper_model = shopper_model
    o.model_features = model_features
    o.model_slates = _integer(model_slates, "model_slates", 1, 1000)
    o.model_rounds = _integer(model_rounds, "model_rounds", 1000, 100_000_000)
    o.per_position = bool(per_position)
    if truth is not None:
        if not (isinstance(truth, (int, float)) and math.isfinite(truth)):
            raise ValueError(f"truth: expected a finite number, got {truth!r}")
        o.truth = float(truth)
    o.min_ess = float(min_ess)
    if not 0 < max_weight_share <= 1:
        raise ValueError(f"max_weight_share: expected a number in (0, 1], got {max_weight_share!r}")
    o.max_weight_share = float(max_weight_share)
    return Evaluation(_core.evaluate(logs._handle, policies, o))
