"""Checks of scalar arguments before they reach the C++ core: an integer argument that is not
an integer, or lies outside what the core accepts, raises ValueError naming the argument
(instead of a TypeError from the binding's conversion, or a silent truncation)."""
import numbers

import numpy as np

INT32_MAX = 2**31 - 1
UINT64_MAX = 2**64 - 1


def integer(value, name, lo, hi):
    """value as a Python int; ValueError naming `name` unless it is an integer (a float
    only when it holds a whole number) within [lo, hi]."""
    if isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name}: expected an integer, got {value!r}")
    if isinstance(value, numbers.Integral):
        v = int(value)
    elif isinstance(value, numbers.Real) and np.isfinite(value) and float(value).is_integer():
        v = int(value)
    else:
        raise ValueError(f"{name}: expected an integer, got {value!r}")
    if not lo <= v <= hi:
        raise ValueError(f"{name}: expected an integer in [{lo}, {hi}], got {v}")
    return v


def seed(value, name):
    """A seed: an integer in [0, 2^64 - 1]."""
    return integer(value, name, 0, UINT64_MAX)
