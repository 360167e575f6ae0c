# bundlerl.ope: exact answers on small arrays, the command line's numbers on the OBD sample,
# OBP-shaped inputs, intervals, the slate layout, and a ValueError naming the argument and
# the index for every kind of bad input.
import csv
import io

import numpy as np
import pytest

import bundlerl
from bundlerl import ope


def bandit(n=200, A=4, L=3, seed=0):
    """Random logs in the bandit layout with a target policy and reward predictions."""
    rng = np.random.default_rng(seed)
    action = rng.integers(0, A, n)
    position = rng.integers(0, L, n)
    pscore = rng.uniform(0.1, 1.0, n)
    reward = rng.binomial(1, 0.3, n).astype(float)
    dist = rng.dirichlet(np.ones(A), size=(n, L)).transpose(0, 2, 1).copy()  # [n, A, L]
    q = rng.uniform(0, 1, (n, A, L))
    return dict(reward=reward, action=action, position=position, pscore=pscore, action_dist=dist,
                estimated_rewards_by_reg_model=q)


def by_hand(d):
    i = np.arange(len(d["reward"]))
    w = d["action_dist"][i, d["action"], d["position"]] / d["pscore"]
    q = d["estimated_rewards_by_reg_model"]
    dm = (d["action_dist"][i, :, d["position"]] * q[i, :, d["position"]]).sum(1)
    qf = q[i, d["action"], d["position"]]
    r = d["reward"]
    return w, r, dm, qf


def test_values_equal_the_formulas():
    d = bandit()
    w, r, dm, qf = by_hand(d)
    no_model = {k: v for k, v in d.items() if k != "estimated_rewards_by_reg_model"}
    assert ope.estimate_policy_value("ipw", **no_model) == pytest.approx(np.mean(w * r), abs=1e-12)
    assert ope.snipw(**no_model) == pytest.approx(np.sum(w * r) / np.sum(w), abs=1e-12)
    assert ope.clipped_ipw(lambda_=2.0, **no_model) == pytest.approx(np.mean(np.minimum(w, 2.0) * r), abs=1e-12)
    assert ope.dm(**d) == pytest.approx(np.mean(dm), abs=1e-12)
    assert ope.dr(**d) == pytest.approx(np.mean(dm + w * (r - qf)), abs=1e-12)
    assert ope.sndr(**d) == pytest.approx(np.mean(dm) + np.mean(w * (r - qf)) / np.mean(w), abs=1e-12)
    assert ope.switch_dr(lambda_=1.5, **d) == pytest.approx(np.mean(dm + (w <= 1.5) * w * (r - qf)), abs=1e-12)
    shrunk = 3.0 * w / (w * w + 3.0)
    assert ope.dros(lambda_=3, **d) == pytest.approx(np.mean(dm + shrunk * (r - qf)), abs=1e-12)
    many = ope.estimate_policy_value(["ipw", "dr"], **d)
    assert many == {"ipw": pytest.approx(np.mean(w * r), abs=1e-12), "dr": pytest.approx(ope.dr(**d), abs=0)}


def test_every_bandit_estimator_of_the_registry_runs():
    d = bandit()
    names = [e["name"] for e in ope.estimators() if e["needs"] in ("propensities", "reward model")]
    assert {"dm", "ipw", "snipw", "dr", "sndr", "switch-dr", "dros", "clipped-ipw"} <= set(names)
    for name in names:
        r = ope.estimate(name, **d)
        assert np.isfinite(r["value"]) and r["rows"] == 200 and r["max_weight"] > 0
        assert callable(getattr(ope, name.replace("-", "_")))


