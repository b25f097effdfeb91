"""Dropout: randomly silence units while training (inverted dropout)."""

import numpy as np

from zerodl.errors import ArgumentError
from zerodl.layers.base import Layer, as_rng


class Dropout(Layer):
    """Zero each unit with probability `dropout_ratio` while training, scaling the rest by
    1 / (1 - ratio) so that the expected output is unchanged; at test time the identity.

    (The book scales at test time instead; inverted dropout, as PyTorch does it, keeps
    prediction free of any dropout bookkeeping.)

    Args:
        dropout_ratio: the probability of dropping a unit, in [0, 1).
        seed: an int, None or a numpy Generator for the masks.

    Shape: any; y has x's shape.

    Keeps `mask` (the book's name): the factor each unit was multiplied by, 0 or 1 / (1 - ratio);
    None after a forward with train=False.

    Setting `freeze_mask = True` reuses the last mask, so that repeated forward passes compute
    the same function (gradient checking needs that).
    """

    def __init__(self, dropout_ratio=0.5, *, seed=None):
        super().__init__()
        if not 0.0 <= dropout_ratio < 1.0:
            raise ArgumentError(
                "dropout_ratio",
                dropout_ratio,
                "must lie in [0, 1)",
                f"dropout_ratio must lie in [0, 1), got {dropout_ratio!r}",
            )
        self.dropout_ratio = float(dropout_ratio)
        self.rng = as_rng(seed)
        self.freeze_mask = False
        self.mask = None

    def forward(self, x, train=True):
        if not train:
            self.mask = None
            return x
        if not (self.freeze_mask and self.mask is not None and self.mask.shape == x.shape):
            keep = self.rng.random(x.shape, dtype=np.float32) >= self.dropout_ratio
            self.mask = keep.astype(x.dtype) / np.asarray(1.0 - self.dropout_ratio, x.dtype)
        return x * self.mask

    def backward(self, dout):
        return dout if self.mask is None else dout * self.mask

    def get_config(self):
        return {"dropout_ratio": self.dropout_ratio}
