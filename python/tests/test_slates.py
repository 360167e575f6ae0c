# Your own slate logs from Python (bundlerl.Logs), bundlerl.evaluate against the command line,
# and policies written in Python.
import csv
import io

import numpy as np
import pytest

import bundlerl

ROUNDS = """round_id,position,item_id,user_id,timestamp,click,propensity,context_age,context_device
z,1,b,u1,30,0,0.5,31,mobile
x,1,a,u1,10,1,0.5,31,mobile
x,0,c,u1,10,0,0.4,31,mobile
y,0,a,u2,20,0,0.5,45,desktop
y,1,d,u2,20,1,0.2,45,desktop
z,0,d,u1,30,1,0.5,31,mobile
"""
ITEMS = """item_id,title,category,price,feature_size
a,red shirt,tops,10,1.5
b,blue shirt,tops,12,2
c,black jeans,bottoms,30,3
d,red socks,,3,0.5
"""


def _columns(text):
    rows = list(csv.DictReader(io.StringIO(text)))
    return {k: [r[k] for r in rows] for k in rows[0]}


def _same(a, b, path=""):
    assert set(a) == set(b), (path, set(a) ^ set(b))
    for k in a:
        if k in ("meta",):
            continue
        x, y = a[k], b[k]
        if isinstance(x, dict):
            _same(x, y, f"{path}.{k}")
        elif isinstance(x, np.ndarray):
            assert np.array_equal(x, y), f"{path}.{k}"
        else:
            assert x == y, f"{path}.{k}"


def test_a_log_from_arrays_equals_the_csv_import(tmp_path, cli):
    (tmp_path / "rounds.csv").write_text(ROUNDS)
    (tmp_path / "items.csv").write_text(ITEMS)
    cli("import", "slates", "--rounds", tmp_path / "rounds.csv", "--items", tmp_path / "items.csv",
        "--out", tmp_path / "csv.h5")
    from_csv = bundlerl.read_logs(tmp_path / "csv.h5")
    r = _columns(ROUNDS)
    items = _columns(ITEMS)
    items["price"] = np.array(items["price"], dtype=float)
    items["feature_size"] = np.array(items["feature_size"], dtype=float)
    logs = bundlerl.Logs.from_arrays(
        round_id=r["round_id"], position=np.array(r["position"], dtype=int), item_id=r["item_id"],
        user_id=r["user_id"], timestamp=np.array(r["timestamp"], dtype=float),
        click=np.array(r["click"], dtype=float), propensity=np.array(r["propensity"], dtype=float),
        context={"age": np.array(r["context_age"], dtype=float), "device": r["context_device"]}, items=items)
    _same(dict(logs), dict(from_csv))
    # Saved and read back: the same again, and the file says what it is.
    logs.save(tmp_path / "py.h5")
    back = bundlerl.read_logs(tmp_path / "py.h5")
    _same(dict(back), dict(from_csv))
    assert back["meta"]["schema_version"] == 3
    assert back["n_rounds"] == 3 and back["len_list"] == 2
    assert list(back["items"]["original_key"]) == ["a", "b", "c", "d"]
    assert back["history_length"].tolist() == [0, 0, 1]  # x, y, z: u1 had clicked a before z


def test_from_dataframe_with_renamed_columns_and_context(tmp_path, cli):
    pd = pytest.importorskip("pandas")
    df = pd.read_csv(io.StringIO(ROUNDS)).rename(columns={"item_id": "sku", "round_id": "impression"})
    items = pd.read_csv(io.StringIO(ITEMS))
    logs = bundlerl.Logs.from_dataframe(df, items=items, columns={"item_id": "sku", "round_id": "impression"})
    (tmp_path / "rounds.csv").write_text(ROUNDS)
    (tmp_path / "items.csv").write_text(ITEMS)
    cli("import", "slates", "--rounds", tmp_path / "rounds.csv", "--items", tmp_path / "items.csv",
        "--out", tmp_path / "csv.h5")
    _same(dict(logs), dict(bundlerl.read_logs(tmp_path / "csv.h5")))
    with pytest.raises(ValueError, match="unknown column 'colour'"):
        bundlerl.Logs.from_dataframe(df.assign(colour=1), columns={"item_id": "sku", "round_id": "impression"})