def test_weight_diagnostics_are_kish_on_the_applied_weights():
    d = bandit()
    w, _, _, _ = by_hand(d)
    r = ope.estimate("ipw", **d)
    assert r["weighted"] is True
    assert r["ess"] == pytest.approx(w.sum() ** 2 / (w * w).sum(), rel=1e-12)
    assert r["max_weight_share"] == pytest.approx(np.abs(w).max() / np.abs(w).sum(), rel=1e-12)
    assert r["nonzero_rows"] == np.count_nonzero(w)
    c = np.minimum(w, 1.5)
    clipped = ope.estimate("clipped-ipw:1.5", **d)
    assert clipped["ess"] == pytest.approx(c.sum() ** 2 / (c * c).sum(), rel=1e-12)
    dm = ope.estimate("dm", **d)
    assert dm["weighted"] is False and dm["ess"] == 200 and dm["nonzero_rows"] == 200
    s = slate()
    w_slate = s["evaluation_policy_pscore"] / s["pscore"]
    only_slate = {k: s[k] for k in ("reward", "pscore", "evaluation_policy_pscore")}
    sips = ope.estimate_slate("sips", **only_slate)
    assert sips["max_weight"] is None
    assert sips["ess"] == pytest.approx(w_slate.sum() ** 2 / (w_slate ** 2).sum(), rel=1e-12)
    assert sips["nonzero_rows"] == np.count_nonzero(w_slate)
    w_item = (s["evaluation_policy_pscore_item_position"] / s["pscore_item_position"]).mean(1)
    iips = ope.estimate_slate("iips", **s)
    assert iips["ess"] == pytest.approx(w_item.sum() ** 2 / (w_item ** 2).sum(), rel=1e-12)


def test_obp_shaped_inputs_are_accepted_in_any_dtype_and_layout():
    d = bandit()
    ref = ope.dr(**d)
    converted = dict(d, reward=d["reward"].astype(np.int32), action=d["action"].astype(np.int32),
                     position=list(d["position"]), pscore=list(d["pscore"]),
                     action_dist=np.asfortranarray(d["action_dist"]),
                     estimated_rewards_by_reg_model=d["estimated_rewards_by_reg_model"][:, :, ::-1][:, :, ::-1])
    assert ope.dr(**converted) == pytest.approx(ref, abs=1e-12)
    # len_list = 1 needs no position, as in OBP.
    one = bandit(L=1)
    del one["position"]
    assert np.isfinite(ope.ipw(**one))


def test_intervals_normal_and_bootstrap():
    d = bandit(n=2000)
    r = ope.estimate_interval("ipw", method="normal", **d)
    assert r["ci_method"] == "normal"
    assert r["ci_low"] == pytest.approx(r["value"] - 1.959963984540054 * r["stderr"], rel=1e-9)
    assert r["95.0% CI (lower)"] == r["ci_low"] and r["mean"] == r["value"]
    b1 = ope.estimate_interval("dr", n_bootstrap_samples=200, random_state=7, **d)
    b2 = ope.estimate_interval("dr", n_bootstrap_samples=200, random_state=7, threads=2, **d)
    b3 = ope.estimate_interval("dr", n_bootstrap_samples=200, random_state=8, **d)
    assert b1["ci_method"] == "bootstrap" and b1["ci_low"] < b1["value"] < b1["ci_high"]
    assert (b1["ci_low"], b1["ci_high"]) == (b2["ci_low"], b2["ci_high"])
    assert b1["ci_low"] != b3["ci_low"]
    r90 = ope.estimate_interval("ipw", method="normal", alpha=0.1, **d)
    assert r90["90.0% CI (upper)"] < r["ci_high"]


def test_values_equal_the_command_line_on_the_obd_sample(obd_men, cli):
    logs_path, table_path = obd_men
    out = cli("evaluate", "--logs", logs_path, "--target", table_path, "--estimators", "ipw,snipw,clipped-ipw:20",
              "--format", "csv")
    rows = [r for r in csv.DictReader(io.StringIO(out)) if r["scope"] in ("all", "overall", "")]
    assert rows, out
    logs = bundlerl.read_logs(logs_path)
    table = np.loadtxt(table_path, delimiter=",", skiprows=1)[:, 1:]  # [units, positions]
    n = logs["n_rounds"]
    dist = np.broadcast_to(table, (n,) + table.shape)
    ours = ope.estimate(["ipw", "snipw", "clipped-ipw:20"], reward=logs["reward"], action=logs["action"],
                        position=logs["position"], pscore=logs["pscore"], action_dist=dist)
    for row in rows:
        mine = ours[row["estimator"]]
        # The command line prints 10 significant digits.
        for key in ("value", "stderr", "ci_low", "ci_high", "max_weight"):
            assert mine[key] == pytest.approx(float(row[key]), rel=1e-9), (key, row)


