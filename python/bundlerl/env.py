"""VectorEnv: N simulated shopper sessions stepped together, in Gymnasium's vector API.

    env = VectorEnv("sim_configs/default.ini", num_envs=256, observation="state")
    obs, info = env.reset(seed=1)
    obs, reward, terminated, truncated, info = env.step(slates)   # slates [N, K] int

Slates hold candidate indices (0 .. num_candidates - 1, distinct within a row). Sessions
reset themselves: a session whose episode ended in a step (terminated: the shopper left;
truncated: session.max_steps reached) already shows its next episode's first observation
(Gymnasium's same-step auto-reset). Observations are dicts of arrays over the sessions:
user [N], step [N], history_length [N], preference [N, d], category_hist [N, categories],
price [N, 2] (the platform's user state), and with observation="full" also features
[N, num_candidates, num_features] (the kernel feature matrix). info holds clicks and buys
(bit masks over slots), revenue, episode (the id each session now plays) and
ended_episode (the id that ended in this step, -1 if none).

Session i plays episodes i, i + N, ..., started from (seed, episode) exactly as
`bundlerl simulate --seed` starts them; act(policy) draws every episode's slates from the
generator simulate gives it, so the same policy gives the same episodes as simulate.
Gymnasium is not needed (Debian does not ship it).
"""
from . import _core
from ._args import INT32_MAX as _INT32_MAX, integer as _integer, seed as _seed_arg
from .config import load_config


class VectorEnv:
    def __init__(self, config=None, num_envs=256, observation="state", threads=1, **overrides):
        """config: an INI path, a dict or load_config()'s result; overrides as in
        load_config (session__candidates=1000). threads: worker threads of the batch."""
        self.config = load_config(config, **overrides)
        self._env = _core.VectorEnv(self.config, _integer(num_envs, "num_envs", 1, 2**63 - 1), observation,
                                    _integer(threads, "threads", 1, _INT32_MAX))
        self.num_envs = self._env.num_envs
        self.slate_size = self._env.slate_size
        self.num_candidates = self._env.num_candidates
        self.max_steps = self._env.max_steps
        self.observation = observation

    def reset(self, seed=None, options=None):
        """Starts every session's first episode; returns (obs, info). seed None: 0."""
        del options
        return self._env.reset(0 if seed is None else _seed_arg(seed, "seed"))

    def step(self, slates):
        """Shows slates [N, K] (row i to session i); returns
        (obs, reward, terminated, truncated, info). A malformed slate raises ValueError
        naming the session and the slot, before any session moves."""
        return self._env.step(slates)

    def act(self, policy):
        """Slates [N, K] chosen by `policy` on the current observations: a Policy, a strategy
        name, or a Python policy (an object with probabilities(obs), and sample(obs, seed) or
        deterministic = True; bundlerl.evaluation.PYTHON_POLICY)."""
        return self._env.act(policy_handle(policy))

    def candidates(self):
        """The candidate item ids [N, num_candidates] of each session's current episode."""
        return self._env.candidates()

    def close(self):
        self._env = None


def policy_handle(policy):
    """The core's handle of a Policy, a strategy name or file, or a Python policy object."""
    import os
    from .policy import Policy
    if isinstance(policy, Policy):
        return policy._handle
    if isinstance(policy, (str, os.PathLike)):
        return Policy.load(policy)._handle
    if hasattr(policy, "probabilities"):
        return _core.python_policy(policy)
    raise ValueError(f"policy: {policy!r} is not a Policy, a strategy name or file, or an object with probabilities(obs)")


def simulate(config=None, policy="uniform", episodes=20000, seed=1, threads=2, world=None,
             observation="state", **overrides):
    """A policy's expected episode reward by simulation, as `bundlerl simulate` computes it:
    in the config's world (config and overrides as in load_config), or in a fitted world
    (`world`: a file of `bundlerl fit-world`). policy: a Policy, a strategy name or file, or a
    Python policy. Returns a dict: value, stderr, episodes, mean_steps, mean_clicks."""
    import os
    cfg = load_config(config, **overrides)
    return _core.simulate(cfg, "" if world is None else os.fspath(world), policy_handle(policy),
                          _integer(episodes, "episodes", 1, 10**9), _seed_arg(seed, "seed"),
                          _integer(threads, "threads", 1, 2**31 - 1), str(observation))
