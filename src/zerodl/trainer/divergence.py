"""The divergence guard: training never goes silently wrong.

DIVERGENCE_FACTOR       a loss this many times the first one (or than 1) means divergence
TrainingDivergedError   the error that stops training, saying where and what to try
check_finite            says what became NaN or infinite, if anything did
check_growth            says whether the loss grew far beyond its first value
DivergenceGuard         a copy of the parameters and the optimiser's state before each step,
                        put back if it goes wrong
"""

import math

import numpy as np

from zerodl.i18n import N_, translate

__all__ = [
    "DIVERGENCE_FACTOR",
    "DivergenceGuard",
    "TrainingDivergedError",
    "check_finite",
    "check_growth",
]

# Training has diverged when a step's loss exceeds this many times the run's first loss (or this
# many times 1, when the first loss was below 1): see check_growth.
DIVERGENCE_FACTOR = 100.0


class TrainingDivergedError(RuntimeError):
    """The loss, a gradient or a parameter became NaN or infinite during training, or the loss
    grew far beyond its first value (see check_growth).

    Attributes:
        epoch: the epoch of the bad step, counted from 1.
        step: the step within that epoch, counted from 1.
        steps: the number of steps in the epoch.
        reason: what was found, e.g. "the loss is nan".
        loss: the loss of the bad step (None when not known).
        lr: the learning rate of the bad step (None when not known).
    """

    def __init__(self, epoch, step, steps, reason, lr=None, loss=None):
        self.epoch, self.step, self.steps, self.reason = epoch, step, steps, reason
        self.loss, self.lr = loss, lr
        lr_text = f" (it is {lr:g} now)" if lr is not None else ""
        super().__init__(
            f"training diverged at epoch {epoch}, step {step} of {steps}: {reason}. "
            "The network and the optimiser keep the state they had before this step. "
            f"Try a smaller learning rate{lr_text}, or check the data for NaN or huge values."
        )


class Reason(str):
    """A sentence saying why training stopped, in English (a str, as the exception's message
    holds it), that can also be said in the current language: `reason.translated()`."""

    def __new__(cls, message, **fields):
        reason = super().__new__(cls, message.format(**fields))
        reason.message, reason.fields = message, fields
        return reason

    def translated(self):
        return translate(self.message).format(**self.fields)


def check_finite(loss, arrays, after_update=False):
    """None when the loss and every array are finite; else a sentence saying what is not."""
    if loss is not None and not math.isfinite(loss):
        return Reason(N_("the loss is {loss}"), loss=loss)
    for key, a in arrays.items():
        if not np.isfinite(a).all():
            if after_update:
                return Reason(N_("the update made parameter {key} non-finite"), key=repr(key))
            return Reason(N_("the gradient of {key} holds NaN or infinite values"), key=repr(key))
    return None


def check_growth(loss, first_loss, factor=DIVERGENCE_FACTOR):
    """None, unless `loss` exceeds `factor` times max(`first_loss`, 1): then a sentence saying so.

    The rule of divergence by size: a step's loss more than 100 times the run's first loss (or
    than 100 when the first loss is below 1, so that a run starting from a low loss, such as a
    fine-tuning, is not stopped by an ordinary noisy batch). A cross-entropy starts near ln(10)
    = 2.3 for ten classes; a learning rate far too large sends it to 1e4..1e22 within a few
    steps, while a good run's loss never goes near 230. None as `factor` turns the rule off.
    """
    if factor is None or loss is None or first_loss is None:
        return None
    if loss > factor * max(first_loss, 1.0):
        return Reason(
            N_("the loss {loss} is more than {factor} times the first step's {first}"),
            loss=f"{loss:.4g}",
            factor=f"{factor:g}",
            first=f"{first_loss:.4g}",
        )
    return None


class DivergenceGuard:
    """What the network must never be left with is a NaN: keep a copy to go back to.

    ``save()`` copies every parameter and buffer (batch norm's running statistics change in the
    forward pass) into arrays allocated once, and the optimiser's step count and state arrays
    (Adam's moments, momentum's velocity); ``restore()`` writes them back in place, so the
    layers, the optimiser and anyone holding ``network.params`` see the old values again, and a
    state array the failed step created is removed.
    """

    def __init__(self, network, optimizer=None):
        buffers = getattr(network, "buffers", None) or {}
        self.watched = {**network.params, **{f"buffer:{k}": b for k, b in buffers.items()}}
        self.backup = {key: np.empty_like(a) for key, a in self.watched.items()}
        self.optimizer = optimizer
        self.step, self.slots, self.slot_backup = None, {}, {}

    def save(self):
        for key, a in self.watched.items():
            np.copyto(self.backup[key], a)
        if self.optimizer is None:
            return
        self.step = self.optimizer.t
        self.slots = {slot: list(arrays) for slot, arrays in self.optimizer.state.items()}
        for slot, arrays in self.optimizer.state.items():
            for key, a in arrays.items():
                backup = self.slot_backup.get((slot, key))
                if backup is None or backup.shape != a.shape or backup.dtype != a.dtype:
                    backup = self.slot_backup[slot, key] = np.empty_like(a)
                np.copyto(backup, a)

    def restore(self):
        for key, a in self.watched.items():
            np.copyto(a, self.backup[key])
        if self.optimizer is None:
            return
        self.optimizer.t = self.step
        for slot, arrays in self.optimizer.state.items():
            kept = self.slots.get(slot, ())
            for key in list(arrays):
                if key in kept:
                    np.copyto(arrays[key], self.slot_backup[slot, key])
                else:  # created by the step being undone
                    del arrays[key]
