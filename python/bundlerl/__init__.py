"""BundleRL from Python: the C++ core's estimators, logs, simulator, policies and agents.

    import bundlerl
    bundlerl.ope.estimate_policy_value("ipw", reward=..., action=..., position=...,
                                       pscore=..., action_dist=...)
    logs = bundlerl.read_logs("men.h5")            # a mapping of numpy arrays
    mine = bundlerl.Logs.from_dataframe(df)        # your own slate logs, one row per slot
    ev = bundlerl.evaluate(mine, ["uniform", "popularity"], estimators=["ipw", "dr"])
    env = bundlerl.VectorEnv("sim_configs/default.ini", num_envs=256)
    policy, curve = bundlerl.train("sim_configs/default.ini", agent="reinforce")

Every error the caller can cause (a bad array, file, config key or name, a seed, size or
thread count out of range) is a ValueError whose message names the argument, key or file
and the index.
"""
from . import _core
from . import ope
from .config import load_config
from .env import VectorEnv, simulate
from .evaluation import Evaluation, evaluate
from .logs import Logs, read_logs, to_dataframe
from .policy import Policy, train

__version__ = _core.__version__
__all__ = ["ope", "load_config", "VectorEnv", "Logs", "read_logs", "to_dataframe", "evaluate", "Evaluation",
           "Policy", "train", "simulate", "strategies", "agents"]


def strategies():
    """The registered strategy names Policy.load accepts (besides policy files)."""
    return list(_core.strategies())


def agents():
    """The agent names train() accepts."""
    return list(_core.agents())