def test_bad_arrays_name_the_column_and_the_row():
    base = dict(round_id=[1, 1, 2, 2], position=[0, 1, 0, 1], item_id=[5, 6, 5, 7], click=[0, 1, 0, 0])
    with pytest.raises(ValueError, match=r"row 2: column 'click': expected 0 or 1"):
        bundlerl.Logs.from_arrays(**{**base, "click": [0, 1, 2, 0]})
    with pytest.raises(ValueError, match=r"row 3: column 'propensity'"):
        bundlerl.Logs.from_arrays(**base, propensity=[0.5, 0.5, 0.5, 0.0])
    with pytest.raises(ValueError, match=r"second row at position 1"):
        bundlerl.Logs.from_arrays(**{**base, "position": [0, 1, 1, 1]})
    with pytest.raises(ValueError, match=r"item_id: expected integer or string ids, got dtype float64"):
        bundlerl.Logs.from_arrays(**{**base, "item_id": [5.0, 6.0, 5.0, 7.0]})
    with pytest.raises(ValueError, match=r"click: expected 4 values"):
        bundlerl.Logs.from_arrays(**{**base, "click": [0, 1]})
    with pytest.raises(ValueError, match=r"no reward column"):
        bundlerl.Logs.from_arrays(round_id=[1], position=[0], item_id=[5])


@pytest.fixture(scope="module")
def simulated(tmp_path_factory, source_dir, cli):
    """5,000 rounds of the default world (whole slates, propensities, a known catalog)."""
    out = tmp_path_factory.mktemp("sim") / "sim.h5"
    cli("synth", "--config", source_dir / "sim_configs" / "default.ini", "--rounds", 5000, "--out", out)
    return out


def _cli_rows(text):
    return {(r["policy"], r["estimator"], r["scope"]): r for r in csv.DictReader(io.StringIO(text))}


def test_evaluate_equals_the_command_line(simulated, cli):
    estimators = "dm,ipw,snipw,dr,sips,model,slate-dr"
    out = cli("evaluate", "--logs", simulated, "--policy", "uniform,popularity", "--estimators", estimators,
              "--bootstrap", 200, "--seed", 3, "--format", "csv")
    expected = _cli_rows(out)
    for logs in (simulated, bundlerl.read_logs(simulated)):
        ev = bundlerl.evaluate(logs, ["uniform", "popularity"], estimators=estimators.split(","), bootstrap=200,
                               seed=3)
        assert len(ev.rows) == len(expected) == 14
        assert ev.shopper_model is not None and "shopper model" in ev.judged
        for r in ev.rows:
            e = expected[(r["policy"], r["estimator"], r["scope"])]
            for key in ("value", "stderr", "ci_low", "ci_high", "ess", "max_weight"):
                assert f"{r[key]:.10g}" == f"{float(e[key]):.10g}", (r["policy"], r["estimator"], key)
            assert r["reliable"] == (e["reliable"] == "1")
            assert r["unreliable_reason"] == e["unreliable_reason"].replace(";", ",")


class PythonPopularity:
    """The built-in popularity strategy written in Python: the K candidates with the largest
    popularity column (kernel feature 5), ties to the lower index."""
    name = "python-popularity"
    deterministic = True

    def probabilities(self, obs):
        column = obs["features"][:, 5]
        best = np.argsort(-column, kind="stable")[:obs["slate_size"]]
        p = np.zeros((obs["slate_size"], len(column)))
        p[np.arange(len(best)), best] = 1.0
        return p


