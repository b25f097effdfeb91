"""The pieces of training around the loop, each small and named.

The loop (loop.py) runs the steps; these keep the books and make the decisions:

    EpochMetrics        the epoch's training loss and accuracy, summed over its steps
    format_record       the one line printed per epoch
    DivergenceGuard     a copy of the parameters and the optimiser's state before each step,
                        put back if it goes wrong
    check_finite        says what became NaN or infinite, if anything did
    check_growth        says whether the loss grew far beyond its first value (DIVERGENCE_FACTOR)
    BestEpoch           the best epoch so far by one figure, and (if asked) its parameters
    EarlyStopping       stop when that figure has not improved for `patience` epochs
    ProgressBar         a tqdm bar of the epoch's steps, with the loss and the speed
    run_callbacks       the user's functions callback(trainer, record), after each epoch

The history a Trainer returns is a dict of plain lists (JSON-ready), one entry per epoch under
HISTORY_KEYS, and one per step under "step_loss": a zerodl.history.History, which can plot
itself and shows as a table in Jupyter.
"""

import math
import sys
import time

import numpy as np
from tqdm.auto import tqdm

from zerodl.history import History

__all__ = [
    "HISTORY_KEYS",
    "MONITORS",
    "BestEpoch",
    "DivergenceGuard",
    "EarlyStopping",
    "EpochMetrics",
    "ProgressBar",
    "StopTraining",
    "DIVERGENCE_FACTOR",
    "TrainingDivergedError",
    "check_finite",
    "check_growth",
    "empty_history",
    "format_record",
    "run_callbacks",
]

# What early stopping and restore_best may watch, and whether larger is better.
MONITORS = {"val_acc": "max", "val_loss": "min", "acc": "max", "loss": "min"}
# One entry per epoch in the history; "step_loss" has one per step.
HISTORY_KEYS = ("epoch", "loss", "acc", "val_loss", "val_acc", "seconds", "lr")
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


class StopTraining(Exception):  # noqa: N818 (a signal, like StopIteration, not an error)
    """Raise this in a callback to end training after the current epoch."""


# --- per-epoch metrics and history ----------------------------------------------------------------


def empty_history():
    return History({key: [] for key in (*HISTORY_KEYS, "step_loss")})


class EpochMetrics:
    """The mean training loss and the accuracy of one epoch, from the steps' own forward passes.

    Every sample counts once, so a short last batch weighs less than a full one. Counting
    correct answers from the training passes is free (and what Keras reports); it lags slightly
    behind the network at the end of the epoch and includes dropout.
    """

    def __init__(self):
        self.loss_sum, self.correct, self.samples = 0.0, 0, 0

    def add_loss(self, loss, size):
        """One step's mean loss over its `size` samples."""
        self.loss_sum += loss * size
        self.samples += size

    def add_correct(self, correct):
        """One step's number of correct answers."""
        self.correct += int(correct)

    @property
    def loss(self):
        return self.loss_sum / self.samples

    @property
    def acc(self):
        return self.correct / self.samples


def format_record(record, last_epoch=None, show_lr=False):
    """The per-epoch line: ``epoch 3/10  loss 0.0623  acc 0.9812  val_acc 0.9790  4.1s``.

    Figures that are None (no validation data) are left out; ``show_lr`` adds the learning
    rate (the trainer shows it when a schedule changes it).
    """
    total = f"/{last_epoch}" if last_epoch is not None else ""
    parts = [f"epoch {record['epoch']}{total}"]
    for key in ("loss", "acc", "val_loss", "val_acc"):
        if record.get(key) is not None:
            parts.append(f"{key} {record[key]:.4f}")
    if show_lr and record.get("lr") is not None:
        parts.append(f"lr {record['lr']:.3g}")
    seconds = record["seconds"]
    parts.append(f"{seconds:.1f}s" if seconds >= 1 else f"{seconds:.2f}s")
    return "  ".join(parts)


# --- the divergence guard -------------------------------------------------------------------------


