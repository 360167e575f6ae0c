"""Off-policy estimators of BundleRL's registry over numpy arrays.

Bandit layout (Open Bandit Pipeline's argument names and shapes, so that an OBP call can be
swapped for ours):
    reward [n], action [n] (integers), position [n] (integers, optional when len_list = 1),
    pscore [n] (logging propensity of the logged action at its position),
    action_dist [n, n_actions, len_list] (the evaluation policy),
    estimated_rewards_by_reg_model [n, n_actions, len_list] (for dm, dr and its variants).
One slot per row: row i's weight is action_dist[i, action[i], position[i]] / pscore[i].
Estimators that use the reward model also check that action_dist[i, :, position[i]] sums
to one within 1e-3 (the tolerance of the command line's target tables).

Slate layout (BundleRL's own, for slate estimators and per-slot estimators over whole
slates; Open Bandit Pipeline's flat [n * len_list] arrays sorted by slate and position
become these with x.reshape(n, len_list)):
    reward [n, K]; pscore_item_position, evaluation_policy_pscore_item_position [n, K]
    (marginal P(logged unit at slot k)); pscore, evaluation_policy_pscore [n] (whole slate);
    pscore_cascade, evaluation_policy_pscore_cascade [n, K] (P(slots 0..k)); q_hat [n, K]
    (reward model at the logged slots) and q_hat_expected [n, K] (its expectation under the
    evaluation policy) for dm, dr and cascade-dr.

Estimators are named as in the command line ("ipw", "dros:50", ...; estimators() lists them
with their parameters); each also has a function of its own (ope.ipw(...),
ope.dros(..., lambda_=50)). Arrays are read in place when they are C-contiguous float64 (int64
for action and position) and converted otherwise. Bad input raises ValueError naming the
argument and the index. The C++ work runs without the GIL; results do not depend on
`threads`.
"""
import keyword

import numpy as np

from . import _core
from ._args import INT32_MAX as _INT32_MAX, integer as _integer, seed as _seed

_BANDIT_NEEDS = ("propensities", "reward model")


def estimators():
    """The registered estimators: list of dicts name, summary, params [(name, default,
    help)], needs (what data it needs besides rewards)."""
    return list(_core.estimators())


def _integers(x, name):
    if x is None:
        return None
    a = np.asarray(x)
    if a.dtype.kind not in "iu":
        raise ValueError(f"{name}: expected integers, got dtype {a.dtype}")
    return a


def _settings(alpha, n_bootstrap_samples, random_state, threads):
    if random_state is None:
        random_state = 0
    if isinstance(random_state, np.random.Generator):
        random_state = int(random_state.integers(0, 2**63))
    return _core.EstimateSettings(alpha=float(alpha),
                                  n_bootstrap_samples=_integer(n_bootstrap_samples, "n_bootstrap_samples", 0,
                                                               _INT32_MAX),
                                  random_state=_seed(random_state, "random_state"),
                                  threads=_integer(threads, "threads", 1, _INT32_MAX))


def _names(estimator):
    if isinstance(estimator, str):
        return [estimator], True
    return [str(e) for e in estimator], False


def estimate(estimator, *, reward, action, pscore, action_dist, position=None,
             estimated_rewards_by_reg_model=None, alpha=0.05, n_bootstrap_samples=0,
             random_state=0, threads=1):
    """Runs one estimator (a name) or several (a list of names, data gathered once) on the
    bandit layout. Returns, per estimator, a dict: value, stderr (delta method), ci_low,
    ci_high (the 1 - alpha interval: normal when n_bootstrap_samples = 0, else the
    percentile bootstrap seeded by random_state), ci_method, rows, max_weight (the largest
    importance weight, a diagnostic of variance), and the diagnostics of the row weights the
    estimator applies: weighted (False for the direct method, which has none), ess (Kish's
    effective sample size (sum w)^2 / sum w^2, in rows; per-slot estimators weigh a row by the
    mean of its slots' weights), max_weight_share (the largest |w| / sum |w|) and
    nonzero_rows (rows whose weight is not zero)."""
    names, single = _names(estimator)
    out = _core.estimate_bandit(
        names, reward, _integers(action, "action"), _integers(position, "position"), pscore,
        action_dist, estimated_rewards_by_reg_model,
        _settings(alpha, n_bootstrap_samples, random_state, threads))
    return out[0] if single else {n: r for n, r in zip(names, out)}


def estimate_policy_value(estimator, **arrays):
    """The estimate of the evaluation policy's value (a float); a dict name -> float for a
    list of estimators. Arguments as estimate()."""
    r = estimate(estimator, **arrays)
    if isinstance(estimator, str):
        return r["value"]
    return {n: v["value"] for n, v in r.items()}


def _interval_dict(r, alpha):
    level = 100 * (1 - alpha)
    out = dict(r)
    out["mean"] = r["value"]
    out[f"{level}% CI (lower)"] = r["ci_low"]
    out[f"{level}% CI (upper)"] = r["ci_high"]
    return out


