"""Softmax followed by the cross-entropy loss, as one layer."""

import numpy as np

from zerodl.functions import log_softmax, softmax
from zerodl.layers.base import Layer


class SoftmaxWithLoss(Layer):
    """Softmax over K classes, then the mean cross-entropy against the labels.

    Together their gradient is simply (y - t) / N, which is why the book joins them in one layer.
    The loss is computed from log-softmax, so a confident wrong prediction gives a large finite
    loss instead of log(0); scores of +-1000 raise no overflow warning.

    forward(x, t) returns the loss (a float); forward(x) without labels returns the softmax
    probabilities, for prediction. Keeps the book's `loss`, `y` (the probabilities) and `t`.

    Shape:
        x (N, K) scores; t (N,) integer class indices in [0, K) or (N, K) one-hot rows;
        backward returns dx (N, K).
    """

    def __init__(self):
        super().__init__()
        self.loss = self.y = self.t = None

    def forward(self, x, t=None, train=True):
        if t is None:
            return softmax(x)
        self._check_input(x, (None,))
        t = check_labels(t, x.shape)
        n = len(x)
        log_y = log_softmax(x)  # (N, K)
        self.y = np.exp(log_y)  # (N, K)
        self.t = t
        if t.ndim == 1:
            self.loss = float(-log_y[np.arange(n), t].sum() / n)
        else:
            self.loss = float(-(t * log_y).sum() / n)
        return self.loss

    def backward(self, dout=1.0):
        n = len(self.y)
        dx = self.y.copy()  # (N, K)
        if self.t.ndim == 1:
            dx[np.arange(n), self.t] -= 1  # y - t without building a one-hot matrix
        else:
            dx -= self.t
        dx *= dout / n
        return dx


def check_labels(t, score_shape):
    """Return t as an array if it fits scores of shape (N, K); else raise a clear ValueError."""
    n, k = score_shape
    t = np.asarray(t)
    if t.ndim == 2:
        if t.shape != (n, k):
            raise ValueError(f"one-hot labels must have shape (N, K) = {(n, k)}, got {t.shape}")
        return t
    if t.ndim != 1:
        raise ValueError(
            f"labels must be class indices of shape (N,) = ({n},) or one-hot rows of shape "
            f"{(n, k)}, got an array of shape {t.shape}"
        )
    if not np.issubdtype(t.dtype, np.integer):
        raise ValueError(
            f"class-index labels must be integers, got dtype {t.dtype}; "
            "convert them with t.astype(np.int64)"
        )
    if len(t) != n:
        raise ValueError(f"got {len(t)} labels for {n} samples: one label per sample is needed")
    if n and (t.min() < 0 or t.max() >= k):
        raise ValueError(
            f"labels must lie in 0..{k - 1} for {k} classes, got values from {t.min()} to {t.max()}"
        )
    return t
