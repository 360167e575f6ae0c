"""Logged datasets: BundleRL's HDF5 files (docs/FORMATS.md) and a researcher's own slate logs.

    logs = bundlerl.read_logs("men.h5")                    # a file
    logs = bundlerl.Logs.from_dataframe(df, items=items)   # one row per shown slot
    logs["reward"], logs["pscore"], logs.n_rounds            # numpy arrays, OBP's names
    logs.save("mine.h5")                                     # what `bundlerl` reads

A Logs is a read-only mapping of numpy arrays (the dict read_logs returned before), built
when first read: keys follow Open Bandit Pipeline's bandit_feedback where it has a name
(n_rounds, n_actions, len_list, action, position, reward, pscore, context) and BundleRL's
own columns otherwise.
"""
import collections.abc
import os

import numpy as np

from . import _core
from ._args import INT32_MAX as _INT32_MAX, integer as _integer

# The columns of the generic slate layout (dataset/slate_log.h), besides context_<name>.
ROUND_COLUMNS = ("round_id", "position", "item_id", "session_id", "user_id", "timestamp", "click",
                 "purchase", "revenue", "propensity", "slate_propensity", "candidate_set")


def _column(value, name):
    """A column as a numpy array or a list of strings; pandas Series become arrays."""
    if value is None:
        return None
    if hasattr(value, "to_numpy"):
        value = value.to_numpy()
    a = np.asarray(value)
    if a.ndim != 1:
        raise ValueError(f"{name}: expected one value per row, got an array of shape {a.shape}")
    if a.dtype.kind == "M":  # datetime64: Unix seconds
        return a.astype("datetime64[ns]").astype(np.int64) / 1e9
    return a


def _table(table, name):
    """A table (dict of columns or DataFrame) as a dict of 1-D columns."""
    if table is None:
        return None
    if hasattr(table, "columns") and hasattr(table, "__getitem__") and not isinstance(table, dict):
        table = {str(c): table[c] for c in table.columns}
    if not isinstance(table, dict):
        raise ValueError(f"{name}: expected a dict of columns or a pandas DataFrame, got {type(table).__name__}")
    return {str(k): _column(v, f"{name}['{k}']") for k, v in table.items()}


class Logs(collections.abc.Mapping):
    """A logged dataset: a file, or rounds built in memory. Mapping access reads its arrays."""

    def __init__(self, handle):
        self._handle = handle
        self._arrays = None

    @classmethod
    def read(cls, path):
        """A BundleRL HDF5 file (`bundlerl import`, `synth`, `compare`, or Logs.save).
        Raises ValueError naming the file when it is missing or malformed."""
        return cls(_core.open_logs(os.fspath(path)))

    @classmethod
    def from_arrays(cls, round_id, position, item_id, click=None, purchase=None, revenue=None,
                    propensity=None, slate_propensity=None, session_id=None, user_id=None,
                    timestamp=None, candidate_set=None, context=None, items=None, users=None,
                    text=None, categorical=None, source="slates", logging_policy="logged",
                    reward=None, slate_size=0, drop_incomplete=False):
        """One row per shown slot, as `bundlerl import slates` reads ROUNDS.csv: round_id,
        position (0-based) and item_id are required; ids may be integers or strings.
        propensity is the slot's marginal probability under the logging policy (None: the
        log has none, and only the direct and model-based estimators apply); timestamp in
        Unix seconds (or datetime64). context: {name: column} of round context, numbers or
        strings (categorical; `categorical` lists numeric columns to read as categories).
        items: {item_id, title, category, price, feature_*, text columns named by `text`};
        users: {user_id, feature_*} (dicts of columns or DataFrames). Errors name the
        column and the row."""
        rounds = {"round_id": round_id, "position": position, "item_id": item_id, "click": click,
                  "purchase": purchase, "revenue": revenue, "propensity": propensity,
                  "slate_propensity": slate_propensity, "session_id": session_id, "user_id": user_id,
                  "timestamp": timestamp, "candidate_set": candidate_set}
        rounds = {k: _column(v, k) for k, v in rounds.items() if v is not None}
        context = {} if context is None else _table(context, "context")
        handle = _core.slates_from_arrays(
            rounds, context, _table(items, "items"), _table(users, "users"), list(text or []),
            list(categorical or []), str(source), str(logging_policy), reward or "",
            _integer(slate_size, "slate_size", 0, 64), bool(drop_incomplete))
        return cls(handle)

    @classmethod
    def from_dataframe(cls, df, items=None, users=None, columns=None, **options):
        """A DataFrame with one row per shown slot (the columns of from_arrays, context as
        context_<name> columns); `columns` maps a logical name to the frame's
        ({"item_id": "product"}). items, users and the other options as in from_arrays."""
        columns = dict(columns or {})
        rename = {actual: logical for logical, actual in columns.items()}
        data, context = {}, {}
        for name in df.columns:
            logical = rename.get(str(name), str(name))
            if logical in ROUND_COLUMNS:
                data[logical] = df[name]
            elif logical.startswith("context_") and len(logical) > 8:
                context[logical[8:]] = df[name]
            elif str(name).startswith("Unnamed: "):
                continue
            else:
                raise ValueError(f"df: unknown column '{name}' ({', '.join(ROUND_COLUMNS)}, context_<name>; "
                                 "rename with columns={{logical: actual}})")
        for required in ("round_id", "position", "item_id"):
            if required not in data:
                raise ValueError(f"df: expected a column '{columns.get(required, required)}' ({required})")
        return cls.from_arrays(**data, context=context, items=items, users=users, **options)

    def save(self, path):
        """Writes the logs as a BundleRL HDF5 file (atomically) that `bundlerl` reads."""
        self._handle.save(os.fspath(path))

    @property
    def path(self):
        """The file the logs were read from, or None when they were built in memory."""
        return self._handle.path or None

    @property
    def n_rounds(self):
        return int(self["n_rounds"])

    def _load(self):
        if self._arrays is None:
            self._arrays = (_core.read_logs(self._handle.path) if self._handle.path
                            else self._handle.to_dict())
        return self._arrays

    def __getitem__(self, key):
        return self._load()[key]

    def __iter__(self):
        return iter(self._load())

    def __len__(self):
        return len(self._load())

    def __repr__(self):
        where = self.path or "in memory"
        return f"Logs({where}, {self.n_rounds} rounds)"


def read_logs(path):
    """A logged file as a Logs: a mapping of numpy arrays (the arrays own the data read).

    Keys follow Open Bandit Pipeline's bandit_feedback where it has a name: n_rounds,
    n_actions (units), len_list (slots on the page), action, position, reward (the file's
    reward as float64), pscore, context [n, context_dim]; and BundleRL's own columns:
    click, purchase, revenue, pscore_slate, pscore_cascade, pscore_item, session_id, step,
    timestamp, user_id, history_length, candidates, round_seed, context_columns,
    context_vocab, items and users (the catalog) and meta (the file's attributes). Per-slot
    columns are [n] when the file stores one slot per round (the OBD layout), [n, slots]
    otherwise. Columns the file lacks are absent.
    """
    return Logs.read(path)


def to_dataframe(logs):
    """The per-round columns of a Logs (or read_logs' dict) as a pandas DataFrame (needs pandas).

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
