"""Slate policies and training.

Policy.load takes a registered strategy name (bundlerl.strategies()) or a policy file
written by `bundlerl train` or Policy.save. A policy sees the kernel feature matrix of a
candidate set, [num_candidates, num_features] (or a batch [N, num_candidates,
num_features], e.g. VectorEnv's obs["features"] with observation="full"), and returns
slates of candidate indices.
"""
import os

import numpy as np

from . import _core
from ._args import INT32_MAX as _INT32_MAX, integer as _integer, seed as _seed_arg
from .config import load_config


def _features(obs):
    if isinstance(obs, dict):
        if "features" not in obs:
            raise ValueError("obs: the dict has no 'features' (use VectorEnv(observation='full'), "
                             "or VectorEnv.act for the state observation)")
        return obs["features"]
    return obs


def _seed(rng):
    if rng is None:
        return 0
    if isinstance(rng, np.random.Generator):
        return int(rng.integers(0, 2**63))
    return _seed_arg(rng, "rng")


class Policy:
    def __init__(self, handle):
        self._handle = handle

    @staticmethod
    def load(spec):
        """A strategy by name ("popularity", "epsilon-greedy:0.1:profile", ...) or a policy
        file. Raises ValueError naming the spec when it is neither."""
        return Policy(_core.Policy.load(os.fspath(spec)))

    @property
    def name(self):
        return self._handle.name

    @property
    def info(self):
        """What the policy is: name, source, and for files and trained policies the agent,
        feature spec, kernels and catalog it was trained for."""
        return self._handle.info

    def probabilities(self, obs, slate_size=3):
        """P(candidate c is shown in slot k): [K, C], or [N, K, C] for a batch."""
        return self._handle.probabilities(_features(obs), _integer(slate_size, "slate_size", 1, _INT32_MAX))

    def act(self, obs, rng=None, slate_size=3):
        """A slate [K] of candidate indices, or [N, K] for a batch; rng: a
        numpy Generator or an integer seed (same seed, same slates)."""
        return self._handle.act(_features(obs), _integer(slate_size, "slate_size", 1, _INT32_MAX), _seed(rng))

    def save(self, path):
        """Writes a policy trained by train() where `bundlerl simulate`, `evaluate` and
        `compare` load it."""
        self._handle.save(os.fspath(path))

    def __repr__(self):
        return f"Policy({self.name!r})"


def train(config=None, agent="reinforce", logs=None, seed=1, progress=None, kernels="",
          features="", **overrides):
    """Trains `agent` (bundlerl.agents()) as `bundlerl train` does: in the config's world,
    or from the logs `logs` (a file, or a bundlerl.Logs): the agents that learn from logs
    learn from their rounds, reinforce and ppo in the shopper world fitted to them. config and overrides as in load_config (the [train]
    keys, e.g. train__updates=50). progress(update, total, value) is called after each
    update. Returns (policy, curve): the trained Policy and the learning curve (numpy
    array, one value per update: the mean session reward of the update's episodes, or the
    logged objective for agents that learn from logs). kernels and features (specs as in
    `bundlerl train --kernels/--features`) apply to logged files only."""
    if progress is not None and not callable(progress):
        raise ValueError(f"progress: expected a function (update, total, value), got {type(progress).__name__}")
    if logs is None and (kernels or features):
        raise ValueError("kernels, features: apply to logged files only (logs=...); in the config's world "
                         "the world's kernels and features are used")
    cfg = load_config(config, **overrides)
    if logs is not None and hasattr(logs, "_handle") and not getattr(logs, "path", None):
        import tempfile  # logs built in memory: through a file, as the command line reads them
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "logs.h5")
            logs.save(path)
            return train(config, agent=agent, logs=path, seed=seed, progress=progress, kernels=kernels,
                         features=features, **overrides)
    if logs is not None and hasattr(logs, "_handle"):
        logs = logs.path
    out = _core.train(cfg, agent, _seed_arg(seed, "seed"), "" if logs is None else os.fspath(logs), kernels,
                      features, progress)
    return Policy(out["policy"]), out["curve"]
