# bundlerl.VectorEnv: the same episodes as `bundlerl simulate` for the same seed, both
# observations, the Gymnasium conventions, and ValueErrors for bad slates and configs.
import re

import numpy as np
import pytest

import bundlerl


def first_episodes(env, policy, seed):
    """Plays every session's first episode with `policy`; per-session reward, steps, clicks."""
    env.reset(seed=seed)
    N = env.num_envs
    reward, steps, clicks = np.zeros(N), np.zeros(N), np.zeros(N)
    running = np.ones(N, dtype=bool)
    while running.any():
        obs, r, terminated, truncated, info = env.step(env.act(policy))
        reward += r * running
        steps += running
        clicks += np.array([bin(int(c)).count("1") for c in info["clicks"]]) * running
        ended = terminated | truncated
        assert np.array_equal(info["ended_episode"][ended & running], np.flatnonzero(ended & running))
        assert np.all(info["ended_episode"][~ended] == -1)
        running &= ~ended
    return reward, steps, clicks


@pytest.mark.parametrize("observation", ["state", "full"])
def test_episodes_equal_bundlerl_simulate(source_dir, cli, observation):
    config = source_dir / "sim_configs" / "default.ini"
    env = bundlerl.VectorEnv(config, num_envs=300, observation=observation, threads=2)
    reward, steps, clicks = first_episodes(env, bundlerl.Policy.load("popularity"), seed=5)
    out = cli("simulate", "--config", config, "--policy", "popularity", "--episodes", 300, "--seed", 5,
              "--observation", observation)
    m = re.search(r"value (\S+) \+- (\S+) .*\nmean steps (\S+), mean clicks (\S+)", out)
    assert m, out
    assert reward.mean() == pytest.approx(float(m.group(1)), rel=1e-5)
    assert reward.std(ddof=1) / np.sqrt(300) == pytest.approx(float(m.group(2)), rel=1e-5)
    assert steps.mean() == pytest.approx(float(m.group(3)), rel=1e-5)
    assert clicks.mean() == pytest.approx(float(m.group(4)), rel=1e-5)


def test_observations_and_gymnasium_conventions(source_dir):
    env = bundlerl.VectorEnv(source_dir / "sim_configs" / "default.ini", num_envs=8, observation="full",
                             session__max_steps=4)
    obs, info = env.reset(seed=1)
    C, K = env.num_candidates, env.slate_size
    assert obs["features"].shape == (8, C, 7) and obs["user"].shape == (8,)
    assert list(info["episode"]) == list(range(8))
    assert env.candidates().shape == (8, C)
    slates = np.tile(np.arange(K, dtype=np.int32), (8, 1))
    for t in range(4):
        obs, reward, terminated, truncated, info = env.step(slates)
        assert reward.shape == (8,) and np.all(np.isfinite(reward))
        assert not np.any(terminated & truncated)
    # Every session has ended by max_steps: each plays its second episode or later now.
    assert np.all(info["episode"] >= 8)
    state = bundlerl.VectorEnv(source_dir / "sim_configs" / "default.ini", num_envs=8, observation="state")
    sobs, _ = state.reset(seed=1)
    assert "features" not in sobs and sobs["preference"].shape[0] == 8
    assert np.array_equal(sobs["user"], env.reset(seed=1)[0]["user"])


def test_bad_slates_and_configs_raise_value_errors(source_dir, tmp_path):
    config = source_dir / "sim_configs" / "default.ini"
    env = bundlerl.VectorEnv(config, num_envs=4)
    with pytest.raises(ValueError, match="reset"):
        env.step(np.zeros((4, 3), dtype=np.int32))
    env.reset(seed=0)
    good = np.tile(np.arange(3, dtype=np.int32), (4, 1))
    with pytest.raises(ValueError, match=r"slates: dimension 0 has 3 entries, expected 4"):
        env.step(good[:3])
    bad = good.copy()
    bad[2, 1] = bad[2, 0]
    with pytest.raises(ValueError, match=r"slates: session batch: session 2"):
        env.step(bad)
    bad = good.copy()
    bad[1, 2] = env.num_candidates
    with pytest.raises(ValueError, match=r"session 1"):
        env.step(bad)
    wide = good.astype(np.int64)
    wide[3, 0] = 2**32  # would wrap to 0 in int32
    with pytest.raises(ValueError, match=r"slates\[3, 0\] = 4294967296"):
        env.step(wide)
    with pytest.raises(ValueError, match=r"slates: expected an integer array"):
        env.step(good.astype(float))
    env.step(good.astype(np.int64))  # any integer dtype is accepted
    with pytest.raises(ValueError, match=r"session\.wizard"):
        bundlerl.VectorEnv(config, num_envs=4, session__wizard=3)
    # another experiment's key is checked too, not recorded with the settings as if used
    with pytest.raises(ValueError, match=r"config key 'graph\.dim': expected 1 to 4096, got 0"):
        bundlerl.VectorEnv(config, num_envs=4, graph__dim=0)
    binary = tmp_path / "binary.ini"
    binary.write_bytes(b"[world]\nitems = \x90\xff\n")
    with pytest.raises(ValueError, match=r"binary.ini': not a text \(UTF-8\) INI file"):
        bundlerl.VectorEnv(binary, num_envs=4)


def test_bad_sizes_threads_and_seeds_raise_value_errors(source_dir):
    config = source_dir / "sim_configs" / "default.ini"
    # sizes are checked against the machine's memory before anything is allocated
    with pytest.raises(ValueError, match=r"num_envs = 1000000000000 \(sessions of 50 candidates\): needs about"):
        bundlerl.VectorEnv(config, num_envs=10**12)
    with pytest.raises(ValueError, match=r"num_envs: expected an integer in \[1, 9223372036854775807\]"):
        bundlerl.VectorEnv(config, num_envs=2**63)
    with pytest.raises(ValueError, match=r"num_envs: expected an integer, got 2.7"):
        bundlerl.VectorEnv(config, num_envs=2.7)
    with pytest.raises(ValueError, match=r"threads: expected a number of threads in \[1, \d+\]"):
        bundlerl.VectorEnv(config, num_envs=4, threads=10**6)
    env = bundlerl.VectorEnv(config, num_envs=4)
    with pytest.raises(ValueError, match=r"seed: expected an integer in \[0, 18446744073709551615\], got -1"):
        env.reset(seed=-1)
    with pytest.raises(ValueError, match=r"seed: expected an integer in \[0, 18446744073709551615\]"):
        env.reset(seed=2**70)
    with pytest.raises(ValueError, match=r"session\.slate_size"):
        bundlerl.VectorEnv(config, num_envs=4, session__slate_size="three")
    with pytest.raises(ValueError, match=r"num_envs"):
        bundlerl.VectorEnv(config, num_envs=0)
    with pytest.raises(ValueError, match=r"missing\.ini"):
        bundlerl.VectorEnv(source_dir / "missing.ini")