def test_a_python_policy_gives_the_built_in_numbers(simulated):
    estimators = ["ipw", "snipw", "sips", "rips", "model", "slate-dr", "dm"]
    ev = bundlerl.evaluate(simulated, ["popularity", PythonPopularity()], estimators=estimators)
    for e in estimators:
        assert ev.value("python-popularity", e) == ev.value("popularity", e), e


class RandomSlates:
    """A stochastic Python policy: uniform marginals, slates drawn by its own sampler."""
    name = "python-uniform"

    def probabilities(self, obs):
        c = obs["features"].shape[0]
        return np.full((obs["slate_size"], c), 1.0 / c)

    def sample(self, obs, seed):
        rng = np.random.default_rng(seed)
        return rng.choice(obs["features"].shape[0], size=obs["slate_size"], replace=False)


def test_a_stochastic_python_policy_with_a_sampler(simulated):
    ev = bundlerl.evaluate(simulated, ["uniform", RandomSlates()], estimators=["ipw", "model"])
    assert ev.value("python-uniform", "ipw") == ev.value("uniform", "ipw")
    # Its own draws: the fitted model's value of the same distribution within sampling error.
    assert abs(ev.value("python-uniform", "model") - ev.value("uniform", "model")) < 0.01
    with pytest.raises(ValueError, match="slate_probability"):
        bundlerl.evaluate(simulated, [RandomSlates()], estimators=["sips"])


def test_evaluate_refuses_what_the_log_cannot_give():
    logs = bundlerl.Logs.from_arrays(round_id=[1, 1, 2, 2], position=[0, 1, 0, 1], item_id=[5, 6, 5, 7],
                                     click=[0, 1, 0, 0])
    with pytest.raises(ValueError, match=r"ipw weights by the logging propensities"):
        bundlerl.evaluate(logs, ["uniform"], estimators=["ipw"])
    ev = bundlerl.evaluate(logs, ["uniform"])  # no propensities: the direct and model estimators only
    assert {r["estimator"] for r in ev.rows} == {"dm", "model"}
    with pytest.raises(ValueError, match=r"'uniform' named twice"):
        bundlerl.evaluate(logs, ["uniform", "uniform"], estimators=["dm"])
    with pytest.raises(ValueError, match="probabilities"):
        bundlerl.evaluate(logs, [object()], estimators=["dm"])


def test_a_python_policy_simulates_and_acts_as_the_built_in(source_dir):
    config = source_dir / "sim_configs" / "default.ini"
    built_in = bundlerl.simulate(config, "popularity", episodes=3000, seed=5)
    mine = bundlerl.simulate(config, PythonPopularity(), episodes=3000, seed=5)
    assert mine == built_in
    env = bundlerl.VectorEnv(config, num_envs=8)
    env.reset(seed=2)
    assert np.array_equal(env.act(PythonPopularity()), env.act("popularity"))
    # A stochastic one draws its own slates.
    slates = env.act(RandomSlates())
    assert slates.shape == (8, 3) and all(len(set(s)) == 3 for s in slates.tolist())
    with pytest.raises(ValueError, match="sample"):
        class Marginals:
            def probabilities(self, obs):
                c = obs["features"].shape[0]
                return np.full((obs["slate_size"], c), 1.0 / c)
        bundlerl.simulate(config, Marginals(), episodes=10)


def test_train_and_simulate_in_the_world_fitted_to_a_log(simulated, tmp_path, cli):
    cli("fit-world", "--logs", simulated, "--out", tmp_path / "world.h5")
    policy, curve = bundlerl.train(logs=simulated, agent="reinforce", train__updates=20)
    assert len(curve) == 20
    v = bundlerl.simulate(policy=policy, world=tmp_path / "world.h5", episodes=2000)
    assert 0 < v["value"] < 3 and v["mean_steps"] == 1
    ev = bundlerl.evaluate(simulated, [policy, "popularity"], estimators=["ipw", "model"])
    assert {r["policy"] for r in ev.rows} == {"trained:reinforce", "popularity"}