def estimate_interval(estimator, *, alpha=0.05, n_bootstrap_samples=10000, random_state=0,
                      method="bootstrap", **arrays):
    """The value with its 1 - alpha confidence interval, as a dict with OBP's keys ("mean",
    "95.0% CI (lower)", "95.0% CI (upper)"; "mean" is the point estimate, not the bootstrap
    mean) and estimate()'s. method: "bootstrap" (n_bootstrap_samples resamples of the rows)
    or "normal" (delta method)."""
    if method not in ("bootstrap", "normal"):
        raise ValueError(f"method: expected 'bootstrap' or 'normal', got {method!r}")
    samples = n_bootstrap_samples if method == "bootstrap" else 0
    if method == "bootstrap" and samples <= 0:
        raise ValueError(f"n_bootstrap_samples: expected a positive number, got {samples}")
    r = estimate(estimator, alpha=alpha, n_bootstrap_samples=samples, random_state=random_state, **arrays)
    if isinstance(estimator, str):
        return _interval_dict(r, alpha)
    return {n: _interval_dict(v, alpha) for n, v in r.items()}


def estimate_slate(estimator, *, reward, pscore_item_position=None,
                   evaluation_policy_pscore_item_position=None, pscore=None,
                   evaluation_policy_pscore=None, pscore_cascade=None,
                   evaluation_policy_pscore_cascade=None, q_hat=None, q_hat_expected=None,
                   alpha=0.05, n_bootstrap_samples=0, random_state=0, threads=1):
    """estimate() on the slate layout (see the module's comment); max_weight is None when no
    per-slot marginals are given (ess and the other diagnostics are those of the weights each
    estimator applies: slate or cascade weights for sips and rips)."""
    names, single = _names(estimator)
    out = _core.estimate_slate(
        names, reward, pscore_item_position, evaluation_policy_pscore_item_position, pscore,
        evaluation_policy_pscore, pscore_cascade, evaluation_policy_pscore_cascade, q_hat,
        q_hat_expected, _settings(alpha, n_bootstrap_samples, random_state, threads))
    return out[0] if single else {n: r for n, r in zip(names, out)}


def estimate_slate_policy_value(estimator, **arrays):
    """The value (a float, or a dict for a list of names) on the slate layout."""
    r = estimate_slate(estimator, **arrays)
    if isinstance(estimator, str):
        return r["value"]
    return {n: v["value"] for n, v in r.items()}


def estimate_slate_interval(estimator, *, alpha=0.05, n_bootstrap_samples=10000, random_state=0,
                            method="bootstrap", **arrays):
    """estimate_interval() on the slate layout."""
    if method not in ("bootstrap", "normal"):
        raise ValueError(f"method: expected 'bootstrap' or 'normal', got {method!r}")
    samples = n_bootstrap_samples if method == "bootstrap" else 0
    r = estimate_slate(estimator, alpha=alpha, n_bootstrap_samples=samples, random_state=random_state, **arrays)
    if isinstance(estimator, str):
        return _interval_dict(r, alpha)
    return {n: _interval_dict(v, alpha) for n, v in r.items()}


def _spec(entry, params):
    """"name:p1:p2" from keyword parameters (lambda_ for lambda); unset ones take defaults."""
    values = []
    for pname, default, _ in entry["params"]:
        key = pname + "_" if keyword.iskeyword(pname) else pname
        values.append(str(params.pop(key, default)))
    if params:
        raise ValueError(f"estimator '{entry['name']}': unknown parameter(s) {sorted(params)}")
    return ":".join([entry["name"]] + values)


_SLATE_ONLY = {"pscore_item_position", "evaluation_policy_pscore_item_position", "evaluation_policy_pscore",
               "pscore_cascade", "evaluation_policy_pscore_cascade", "q_hat", "q_hat_expected"}


def _make_function(entry):
    bandit = entry["needs"] in _BANDIT_NEEDS
    param_names = [p[0] + ("_" if keyword.iskeyword(p[0]) else "") for p in entry["params"]]

    def fn(**kwargs):
        params = {k: kwargs.pop(k) for k in param_names if k in kwargs}
        slate_args = bool(_SLATE_ONLY & kwargs.keys())
        run = estimate_policy_value if bandit and not slate_args else estimate_slate_policy_value
        return run(_spec(entry, params), **kwargs)

    fn.__name__ = entry["name"].replace("-", "_")
    layout = ("bandit layout (estimate_policy_value), or the slate layout when given its arguments" if bandit
              else "slate layout (estimate_slate_policy_value)")
    params = "".join(f"\n    {n}: {h} (default {d})" for (_, d, h), n in zip(entry["params"], param_names))
    fn.__doc__ = f"{entry['summary']}: the value on the {layout}.{params}"
    return fn


for _entry in _core.estimators():
    globals()[_entry["name"].replace("-", "_")] = _make_function(_entry)
del _entry
