"""Trainer: the training loop of the book's chapter 6, done as real software.

    trainer = Trainer(network, "adam", optimizer_param={"lr": 0.001}, batch_size=100, seed=0)
    history = trainer.fit(x_train, t_train, epochs=10, validation_data=(x_test, t_test))

prints one line per epoch, in the spirit of Keras's ``fit``::

    epoch 3/10  loss 0.0623  acc 0.9812  val_loss 0.0712  val_acc 0.9790  4.1s

and returns ``trainer.history``, a dict of plain lists (JSON-ready):

    "epoch"       the epoch number, counted from 1
    "loss"        the mean training loss of the epoch (every sample counted once)
    "acc"         the training accuracy of the epoch
    "val_loss"    the validation loss, None without validation data
    "val_acc"     the validation accuracy, None without validation data
    "seconds"     the time the epoch took, evaluation included
    "lr"          the learning rate used during the epoch
    "step_loss"   the loss of every mini-batch, one entry per step (not per epoch)

What one epoch does:

    order = rng.permutation(N)                  # every sample exactly once, in a seeded order
    for each batch of `batch_size` samples in that order:
        grads = network.gradient(x_batch, t_batch)     # also sets network.last_loss
        check that the loss and the gradients are finite
        optimizer.update(network.params, grads)
        check that the parameters are still finite      # else roll back and stop

The training accuracy is counted from the scores of these same forward passes (free, and what
Keras reports), so it lags slightly behind the network at the end of the epoch, and includes
dropout when the network has it. Pass ``evaluate_sample_num_per_epoch=n`` to measure it instead,
as the book does, on n random training samples in evaluation mode after the epoch.

Training never goes silently wrong: a NaN or infinite loss, gradient or parameter stops it with a
TrainingDivergedError that names the epoch and the step, and the network keeps the parameters it
had before that step. Early stopping, keeping the best parameters and per-epoch callbacks are
options of the Trainer. All randomness (the order of the samples, the evaluation samples) comes
from the trainer's own Generator, which ``state_dict()`` saves: a run resumed from a checkpoint
gives the same result as one that was never interrupted.

The book's signature works too, so that the book's scripts run unchanged::

    trainer = Trainer(network, x_train, t_train, x_test, t_test, epochs=20, mini_batch_size=100,
                      optimizer="Adam", optimizer_param={"lr": 0.001},
                      evaluate_sample_num_per_epoch=1000)
    trainer.train()
    trainer.train_loss_list, trainer.train_acc_list, trainer.test_acc_list
"""

import copy
import math
import sys
import time

import numpy as np

from zerodl._checks import integer
from zerodl.datasets.batches import minibatches
from zerodl.optimizers import Optimizer, create_optimizer

__all__ = ["Trainer", "BookTrainer", "TrainingDivergedError", "StopTraining", "MONITORS"]

# What early stopping and restore_best may watch, and whether larger is better.
MONITORS = {"val_acc": "max", "val_loss": "min", "acc": "max", "loss": "min"}


class TrainingDivergedError(RuntimeError):
    """The loss, a gradient or a parameter became NaN or infinite during training.

    Attributes:
        epoch: the epoch of the bad step, counted from 1.
        step: the step within that epoch, counted from 1.
        steps: the number of steps in the epoch.
        reason: what was found, e.g. "the loss is nan".
    """

    def __init__(self, epoch, step, steps, reason, lr=None):
        self.epoch, self.step, self.steps, self.reason = epoch, step, steps, reason
        lr_text = f" (it is {lr:g} now)" if lr is not None else ""
        super().__init__(
            f"training diverged at epoch {epoch}, step {step} of {steps}: {reason}. "
            "The network keeps the parameters it had before this step. "
            f"Try a smaller learning rate{lr_text}, or check the data for NaN or huge values."
        )


class StopTraining(Exception):  # noqa: N818 (a signal, like StopIteration, not an error)
    """Raise this in a callback to end training after the current epoch."""


