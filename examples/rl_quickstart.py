#!/usr/bin/env python3
"""Reinforcement learning from Python: a uniformly random policy and a REINFORCE agent in
bundlerl.VectorEnv, each scored by its mean session reward over the same seeded episodes.

  PYTHONPATH=build/python python3 examples/rl_quickstart.py [sim_configs/default.ini] [--updates 50]
"""
import argparse
import pathlib

import numpy as np

import bundlerl

ROOT = pathlib.Path(__file__).resolve().parents[1]


def mean_session_reward(env, choose, seed=7):
    """Plays every session's first episode, slates from choose(obs); the mean total reward."""
    obs, _ = env.reset(seed=seed)
    total = np.zeros(env.num_envs)
    running = np.ones(env.num_envs, dtype=bool)
    while running.any():
        obs, reward, terminated, truncated, _ = env.step(choose(obs))
        total += reward * running
        running &= ~(terminated | truncated)
    return total.mean()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("config", nargs="?", default=str(ROOT / "sim_configs" / "default.ini"))
    ap.add_argument("--updates", type=int, default=50)
    ap.add_argument("--episodes", type=int, default=2000)
    a = ap.parse_args()
    env = bundlerl.VectorEnv(a.config, num_envs=a.episodes, observation="state")
    rng = np.random.default_rng(0)
    K, C = env.slate_size, env.num_candidates

    def random_slates(obs):
        return np.argsort(rng.random((env.num_envs, C)), axis=1)[:, :K].astype(np.int32)

    print(f"random policy:      {mean_session_reward(env, random_slates):.3f} clicks per session")
    policy, curve = bundlerl.train(a.config, agent="reinforce", seed=1, train__updates=a.updates,
                                   progress=lambda u, total, v: print(f"\rupdate {u}/{total}: {v:.3f}", end=""))
    print()
    print(f"REINFORCE ({a.updates} updates, curve {curve[0]:.3f} -> {curve[-1]:.3f}): "
          f"{mean_session_reward(env, lambda obs: env.act(policy)):.3f} clicks per session")
    print(f"popularity:         {mean_session_reward(env, lambda obs: env.act(bundlerl.Policy.load('popularity'))):.3f}")


if __name__ == "__main__":
    main()
