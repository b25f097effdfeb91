"""Weight initialisation: a fixed standard deviation, Xavier (Glorot) or He.

The scale of the first weights decides whether the activations of a deep network stay spread out
(chapter 6 of the book): Xavier, std = sqrt(1 / fan_in), suits sigmoid and tanh; He,
std = sqrt(2 / fan_in), suits ReLU, which zeroes half of its inputs.
"""

import math

import numpy as np

from zerodl.errors import ArgumentError

_NAMES = {"he": "he", "relu": "he", "xavier": "xavier", "glorot": "xavier", "sigmoid": "xavier"}


def weight_std(init, fan_in):
    """The standard deviation for `init`: "he"/"relu", "xavier"/"glorot"/"sigmoid" or a number."""
    if isinstance(init, str):
        kind = _NAMES.get(init.lower())
        if kind is None:
            raise ArgumentError(
                "weight_init_std",
                init,
                "must be 'he', 'xavier' or a number",
                f"unknown weight initialisation {init!r}: use 'he', 'xavier' or a number",
            )
        return math.sqrt((2.0 if kind == "he" else 1.0) / fan_in)
    std = float(init)
    if not std > 0:
        raise ArgumentError(
            "weight_init_std",
            init,
            "must be positive",
            f"the weight standard deviation must be positive, got {init!r}",
        )
    return std


def normal(shape, std, rng, dtype=np.float32):
    """Weights drawn from N(0, std^2) with `rng`, in `dtype`."""
    return (std * rng.standard_normal(shape)).astype(dtype)