def check_finite(loss, arrays, after_update=False):
    """None when the loss and every array are finite; else a sentence saying what is not."""
    if loss is not None and not math.isfinite(loss):
        return f"the loss is {loss}"
    for key, a in arrays.items():
        if not np.isfinite(a).all():
            if after_update:
                return f"the update made parameter {key!r} non-finite"
            return f"the gradient of {key!r} holds NaN or infinite values"
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
        return (
            f"the loss {loss:.4g} is more than {factor:g} times the first step's {first_loss:.4g}"
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


# --- the best epoch and early stopping ------------------------------------------------------------


class BestEpoch:
    """The best epoch so far by `monitor` ("val_acc", "val_loss", "acc" or "loss").

    ``best`` is {"value": ..., "epoch": ...} or None; with ``keep_params`` a copy of that
    epoch's parameters and buffers is kept (``params``), which ``restore`` puts back.
    """

    def __init__(self, monitor, keep_params=False):
        if monitor not in MONITORS:
            raise ValueError(f"unknown monitor {monitor!r}: choose one of {', '.join(MONITORS)}")
        self.monitor, self.keep_params = monitor, bool(keep_params)
        self.best, self.params = None, None

    def update(self, record, network):
        """Look at the epoch's record; True when it is the new best."""
        value = record[self.monitor]
        if value is None:
            return False
        better = max if MONITORS[self.monitor] == "max" else min
        if self.best is not None and better(value, self.best["value"]) == self.best["value"]:
            return False  # equal is not better: the first epoch to reach a value stays best
        self.best = {"value": float(value), "epoch": record["epoch"]}
        if self.keep_params:
            self.params = {key: a.copy() for key, a in _arrays(network).items()}
        return True

    def restore(self, network, last_epoch):
        """Put the best epoch's parameters back into `network`; a sentence saying what was done
        (None when the last epoch, `last_epoch`, was the best and nothing had to be done)."""
        if self.best is None or self.best["epoch"] == last_epoch:
            return None
        if self.params is None:
            return (
                f"the best parameters (epoch {self.best['epoch']}) were not kept in this "
                "session (resumed from a checkpoint): keeping the last ones"
            )
        for key, a in _arrays(network).items():
            np.copyto(a, self.params[key])
        return (
            f"restored the parameters of epoch {self.best['epoch']} "
            f"({self.monitor} {self.best['value']:.4f})"
        )


class EarlyStopping:
    """Stop when the best epoch is `patience` epochs behind (see BestEpoch)."""

    def __init__(self, patience):
        self.patience = patience

    def check(self, best, epoch):
        """Why training must stop after `epoch`, or None to go on."""
        if best.best is None or epoch - best.best["epoch"] < self.patience:
            return None
        return (
            f"early stopping: {best.monitor} has not improved for {self.patience} epoch"
            f"{'s' if self.patience > 1 else ''} (best {best.best['value']:.4f} at epoch "
            f"{best.best['epoch']})"
        )


# --- the user's callbacks -------------------------------------------------------------------------


def run_callbacks(callbacks, trainer, record):
    """Call each ``callback(trainer, record)``; why training must stop, or None.

    A callback stops training by returning True or by raising StopTraining (whose message
    becomes the reason). All callbacks run, unless one raises StopTraining.
    """
    stop = False
    for callback in callbacks:
        try:
            stop = bool(callback(trainer, record)) or stop
        except StopTraining as signal:
            return str(signal) or f"stopped by {_name(callback)}"
    return "stopped by a callback" if stop else None


# --- the progress bar -----------------------------------------------------------------------------


class ProgressBar:
    """A tqdm bar on stderr for one epoch's steps, showing the loss and samples per second.

    ``ProgressBar.wanted(progress, verbose)``: progress True or False decides; None shows the
    bar only when verbose and stderr is a terminal or the code runs in a Jupyter kernel (not in
    a log file or a test). tqdm.auto draws it as a widget in Jupyter, as text in a terminal.
    """

    def __init__(self, steps, description, batch_size):
        self.steps, self.batch_size = steps, batch_size
        self.start = time.perf_counter()
        self.bar = tqdm(
            total=steps,
            desc=description,
            unit="step",
            file=sys.stderr,
            leave=False,
            dynamic_ncols=True,
        )

    @staticmethod
    def wanted(progress, verbose):
        if progress is not None:
            return bool(progress)
        return verbose and (_is_terminal(sys.stderr) or _in_jupyter())

    def update(self, step, loss):
        self.bar.update(1)
        now = time.perf_counter()
        if step == self.steps or now - self.bar.last_print_t > 0.2:  # a few redraws a second
            speed = step * self.batch_size / (now - self.start)
            self.bar.set_postfix_str(f"loss {loss:.4f}  {speed:,.0f} samples/s")

    def close(self):
        self.bar.close()


# --- helpers --------------------------------------------------------------------------------------


def _arrays(network):
    """The parameters and buffers of a network, by name (buffers may be absent)."""
    return {**network.params, **(getattr(network, "buffers", None) or {})}


def _is_terminal(stream):
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


def _in_jupyter():
    """True in a Jupyter (or Colab) kernel, where stderr is no terminal but a bar is welcome."""
    ipython = sys.modules.get("IPython")  # imported by the kernel itself; never imported here
    shell = ipython.get_ipython() if ipython is not None else None
    return getattr(shell, "kernel", None) is not None


def _name(function):
    return getattr(function, "__name__", type(function).__name__)
