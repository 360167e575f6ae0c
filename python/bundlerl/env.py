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
        """Slates [N, K] chosen by `policy` (a Policy) on the current observations."""
        return self._env.act(policy._handle)

    def candidates(self):
        """The candidate item ids [N, num_candidates] of each session's current episode."""
        return self._env.candidates()

    def close(self):
        self._env = None
