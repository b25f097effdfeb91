"""Argument checks shared by the optimisers, schedules, trainer and experiments.

Each raises an ArgumentError (a ValueError) that names the argument, shows the value and says
what was expected, the same words wherever the same kind of argument is checked.
"""

import math

import numpy as np

from zerodl.errors import ArgumentError


def number(name, value):
    """`value` as a float; it must be a finite real number (a bool is not one)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ArgumentError(name, value, "must be a number")
    value = float(value)
    if not math.isfinite(value):
        raise ArgumentError(name, value, "must be finite")
    return value


def non_negative(name, value):
    """`value` as a float >= 0: a learning rate, a weight decay."""
    value = number(name, value)
    if value < 0:
        raise ArgumentError(name, value, "must be >= 0")
    return value


def integer(name, value, minimum):
    """`value` as an int >= `minimum` (NumPy integers too, bools not)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ArgumentError(name, value, f"must be an integer >= {minimum}")
    return int(value)
