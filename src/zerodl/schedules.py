"""Learning-rate schedules: the learning rate as a function of the epoch.

A schedule is a callable, ``schedule(epoch) -> lr``, with epochs counted from 0. A trainer sets
``optimizer.lr = schedule(epoch)`` at the start of each epoch::

    schedule = CosineDecay(0.1, total=20)
    for epoch in range(20):
        optimizer.lr = schedule(epoch)
        ...                                  # one epoch of updates

``get_config()`` returns the arguments, so ``create_schedule(s.name, **s.get_config())`` builds
the same schedule again (for example from a checkpoint's JSON).
"""

import math

from zerodl._checks import integer, non_negative, number
from zerodl.errors import ArgumentError

__all__ = [
    "Schedule",
    "ConstantLR",
    "StepDecay",
    "MultiStepDecay",
    "CosineDecay",
    "SCHEDULES",
    "create_schedule",
    "over_epochs",
]


class Schedule:
    """The common part: the epoch check, ``get_config`` and the repr.

    A subclass sets ``name`` (its key in ``SCHEDULES``), lists its arguments in ``arguments``,
    stores them as attributes of the same names and implements ``_lr(epoch)``.
    """

    name = ""
    arguments = ("lr",)

    def __call__(self, epoch):
        """The learning rate for ``epoch`` (an integer >= 0, the first epoch being 0)."""
        return float(self._lr(integer("epoch", epoch, 0)))

    def _lr(self, epoch):
        raise NotImplementedError

    def get_config(self):
        """The arguments as a JSON-friendly dict."""
        return {name: getattr(self, name) for name in self.arguments}

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class ConstantLR(Schedule):
    """The same learning rate at every epoch: lr(epoch) = lr.

    Args:
        lr: the learning rate (>= 0).

    Example:
        >>> ConstantLR(0.01)(5)
        0.01
    """

    name = "constant"

    def __init__(self, lr):
        self.lr = non_negative("learning rate", lr)

    def _lr(self, epoch):
        return self.lr


