"""What the trainer tests share: a small problem, a small network, a quiet trainer."""

import numpy as np

from zerodl.networks import MultiLayerNet
from zerodl.optimizers import SGD
from zerodl.trainer import Trainer


def blobs(n=240, seed=0, dim=8, classes=3):
    """Three Gaussian blobs, well apart: a problem a small network learns in a few epochs.

    The blobs are always the same; `seed` draws another set of samples from them.
    """
    centers = np.random.default_rng(2024).normal(0.0, 3.0, (classes, dim))
    rng = np.random.default_rng(seed)
    t = rng.integers(0, classes, n)
    x = (centers[t] + rng.normal(0.0, 1.0, (n, dim))).astype(np.float32)
    return x, t


def small_net(seed=0, **kw):
    return MultiLayerNet(8, [16, 16], 3, seed=seed, **kw)


def quiet(network, optimizer=None, **kw):
    optimizer = optimizer if optimizer is not None else SGD(lr=0.1)
    return Trainer(network, optimizer, batch_size=32, seed=0, verbose=False, **kw)


class Recording(MultiLayerNet):
    """A MultiLayerNet that remembers the batches it was trained on and its parameters before
    each step; `poison` makes the loss or a gradient NaN at a given step (counted from 1)."""

    def __init__(self, *args, poison=None, **kw):
        super().__init__(*args, **kw)
        self.batches, self.before, self.poison = [], [], poison or {}

    def gradient(self, x, t):
        self.batches.append(np.array(x[:, 0]))
        self.before.append({k: p.copy() for k, p in self.params.items()})
        grads = super().gradient(x, t)
        step = len(self.batches)
        if self.poison.get("loss") == step:
            self.last_loss = float("nan")
        if self.poison.get("grad") == step:
            grads["W2"][0, 0] = np.inf
        return grads