def slate(n=300, K=3, seed=1):
    rng = np.random.default_rng(seed)
    ps_item = rng.uniform(0.2, 1, (n, K))
    ps_casc = np.cumprod(ps_item, axis=1)
    return dict(reward=rng.binomial(1, 0.2, (n, K)).astype(float),
                pscore_item_position=ps_item, evaluation_policy_pscore_item_position=rng.uniform(0, 1, (n, K)),
                pscore=ps_casc[:, -1], evaluation_policy_pscore=rng.uniform(0, 0.5, n) * ps_casc[:, -1],
                pscore_cascade=ps_casc, evaluation_policy_pscore_cascade=np.cumprod(rng.uniform(0, 1, (n, K)), axis=1))


def test_slate_layout_values_equal_the_formulas():
    s = slate()
    r = s["reward"]
    w_slate = s["evaluation_policy_pscore"] / s["pscore"]
    assert ope.sips(**s) == pytest.approx(np.mean(w_slate * r.sum(1)), abs=1e-12)
    assert ope.snsips(**s) == pytest.approx(np.mean(w_slate * r.sum(1)) / np.mean(w_slate), abs=1e-12)
    w_casc = s["evaluation_policy_pscore_cascade"] / s["pscore_cascade"]
    assert ope.rips(**s) == pytest.approx(np.mean((w_casc * r).sum(1)), abs=1e-12)
    w_item = s["evaluation_policy_pscore_item_position"] / s["pscore_item_position"]
    assert ope.iips(**s) == pytest.approx(np.mean((w_item * r).sum(1)), abs=1e-12)
    assert ope.estimate_slate_policy_value("ipw", **s) == pytest.approx(np.mean((w_item * r).sum(1)), abs=1e-12)
    only_slate = {k: s[k] for k in ("reward", "pscore", "evaluation_policy_pscore")}
    res = ope.estimate_slate("sips", **only_slate)
    assert res["max_weight"] is None and res["value"] == pytest.approx(ope.sips(**s), abs=0)
    assert ope.estimate_slate_interval("rips", method="normal", **s)["ci_method"] == "normal"


def raises(match, fn, *args, **kwargs):
    with pytest.raises(ValueError, match=match):
        fn(*args, **kwargs)


def test_bad_bandit_inputs_raise_value_errors_naming_argument_and_index():
    d = bandit(n=10, A=4, L=3)

    def with_(**changes):
        return dict(d, **changes)

    reward = d["reward"].copy(); reward[3] = np.nan
    raises(r"reward\[3\] = nan", ope.ipw, **with_(reward=reward))
    pscore = d["pscore"].copy(); pscore[5] = 0
    raises(r"pscore\[5\] = 0: not in \(0, 1\]", ope.ipw, **with_(pscore=pscore))
    pscore[5] = -0.5
    raises(r"pscore\[5\]", ope.dr, **with_(pscore=pscore))
    action = d["action"].copy(); action[2] = 4
    raises(r"action\[2\] = 4: not in \[0, n_actions = 4\)", ope.ipw, **with_(action=action))
    action[2] = -1
    raises(r"action\[2\] = -1", ope.ipw, **with_(action=action))
    position = d["position"].copy(); position[1] = 3
    raises(r"position\[1\] = 3: not in \[0, len_list = 3\)", ope.ipw, **with_(position=position))
    raises(r"action: expected integers", ope.ipw, **with_(action=d["action"].astype(float)))
    raises(r"reward: shape has 9 in dimension 0, expected 10", ope.ipw, **with_(reward=d["reward"][:9]))
    raises(r"pscore: expected 1 dimensions", ope.ipw, **with_(pscore=d["pscore"][:, None]))
    raises(r"action_dist: expected 3 dimensions", ope.ipw, **with_(action_dist=d["action_dist"][:, :, 0]))
    dist = d["action_dist"].copy(); dist[4, d["action"][4], d["position"][4]] = 1.5
    raises(r"action_dist\[4, ", ope.ipw, **with_(action_dist=dist))
    dist = d["action_dist"].copy(); dist[6, :, d["position"][6]] *= 0.5
    raises(r"action_dist\[6, :, \d\] sums to", ope.dm, **with_(action_dist=dist))
    q = d["estimated_rewards_by_reg_model"].copy(); q[4, 1, d["position"][4]] = np.inf
    raises(r"estimated_rewards_by_reg_model\[4, 1, ", ope.dr, **with_(estimated_rewards_by_reg_model=q))
    raises(r"estimated_rewards_by_reg_model: shape", ope.dr,
           **with_(estimated_rewards_by_reg_model=d["estimated_rewards_by_reg_model"][:, :2]))
    no_model = {k: v for k, v in d.items() if k != "estimated_rewards_by_reg_model"}
    raises(r"estimated_rewards_by_reg_model: required", ope.dr, **no_model)
    raises(r"position: required", ope.ipw, **{k: v for k, v in no_model.items() if k != "position"})
    raises(r"unknown estimator 'wizard'", ope.estimate_policy_value, "wizard", **d)
    raises(r"dros:0.*lambda must be a positive", ope.estimate_policy_value, "dros:0", **d)
    raises(r"'sips' needs slate propensities", ope.estimate_policy_value, "sips", **d)
    raises(r"alpha: expected a number in \(0, 1\)", ope.estimate_interval, "ipw", alpha=1.5, **d)
    raises(r"n_bootstrap_samples: expected a positive", ope.estimate_interval, "ipw", n_bootstrap_samples=0, **d)
    raises(r"reward: expected an array of real numbers, got dtype <U1", ope.ipw, **with_(reward=["a"] * 10))
    # numpy would parse strings as numbers and drop imaginary parts: both are refused
    raises(r"reward: expected an array of real numbers, got dtype <U1", ope.ipw,
           **with_(reward=np.array(["1"] * 10)))
    raises(r"pscore: expected an array of real numbers, got dtype complex128", ope.ipw,
           **with_(pscore=d["pscore"].astype(complex)))


