"""Numerically stable building blocks shared by the layers: sigmoid, softmax, cross-entropy.

Each is written so that inputs of +-1000 give finite values and raise no overflow warning.
"""

import numpy as np


def sigmoid(x):
    """1 / (1 + exp(-x)), computed without overflow for any finite x.

    exp(-x) overflows for x below about -88 in float32. The identity
    sigmoid(x) = (1 + tanh(x / 2)) / 2 gives the same values with a function that saturates
    gently at +-1 instead, and costs one transcendental call instead of two.
    """
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def softmax(x):
    """Softmax over the last axis. x (N, K) -> (N, K), rows summing to 1.

    Subtracting each row's maximum leaves the result unchanged and keeps exp() <= 1.
    """
    shifted = x - x.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)


def log_softmax(x):
    """log(softmax(x)) over the last axis, without ever taking log(0)."""
    shifted = x - x.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def cross_entropy_error(y, t):
    """Mean cross-entropy of probabilities y (N, K) against labels t.

    t holds class indices (N,) or one-hot rows (N, K). A tiny constant keeps log() finite where a
    probability underflowed to 0; SoftmaxWithLoss avoids that by working from log_softmax instead.
    """
    t = np.asarray(t)
    if np.ndim(y) == 1:  # one sample, as the book's 4.2 example: y (K,), t (K,) one-hot or ()
        t = t.reshape(1, -1) if t.size == np.size(y) else t
    y = np.atleast_2d(y)
    if t.shape == y.shape:  # one-hot rows -> class indices
        t = t.argmax(axis=-1)
    t = t.reshape(-1)
    n = y.shape[0]
    return float(-np.log(y[np.arange(n), t] + 1e-7).sum() / n)
