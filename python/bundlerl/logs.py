"""Logged datasets (BundleRL's HDF5 files, docs/FORMATS.md) as numpy arrays."""
import os

from . import _core


def read_logs(path):
    """Reads a logged file into a dict of numpy arrays (the arrays own the data read).

    Keys follow Open Bandit Pipeline's bandit_feedback where it has a name: n_rounds,
    n_actions (units), len_list (slots on the page), action, position, reward (the file's
    reward as float64), pscore, context [n, context_dim]; and BundleRL's own columns:
    click, purchase, revenue, pscore_slate, pscore_cascade, pscore_item, session_id, step,
    timestamp, user_id, candidates, round_seed, context_columns, items (the catalog) and
    meta (the file's attributes). Per-slot columns are [n] when the file stores one slot per
    round (the OBD layout), [n, slots] otherwise. Columns the file lacks are absent.
    """
    return _core.read_logs(os.fspath(path))


def to_dataframe(logs):
    """The per-round columns of read_logs' dict as a pandas DataFrame (needs pandas).

    Per-slot columns [n, S] become S columns name_0 .. name_{S-1}; context columns take the
    file's context column names.
    """
    try:
        import pandas as pd
    except ImportError as e:
        raise ImportError("to_dataframe needs pandas (Debian: python3-pandas)") from e
    n = logs["n_rounds"]
    columns = {}
    for key, value in logs.items():
        if key in ("context", "candidates") or not hasattr(value, "shape") or value.shape[:1] != (n,):
            continue
        if value.ndim == 1:
            columns[key] = value
        else:
            for s in range(value.shape[1]):
                columns[f"{key}_{s}"] = value[:, s]
    context = logs.get("context")
    if context is not None:
        names = logs.get("context_columns") or [f"context_{j}" for j in range(context.shape[1])]
        for j, name in enumerate(names):
            columns[name] = context[:, j]
    return pd.DataFrame(columns)