def test_bad_settings_raise_value_errors_naming_the_argument():
    d = bandit(n=10, A=4, L=3)
    # a thread count beyond the machine's is refused before any thread starts
    raises(r"threads: expected a number of threads in \[1, \d+\]", ope.estimate, "ipw", threads=10**6, **d)
    raises(r"threads: expected an integer in \[1, 2147483647\], got 0", ope.estimate, "ipw", threads=0, **d)
    raises(r"threads: expected an integer, got 1.5", ope.estimate, "ipw", threads=1.5, **d)
    raises(r"n_bootstrap_samples: expected an integer in \[0, 2147483647\], got 1000000000000",
           ope.estimate, "ipw", n_bootstrap_samples=10**12, **d)
    raises(r"random_state: expected an integer in \[0, 18446744073709551615\], got -1",
           ope.estimate, "ipw", random_state=-1, **d)
    raises(r"random_state: expected an integer, got nan", ope.estimate, "ipw", random_state=float("nan"), **d)
    assert ope.estimate("ipw", threads=2.0, **d)["value"] == ope.estimate("ipw", **d)["value"]


def test_bad_slate_inputs_raise_value_errors_naming_argument_and_index():
    s = slate(n=8)
    casc = s["pscore_cascade"].copy(); casc[2, 1] = 0
    raises(r"pscore_cascade\[2, 1\] = 0", ope.rips, **dict(s, pscore_cascade=casc))
    target = s["evaluation_policy_pscore"].copy(); target[7] = 2
    raises(r"evaluation_policy_pscore\[7\] = 2: not in \[0, 1\]", ope.sips, **dict(s, evaluation_policy_pscore=target))
    raises(r"pscore_cascade: required by estimator 'rips'", ope.rips,
           **{k: v for k, v in s.items() if k != "pscore_cascade"})
    raises(r"evaluation_policy_pscore: shape", ope.sips, **dict(s, evaluation_policy_pscore=s["pscore"][:7]))
    raises(r"reward: expected 2 dimensions", ope.sips, **dict(s, reward=s["reward"].ravel()))


def test_other_python_threads_run_while_an_estimate_is_computed():
    import threading
    import time
    d = bandit(n=200_000)
    span = {}

    def work():
        span["start"] = time.perf_counter()
        # Enough resamples for a call of about a second (the Poisson bootstrap does 1,000 of
        # 1M rows in well under one).
        ope.estimate_interval("dr", n_bootstrap_samples=6000, **d)
        span["end"] = time.perf_counter()

    worker = threading.Thread(target=work)
    worker.start()
    ticks = []
    while worker.is_alive():
        ticks.append(time.perf_counter())
    worker.join()
    window = span["end"] - span["start"] - 0.2
    assert window > 0.2
    inside = [t for t in ticks if span["start"] + 0.1 < t < span["end"] - 0.1]
    # This thread ticks hundreds of thousands of times a second while the GIL is free, and
    # only a few thousand times in the window when the call holds it (measured).
    assert len(inside) > 20000 * window