class StepDecay(Schedule):
    """Multiply the learning rate by ``gamma`` every ``step_size`` epochs.

    lr(epoch) = lr * gamma ** (epoch // step_size)

    Args:
        lr: the learning rate of the first ``step_size`` epochs (>= 0).
        step_size: the number of epochs between two decays (an integer >= 1).
        gamma: the factor applied at each decay, in (0, 1].

    Example:
        >>> s = StepDecay(0.1, step_size=10, gamma=0.5)
        >>> s(0), s(9), s(10), s(25)
        (0.1, 0.1, 0.05, 0.025)
    """

    name = "step"
    arguments = ("lr", "step_size", "gamma")

    def __init__(self, lr, step_size, gamma=0.1):
        self.lr = non_negative("learning rate", lr)
        self.step_size = integer("step_size", step_size, 1)
        self.gamma = number("gamma", gamma)
        if not 0 < self.gamma <= 1:
            raise ValueError(f"invalid gamma: {gamma!r} (must be in (0, 1])")

    def _lr(self, epoch):
        return self.lr * self.gamma ** (epoch // self.step_size)


class MultiStepDecay(Schedule):
    """Multiply the learning rate by ``gamma`` at each of the epochs ``milestones``.

    lr(epoch) = lr * gamma ** (the number of milestones <= epoch)

    Args:
        lr: the learning rate before the first milestone (>= 0).
        milestones: the epochs (counted from 0) from which the rate is multiplied once more.
        gamma: the factor applied at each milestone, in (0, 1].

    Example:
        >>> s = MultiStepDecay(0.1, milestones=[5, 7])
        >>> s(4), s(5), s(7)
        (0.1, 0.010000000000000002, 0.0010000000000000002)
    """

    name = "multistep"
    arguments = ("lr", "milestones", "gamma")

    def __init__(self, lr, milestones, gamma=0.1):
        self.lr = non_negative("learning rate", lr)
        self.milestones = sorted(integer("milestone", m, 0) for m in milestones)
        self.gamma = number("gamma", gamma)
        if not 0 < self.gamma <= 1:
            raise ArgumentError("gamma", gamma, "must be in (0, 1]")

    def _lr(self, epoch):
        return self.lr * self.gamma ** sum(epoch >= m for m in self.milestones)


class CosineDecay(Schedule):
    """Cosine annealing from ``lr`` down to ``min_lr`` over ``total`` epochs (Loshchilov and
    Hutter 2017, "SGDR: Stochastic gradient descent with warm restarts", without the restarts),
    after an optional linear warm-up.

    With w = warmup::

        lr(epoch) = lr * (epoch + 1) / (w + 1)                             epoch < w
        lr(epoch) = min_lr + (lr - min_lr) * (1 + cos(pi * (epoch - w) / (total - w))) / 2
                                                                           w <= epoch <= total
        lr(epoch) = min_lr                                                 epoch > total

    As in PyTorch's CosineAnnealingLR(T_max=total), lr(total) is min_lr: the last of ``total``
    epochs (epoch total - 1) still has a little more.

    Args:
        lr: the largest learning rate, reached at epoch ``warmup`` (>= 0).
        total: the epoch at which the decay ends (an integer >= 1).
        min_lr: the learning rate at the end, in [0, lr].
        warmup: the number of warm-up epochs, rising linearly towards lr, which is reached at
            epoch ``warmup`` (an integer in [0, total)).

    Example:
        >>> s = CosineDecay(0.1, total=10, min_lr=0.001)
        >>> s(0), s(5), s(10)
        (0.1, 0.0505, 0.001)
        >>> [round(x, 3) for x in map(CosineDecay(1.0, total=4, warmup=2), range(6))]
        [0.333, 0.667, 1.0, 0.5, 0.0, 0.0]
    """

    name = "cosine"
    arguments = ("lr", "total", "min_lr", "warmup")

    def __init__(self, lr, total, min_lr=0.0, warmup=0):
        self.lr = non_negative("learning rate", lr)
        self.total = integer("total", total, 1)
        self.min_lr = non_negative("min_lr", min_lr)
        if self.min_lr > self.lr:
            raise ValueError(f"invalid min_lr: {min_lr!r} (must be <= lr = {self.lr!r})")
        self.warmup = integer("warmup", warmup, 0)
        if self.warmup >= self.total:
            raise ArgumentError("warmup", warmup, f"must be < total = {self.total}")

    def _lr(self, epoch):
        if epoch < self.warmup:
            return self.lr * (epoch + 1) / (self.warmup + 1)
        progress = min(1.0, (epoch - self.warmup) / (self.total - self.warmup))  # 0 -> 1
        return self.min_lr + (self.lr - self.min_lr) * (1.0 + math.cos(math.pi * progress)) / 2


SCHEDULES = {
    "constant": ConstantLR,
    "step": StepDecay,
    "multistep": MultiStepDecay,
    "cosine": CosineDecay,
}


def create_schedule(name, lr, **kwargs):
    """The schedule called ``name`` ("constant", "step" or "cosine", case-insensitive).

    Example:
        >>> create_schedule("step", 0.1, step_size=5)
        StepDecay(lr=0.1, step_size=5, gamma=0.1)
    """
    cls = SCHEDULES.get(name.lower()) if isinstance(name, str) else None
    if cls is None:
        raise ValueError(f"unknown schedule {name!r}: choose one of {', '.join(SCHEDULES)}")
    return cls(lr, **kwargs)


def over_epochs(name, lr, epochs, warmup=0):
    """The schedule `zerodl train --lr-schedule NAME` runs over a run of `epochs` epochs:

    constant   lr at every epoch
    step       lr x 0.1 from half the epochs, x 0.01 from three quarters (MultiStepDecay)
    cosine     cosine decay to 0 over the epochs, after `warmup` epochs of linear warm-up
    """
    if name == "constant":
        return ConstantLR(lr)
    if name == "step":
        return MultiStepDecay(lr, milestones=[epochs // 2, 3 * epochs // 4])
    if name == "cosine":
        return CosineDecay(lr, total=epochs, warmup=warmup)
    raise ArgumentError("lr_schedule", name, "must be constant, step or cosine")
