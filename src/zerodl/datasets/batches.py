"""Mini-batches for one epoch: every sample exactly once, in a seeded random order.

The book samples each mini-batch with ``np.random.choice(train_size, batch_size)``: with
replacement, so in one "epoch" some images are seen twice and about a third never. Here an epoch
is a permutation of the samples cut into consecutive batches, as in PyTorch's DataLoader and
Keras's ``fit``:

    order = rng.permutation(N)              # e.g. [4, 0, 3, 1, 2]
    batches: order[0:B], order[B:2B], ...   # the last one is shorter unless drop_last
"""

import numpy as np

from zerodl.errors import ArgumentError

__all__ = ["minibatches"]


def minibatches(x, t, batch_size, *, shuffle=True, seed=None, drop_last=False):
    """Iterate over ``(x_batch, t_batch)`` pairs that cover the N samples of ``(x, t)`` once.

    Args:
        x: inputs, an array of shape (N, ...).
        t: targets, an array of shape (N, ...) (labels (N,) or one-hot (N, 10)).
        batch_size: the number of samples per batch, B >= 1.
        shuffle: visit the samples in a random order (True) or in order (False).
        seed: an int, None (fresh entropy) or a ``numpy.random.Generator``. Pass one Generator
            for the whole training run so that each epoch gets a new order, reproducibly.
        drop_last: leave out the last batch when it holds fewer than B samples.

    Yields:
        x_batch (B, ...) and t_batch (B, ...); the last batch may be shorter. Shuffled batches
        are copies (fancy indexing); unshuffled batches are views (slices) of x and t.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> for epoch in range(10):
        ...     for x_batch, t_batch in minibatches(x_train, t_train, 100, seed=rng):
        ...         ...
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)):
        raise TypeError(f"batch_size must be an int, got {batch_size!r}")
    if batch_size < 1:
        raise ValueError(f"invalid batch_size: {batch_size} (must be at least 1)")
    n = len(x)
    if len(t) != n:
        raise ValueError(f"x and t differ in length: len(x) = {n}, len(t) = {len(t)}")

    stop = n - n % batch_size if drop_last else n
    # the checks above run at the call; the batches are made as they are asked for
    return _batches(x, t, batch_size, stop, shuffle, seed)


def _batches(x, t, batch_size, stop, shuffle, seed):
    n = len(x)
    if shuffle:
        order = np.random.default_rng(seed).permutation(n)  # (N,), each index once
        for start in range(0, stop, batch_size):
            idx = order[start : start + batch_size]  # (B,)
            yield x[idx], t[idx]
    else:
        for start in range(0, stop, batch_size):
            yield x[start : start + batch_size], t[start : start + batch_size]


def validation_split(x, t, n, *, seed=0):
    """((x_train, t_train), (x_val, t_val)): n samples drawn at random, without replacement, to
    validate on (to choose an epoch or a setting), the rest to train on; both keep their order.

    The test set then stays untouched until the one final score. The same seed gives the same
    split (the samples are drawn from numpy.random.default_rng(seed)).
    """
    if not 1 <= n < len(x):
        raise ArgumentError("validation size", n, f"must be in [1, {len(x) - 1}]")
    chosen = np.zeros(len(x), dtype=bool)
    chosen[np.random.default_rng(seed).choice(len(x), n, replace=False)] = True
    return (x[~chosen], t[~chosen]), (x[chosen], t[chosen])
