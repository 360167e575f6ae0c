# bundlerl.Policy and bundlerl.train: strategies and policy files over feature matrices, a
# policy trained in Python loads in the command line and one trained there loads here.
import re

import numpy as np
import pytest

import bundlerl


def features(seed=0, N=None, C=20):
    rng = np.random.default_rng(seed)
    return rng.uniform(0, 1, (C, 7) if N is None else (N, C, 7))


def test_strategies_give_distributions_and_seeded_slates():
    assert "popularity" in bundlerl.strategies()
    for name in ("uniform", "popularity", "epsilon-greedy:0.5:popularity"):
        p = bundlerl.Policy.load(name)
        probs = p.probabilities(features(), slate_size=3)
        assert probs.shape == (3, 20)
        assert np.allclose(probs.sum(axis=1), 1.0)
        slate = p.act(features(), rng=5)
        assert slate.shape == (3,) and len(set(slate.tolist())) == 3
        assert np.array_equal(slate, p.act(features(), rng=5))
    batch = bundlerl.Policy.load("popularity").act(features(N=4), rng=np.random.default_rng(1))
    assert batch.shape == (4, 3)
    # popularity is greedy on feature 5: the slate is the three largest, in order.
    x = features()
    assert list(bundlerl.Policy.load("popularity").act(x)) == list(np.argsort(-x[:, 5])[:3])


def test_bad_policy_inputs_raise_value_errors():
    with pytest.raises(ValueError, match="wizard"):
        bundlerl.Policy.load("wizard")
    p = bundlerl.Policy.load("uniform")
    with pytest.raises(ValueError, match=r"obs: 5 features per candidate"):
        p.probabilities(np.zeros((10, 5)))
    with pytest.raises(ValueError, match=r"slate_size: expected 1..10"):
        p.act(np.zeros((10, 7)), slate_size=11)
    with pytest.raises(ValueError, match=r"slate_size: expected 1..10"):
        p.probabilities(np.zeros((10, 7)), slate_size=2**30)  # refused before the answer is allocated
    with pytest.raises(ValueError, match=r"slate_size: expected an integer in \[1, 2147483647\], got -2"):
        p.probabilities(np.zeros((10, 7)), slate_size=-2)
    x = np.zeros((2, 10, 7))
    x[1, 3, 5] = np.nan
    with pytest.raises(ValueError, match=r"obs\[1, 3, 5\] = nan: not a finite number"):
        p.act(x)
    with pytest.raises(ValueError, match=r"obs\[3, 5\] = inf: not a finite number"):
        p.probabilities(np.where(np.arange(70).reshape(10, 7) == 26, np.inf, 0.0))
    with pytest.raises(ValueError, match=r"rng: expected an integer in \[0, 18446744073709551615\], got -1"):
        p.act(np.zeros((10, 7)), rng=-1)
    with pytest.raises(ValueError, match="only policies trained from Python"):
        p.save("x.pt")


def simulate_value(cli, config, policy, episodes=64, seed=3, extra=()):
    out = cli("simulate", "--config", config, "--policy", policy, "--episodes", episodes, "--seed", seed, *extra)
    return float(re.search(r"value (\S+) \+-", out).group(1))


def env_value(config, policy, episodes=64, seed=3, **overrides):
    env = bundlerl.VectorEnv(config, num_envs=episodes, **overrides)
    env.reset(seed=seed)
    total, running = np.zeros(episodes), np.ones(episodes, dtype=bool)
    while running.any():
        _, r, term, trunc, _ = env.step(env.act(policy))
        total += r * running
        running &= ~(term | trunc)
    return total.mean()


SMALL = dict(train__updates=3, train__episodes_per_update=8, train__scorer="linear")
SMALL_FLAGS = ["--train.updates", "3", "--train.episodes_per_update", "8", "--train.scorer", "linear"]


def test_policy_trained_in_python_loads_in_the_cli(tmp_path, source_dir, cli):
    config = source_dir / "sim_configs" / "default.ini"
    seen = []
    policy, curve = bundlerl.train(config, agent="reinforce", seed=2, progress=lambda u, t, v: seen.append((u, t)),
                                   **SMALL)
    assert curve.shape == (3,) and np.all(np.isfinite(curve))
    assert seen == [(1, 3), (2, 3), (3, 3)]
    path = tmp_path / "py.pt"
    policy.save(path)
    # The file plays the same episodes in the CLI as the trained policy does here.
    assert simulate_value(cli, config, path) == pytest.approx(env_value(config, policy), rel=1e-5)
    again = bundlerl.Policy.load(path)
    assert again.info["agent"] == "reinforce" and again.info["file"]
    x = features()
    assert np.allclose(again.probabilities(x), policy.probabilities(x), atol=1e-6)


def test_policy_trained_in_the_cli_loads_in_python(tmp_path, source_dir, cli):
    config = source_dir / "sim_configs" / "default.ini"
    path = tmp_path / "cli.pt"
    cli("train", "--config", config, "--agent", "reinforce", "--seed", 2, *SMALL_FLAGS, "--out", path)
    policy = bundlerl.Policy.load(path)
    assert policy.info["agent"] == "reinforce"
    assert env_value(config, policy) == pytest.approx(simulate_value(cli, config, path), rel=1e-5)
    # Trained here with the same settings and seed: the same policy.
    here, _ = bundlerl.train(config, agent="reinforce", seed=2, **SMALL)
    x = features(1)
    assert np.allclose(here.probabilities(x), policy.probabilities(x), atol=1e-6)


def test_an_attention_policy_plays_the_cli_episodes_and_needs_the_env(tmp_path, source_dir, cli):
    config = source_dir / "sim_configs" / "default.ini"
    settings = dict(SMALL, train__scorer="attention", train__history=4, train__attention_dim=8)
    policy, curve = bundlerl.train(config, agent="reinforce", seed=2, **settings)
    assert np.all(np.isfinite(curve))
    path = tmp_path / "attention.pt"
    policy.save(path)
    assert simulate_value(cli, config, path) == pytest.approx(env_value(config, policy), rel=1e-5)
    # A bare feature matrix carries no history and no item vectors: refused, not guessed.
    with pytest.raises(ValueError, match="item vectors"):
        policy.probabilities(features())


def test_training_from_a_logged_file(obd_men):
    logs, _ = obd_men
    policy, curve = bundlerl.train(None, agent="offpolicy-reinforce", logs=logs, train__updates=2,
                                   train__batch_rounds=512, train__scorer="linear")
    assert curve.shape == (2,)
    assert policy.info["agent"] == "offpolicy-reinforce"
    with pytest.raises(ValueError, match="wizard"):
        bundlerl.train(None, agent="wizard", train__updates=1)
    with pytest.raises(ValueError, match=r"kernels, features: apply to logged files only"):
        bundlerl.train(None, agent="ipw", kernels="nosuchkernel", train__updates=1)
    with pytest.raises(ValueError, match=r"progress: expected a function \(update, total, value\), got int"):
        bundlerl.train(None, agent="ipw", logs=logs, progress=5, train__updates=1)


def test_an_exception_in_the_progress_callback_stops_training(source_dir):
    def stop(update, total, value):
        raise KeyError(f"stop at {update}")
    with pytest.raises(KeyError, match="stop at 1"):
        bundlerl.train(source_dir / "sim_configs" / "default.ini", agent="reinforce", progress=stop, **SMALL)