class Trainer:
    """Trains a network with mini-batches, epoch by epoch.

    Args:
        network: a zerodl network (see zerodl.networks.Sequential): ``params``,
            ``gradient(x, t)`` that keeps the batch's loss in ``last_loss``, and
            ``loss(x, t, train)`` that keeps the scores in ``last_scores``.
        optimizer: an Optimizer instance, or its name ("sgd", "momentum", "adagrad", "rmsprop",
            "adam", ...) built with ``optimizer_param``.
        batch_size: the number of samples per step; the last batch of an epoch may be shorter.
        seed: an int, None or a numpy Generator: the order of the samples and the evaluation
            samples are drawn from it.
        optimizer_param: the keyword arguments of a named optimizer, e.g. {"lr": 0.01}.
        lr_schedule: a callable epoch -> lr (see zerodl.schedules), applied at the start of each
            epoch, epochs counted from 0.
        verbose: print one line per epoch (and early-stopping notes) with ``print_fn``.
        progress: show a tqdm progress bar on stderr; None shows it only when verbose and stderr
            is a terminal.
        callbacks: functions ``callback(trainer, record)`` called after each epoch with that
            epoch's record (a dict like one row of the history); returning True or raising
            StopTraining ends training after this epoch.
        early_stopping_patience: stop when ``monitor`` has not improved for this many epochs.
        monitor: the figure early stopping and restore_best watch: "val_acc", "val_loss",
            "acc" or "loss".
        restore_best: at the end of fit, put back the parameters of the best epoch.
        eval_batch_size: batch size of the evaluation passes (default: batch_size).
        print_fn: the function that prints the per-epoch lines (default: print, to stdout).

    Attributes:
        epoch: the number of epochs completed, over all fit() calls.
        history: the figures per epoch and the loss per step (see the module docstring).
        best: {"value": ..., "epoch": ...} of the best epoch so far by ``monitor``, or None.
        best_params: copies of the parameters (and buffers) of that epoch, when restore_best.
        stop_reason: why the last fit() ended early, or None.
    """

    def __new__(cls, network=None, *args, **kwargs):
        # The book's signature, Trainer(network, x_train, t_train, x_test, t_test, ...), makes a
        # BookTrainer; Python then calls BookTrainer.__init__ with the same arguments.
        if cls is Trainer and (
            "x_train" in kwargs or (args and not isinstance(args[0], (str, Optimizer)))
        ):
            cls = BookTrainer
        return super().__new__(cls)

    def __init__(
        self,
        network,
        optimizer="adam",
        *,
        batch_size=100,
        seed=None,
        optimizer_param=None,
        lr_schedule=None,
        verbose=True,
        progress=None,
        callbacks=(),
        early_stopping_patience=None,
        monitor="val_acc",
        restore_best=False,
        eval_batch_size=None,
        print_fn=print,
    ):
        self.network = network
        # A name and its settings, or an Optimizer instance (then without settings).
        self.optimizer = create_optimizer(optimizer, **(optimizer_param or {}))
        self.batch_size = integer("batch_size", batch_size, 1)
        self.eval_batch_size = integer("eval_batch_size", eval_batch_size or batch_size, 1)
        self.rng = np.random.default_rng(seed)
        if lr_schedule is not None and not callable(lr_schedule):
            raise TypeError(f"lr_schedule must be a callable epoch -> lr, got {lr_schedule!r}")
        self.lr_schedule = lr_schedule
        self.verbose = bool(verbose)
        self.progress = progress
        self.callbacks = list(callbacks)
        if early_stopping_patience is not None:
            early_stopping_patience = integer("early_stopping_patience", early_stopping_patience, 1)
        self.early_stopping_patience = early_stopping_patience
        if monitor not in MONITORS:
            raise ValueError(f"unknown monitor {monitor!r}: choose one of {', '.join(MONITORS)}")
        self.monitor = monitor
        self.restore_best = bool(restore_best)
        self.print_fn = print_fn

        self.epoch = 0
        self.history = _empty_history()
        self.best = None
        self.best_params = None
        self.stop_reason = None

    # --- training ---------------------------------------------------------------------------

    def fit(
        self,
        x_train,
        t_train,
        epochs,
        validation_data=None,
        evaluate_sample_num_per_epoch=None,
    ):
        """Train for ``epochs`` more epochs and return the history.

        Args:
            x_train: inputs (N, ...); t_train: labels (N,) or one-hot (N, K).
            epochs: the number of epochs to run in this call. A second call continues where
                the first stopped (the epoch numbers go on from ``trainer.epoch``).
            validation_data: (x_val, t_val), evaluated after each epoch in evaluation mode.
            evaluate_sample_num_per_epoch: measure the training accuracy, and the validation
                figures, on this many random samples instead (the book's option).

        Raises:
            TrainingDivergedError: a loss, gradient or parameter became NaN or infinite.
        """
        x_train, t_train = np.asarray(x_train), np.asarray(t_train)  # no copy of arrays
        _check_pair("x_train", "t_train", x_train, t_train)
        if validation_data is not None:
            if len(validation_data) != 2:
                raise ValueError("validation_data must be a pair (x_val, t_val)")
            validation_data = tuple(np.asarray(a) for a in validation_data)
            _check_pair("x_val", "t_val", *validation_data)
        integer("epochs", epochs, 0)
        sample_num = evaluate_sample_num_per_epoch
        if sample_num is not None:
            sample_num = integer("evaluate_sample_num_per_epoch", sample_num, 1)
        watching = self.early_stopping_patience is not None or self.restore_best
        if watching and self.monitor.startswith("val_") and validation_data is None:
            raise ValueError(
                f"early stopping and restore_best watch {self.monitor!r}, which needs "
                "validation_data (or choose monitor='loss' or 'acc')"
            )

        self.stop_reason = None
        last_epoch = self.epoch + int(epochs)
        while self.epoch < last_epoch:
            record = self._run_epoch(x_train, t_train, validation_data, sample_num, last_epoch)
            if self._end_of_epoch(record, last_epoch):
                break
        if self.restore_best and self.best is not None:
            self._restore_best()
        return self.history

    def _run_epoch(self, x_train, t_train, validation_data, sample_num, last_epoch):
        network, optimizer = self.network, self.optimizer
        number = self.epoch + 1  # the epoch being run, counted from 1
        if self.lr_schedule is not None:
            optimizer.lr = float(self.lr_schedule(self.epoch))
        start = time.perf_counter()

        n = len(x_train)
        steps = -(-n // self.batch_size)
        labels = _class_indices(t_train)
        # What the network must never be left with: a copy of its state before each step.
        watched = {**network.params, **{f"buffer:{k}": b for k, b in _buffers(network).items()}}
        backup = {key: np.empty_like(a) for key, a in watched.items()}
        counted = sample_num is None  # count correct answers from the training passes

        bar = self._progress_bar(steps, number, last_epoch)
        loss_sum, correct = 0.0, 0
        step_loss = self.history["step_loss"]
        try:
            # NaN and overflow are caught below with a clear error; numpy's warnings would
            # only add noise before it.
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                batches = minibatches(x_train, np.arange(n), self.batch_size, seed=self.rng)
                for step, (x_batch, index) in enumerate(batches, start=1):
                    t_batch = t_train[index]
                    for key, a in watched.items():
                        np.copyto(backup[key], a)
                    grads = network.gradient(x_batch, t_batch)
                    loss = float(network.last_loss)
                    problem = check_finite(loss, grads)
                    if problem is None:
                        optimizer.update(network.params, grads)
                        problem = check_finite(None, network.params, after_update=True)
                    if problem is not None:
                        for key, a in watched.items():
                            np.copyto(a, backup[key])
                        raise TrainingDivergedError(number, step, steps, problem, optimizer.lr)

                    step_loss.append(loss)
                    loss_sum += loss * len(x_batch)
                    if counted:
                        scores = network.last_scores
                        correct += int(np.count_nonzero(scores.argmax(axis=1) == labels[index]))
                    if bar is not None:
                        bar.update(1)
                        if bar.n == steps or time.perf_counter() - bar.last_print_t > 0.2:
                            speed = step * self.batch_size / (time.perf_counter() - start)
                            bar.set_postfix_str(f"loss {loss:.4f}  {speed:,.0f} samples/s")
        finally:
            if bar is not None:
                bar.close()

        record = {"epoch": number, "loss": loss_sum / n}
        if counted:
            record["acc"] = correct / n
        else:
            x_eval, t_eval = self._sample(x_train, t_train, sample_num)
            record["acc"] = self._evaluate(x_eval, t_eval)[1]
        record["val_loss"] = record["val_acc"] = None
        if validation_data is not None:
            x_eval, t_eval = self._sample(*validation_data, sample_num)
            record["val_loss"], record["val_acc"] = self._evaluate(x_eval, t_eval)
        record["seconds"] = time.perf_counter() - start
        record["lr"] = float(optimizer.lr)
        return record

    def _end_of_epoch(self, record, last_epoch):
        """Record the epoch, print its line, run the callbacks; True when training must stop."""
        self.epoch += 1
        for key in ("epoch", "loss", "acc", "val_loss", "val_acc", "seconds", "lr"):
            self.history[key].append(record[key])
        if self.verbose:
            show_lr = self.lr_schedule is not None
            self.print_fn(self.format_record(record, last_epoch, show_lr=show_lr))

        improved = self._track_best(record)
        stop = False
        for callback in self.callbacks:
            try:
                stop = bool(callback(self, record)) or stop
            except StopTraining as signal:
                self.stop_reason = str(signal) or f"stopped by {_name(callback)}"
                return True
        if stop:
            self.stop_reason = "stopped by a callback"
            return True
        patience = self.early_stopping_patience
        if patience is not None and not improved and self.epoch - self.best["epoch"] >= patience:
            self.stop_reason = (
                f"early stopping: {self.monitor} has not improved for {patience} epoch"
                f"{'s' if patience > 1 else ''} (best {self.best['value']:.4f} at epoch "
                f"{self.best['epoch']})"
            )
            if self.verbose:
                self.print_fn(self.stop_reason)
            return True
        return False

    def _track_best(self, record):
        value = record[self.monitor]
        if value is None:
            return False
        better = max if MONITORS[self.monitor] == "max" else min
        if self.best is not None and better(value, self.best["value"]) == self.best["value"]:
            return False  # equal is not better: the first epoch to reach a value stays best
        self.best = {"value": float(value), "epoch": record["epoch"]}
        if self.restore_best:
            params = {**self.network.params, **_buffers(self.network)}
            self.best_params = {key: a.copy() for key, a in params.items()}
        return True

    def _restore_best(self):
        if self.best["epoch"] == self.epoch:
            return  # the last epoch was the best: nothing to put back
        if self.best_params is None:
            if self.verbose:
                self.print_fn(
                    f"the best parameters (epoch {self.best['epoch']}) were not kept in this "
                    "session (resumed from a checkpoint): keeping the last ones"
                )
            return
        for key, a in {**self.network.params, **_buffers(self.network)}.items():
            np.copyto(a, self.best_params[key])
        if self.verbose:
            self.print_fn(
                f"restored the parameters of epoch {self.best['epoch']} "
                f"({self.monitor} {self.best['value']:.4f})"
            )

    # --- evaluation -------------------------------------------------------------------------

    def _sample(self, x, t, sample_num):
        """All of (x, t), or sample_num of its samples drawn at random without replacement."""
        if sample_num is None or sample_num >= len(x):
            return x, t
        index = np.sort(self.rng.choice(len(x), sample_num, replace=False))
        return x[index], t[index]

    def _evaluate(self, x, t):
        """(mean loss, accuracy) of the network on (x, t), in evaluation mode, in batches."""
        network, labels = self.network, _class_indices(t)
        loss_sum, correct = 0.0, 0
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for i in range(0, len(x), self.eval_batch_size):
                x_batch, t_batch = x[i : i + self.eval_batch_size], t[i : i + self.eval_batch_size]
                loss_sum += network.loss(x_batch, t_batch, train=False) * len(x_batch)
                y = network.last_scores.argmax(axis=1)
                correct += int(np.count_nonzero(y == labels[i : i + self.eval_batch_size]))
        return loss_sum / len(x), correct / len(x)

    def evaluate(self, x, t):
        """{"loss": ..., "acc": ...} of the network on (x, t), in evaluation mode."""
        _check_pair("x", "t", x, t)
        loss, acc = self._evaluate(x, t)
        return {"loss": loss, "acc": acc}

    # --- printing ---------------------------------------------------------------------------

    @staticmethod
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

    def _progress_bar(self, steps, number, last_epoch):
        show = self.progress
        if show is None:
            show = self.verbose and _is_terminal(sys.stderr)
        if not show:
            return None
        from tqdm.auto import tqdm

        return tqdm(
            total=steps,
            desc=f"epoch {number}/{last_epoch}",
            unit="step",
            file=sys.stderr,
            leave=False,
            dynamic_ncols=True,
        )

    # --- saving and resuming ----------------------------------------------------------------

    def state_dict(self):
        """A JSON-friendly snapshot: the epoch count, the Generator's state, history and best.

        With the network's parameters and the optimizer's state_dict(), it is what a checkpoint
        needs for ``fit`` to resume exactly where it stopped.
        """
        return {
            "epoch": self.epoch,
            "rng": copy.deepcopy(self.rng.bit_generator.state),
            "history": copy.deepcopy(self.history),
            "best": dict(self.best) if self.best is not None else None,
        }

    def load_state_dict(self, state):
        """Restore what ``state_dict`` saved (the best parameters themselves are not in it)."""
        missing = {"epoch", "rng", "history"} - set(state)
        if missing:
            raise ValueError(f"not a Trainer state_dict: missing {', '.join(sorted(missing))}")
        rng_state = copy.deepcopy(state["rng"])
        name = rng_state.get("bit_generator")
        if name != type(self.rng.bit_generator).__name__:
            bit_generator = getattr(np.random, str(name), None)
            if bit_generator is None:
                raise ValueError(f"unknown bit generator {name!r} in the trainer state")
            self.rng = np.random.Generator(bit_generator())
        self.rng.bit_generator.state = rng_state
        self.epoch = int(state["epoch"])
        history = _empty_history()
        history.update(copy.deepcopy(state["history"]))
        self.history = history
        self.best = dict(state["best"]) if state.get("best") is not None else None
        self.best_params = None

    # --- the book's names -------------------------------------------------------------------

    @property
    def train_loss_list(self):
        """The loss of every step (the book's name for history["step_loss"])."""
        return self.history["step_loss"]

    @property
    def train_acc_list(self):
        """The training accuracy of every epoch (the book's name for history["acc"])."""
        return self.history["acc"]

    @property
    def test_acc_list(self):
        """The validation accuracy of every epoch (the book's name for history["val_acc"])."""
        return self.history["val_acc"]

    def __repr__(self):
        return (
            f"{type(self).__name__}({type(self.network).__name__}, {self.optimizer!r}, "
            f"batch_size={self.batch_size}, epoch={self.epoch})"
        )


class BookTrainer(Trainer):
    """The book's Trainer (common/trainer.py), with its signature, on top of Trainer.

    ``Trainer(network, x_train, t_train, x_test, t_test, ...)`` makes one of these, so the book's
    scripts run unchanged. The differences from the book: each epoch visits every sample once
    (the book samples batches with replacement), the evaluation samples are random (the book
    takes the first ones), and the training loss is printed once per epoch, not once per step.

    Args:
        network, x_train, t_train, x_test, t_test: as in the book.
        epochs, mini_batch_size: the number of epochs and the batch size.
        optimizer, optimizer_param: the optimizer's name and arguments; the book's default is
            SGD with lr 0.01.
        evaluate_sample_num_per_epoch: evaluate accuracy on this many samples per epoch.
        verbose: print the per-epoch lines and the final test accuracy.
        **options: any keyword argument of Trainer (seed, callbacks, ...).
    """

    def __init__(
        self,
        network,
        x_train,
        t_train,
        x_test,
        t_test,
        epochs=20,
        mini_batch_size=100,
        optimizer="SGD",
        optimizer_param=None,
        evaluate_sample_num_per_epoch=None,
        verbose=True,
        **options,
    ):
        if optimizer_param is None and not isinstance(optimizer, Optimizer):
            optimizer_param = {"lr": 0.01}
        super().__init__(
            network,
            optimizer,
            batch_size=mini_batch_size,
            optimizer_param=optimizer_param,
            verbose=verbose,
            **options,
        )
        self.x_train, self.t_train = x_train, t_train
        self.x_test, self.t_test = x_test, t_test
        self.epochs = epochs
        self.evaluate_sample_num_per_epoch = evaluate_sample_num_per_epoch

    def train(self):
        """Run all the epochs, then print the accuracy on the whole test set, as the book does."""
        self.fit(
            self.x_train,
            self.t_train,
            self.epochs,
            validation_data=(self.x_test, self.t_test),
            evaluate_sample_num_per_epoch=self.evaluate_sample_num_per_epoch,
        )
        test_acc = self.evaluate(self.x_test, self.t_test)["acc"]  # the whole test set
        if self.verbose:
            self.print_fn("=============== Final Test Accuracy ===============")
            self.print_fn(f"test acc:{test_acc}")
        return test_acc


# --- helpers -------------------------------------------------------------------------------------


def _empty_history():
    keys = ("epoch", "loss", "acc", "val_loss", "val_acc", "seconds", "lr", "step_loss")
    return {key: [] for key in keys}


def _check_pair(x_name, t_name, x, t):
    if len(x) != len(t):
        raise ValueError(
            f"{x_name} and {t_name} differ in length: {len(x)} samples and {len(t)} labels"
        )
    if len(x) == 0:
        raise ValueError(f"{x_name} holds no samples")


def _class_indices(t):
    """Labels as class numbers (N,), whether given so or as one-hot rows (N, K)."""
    t = np.asarray(t)
    return t.argmax(axis=1) if t.ndim == 2 else t


def _buffers(network):
    return getattr(network, "buffers", None) or {}


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


def _is_terminal(stream):
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


def _name(function):
    return getattr(function, "__name__", type(function).__name__)
