"""The callbacks: what runs after each epoch and decides whether training goes on.

    BestEpoch           the best epoch so far by one figure, and (if asked) its parameters
    EarlyStopping       stop when that figure has not improved for `patience` epochs
    ProgressBar         a tqdm bar of the epoch's steps, with the loss and the speed
    run_callbacks       the user's functions callback(trainer, record), after each epoch

The epoch's metrics and its printed line are in metrics.py, the divergence guard in
divergence.py; their names are importable from here too, where they used to live.

The history a Trainer returns is a zerodl.history.History (a dict of plain lists, one entry
per epoch and one per step under "step_loss"), which can plot itself and shows as a table in
Jupyter.
"""

import sys
import time

import numpy as np
from tqdm.auto import tqdm

from zerodl.i18n import _, ngettext

# Their earlier home was this module: importable from here still.
from zerodl.trainer.divergence import (  # noqa: F401
    DIVERGENCE_FACTOR,
    DivergenceGuard,
    TrainingDivergedError,
    check_finite,
    check_growth,
)
from zerodl.trainer.metrics import (  # noqa: F401
    HISTORY_KEYS,
    EpochMetrics,
    empty_history,
    format_record,
)

__all__ = [
    "MONITORS",
    "BestEpoch",
    "EarlyStopping",
    "ProgressBar",
    "StopTraining",
    "run_callbacks",
]

# What early stopping and restore_best may watch, and whether larger is better.
MONITORS = {"val_acc": "max", "val_loss": "min", "acc": "max", "loss": "min"}


class StopTraining(Exception):  # noqa: N818 (a signal, like StopIteration, not an error)
    """Raise this in a callback to end training after the current epoch."""


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
            return _(
                "the best parameters (epoch {epoch}) were not kept in this session (resumed "
                "from a checkpoint): keeping the last ones"
            ).format(epoch=self.best["epoch"])
        for key, a in _arrays(network).items():
            np.copyto(a, self.params[key])
        return _("restored the parameters of epoch {epoch} ({monitor} {value})").format(
            epoch=self.best["epoch"], monitor=self.monitor, value=f"{self.best['value']:.4f}"
        )


class EarlyStopping:
    """Stop when the best epoch is `patience` epochs behind (see BestEpoch)."""

    def __init__(self, patience):
        self.patience = patience

    def check(self, best, epoch):
        """Why training must stop after `epoch`, or None to go on."""
        if best.best is None or epoch - best.best["epoch"] < self.patience:
            return None
        return ngettext(
            "early stopping: {monitor} has not improved for {patience} epoch (best {value} at "
            "epoch {epoch})",
            "early stopping: {monitor} has not improved for {patience} epochs (best {value} at "
            "epoch {epoch})",
            self.patience,
        ).format(
            monitor=best.monitor,
            patience=self.patience,
            value=f"{best.best['value']:.4f}",
            epoch=best.best["epoch"],
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
            self.bar.set_postfix_str(
                _("loss {loss}  {speed} samples/s").format(
                    loss=f"{loss:.4f}", speed=f"{speed:,.0f}"
                )
            )

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
