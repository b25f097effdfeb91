"""Trainer: the training loop of the book's chapter 6, fit -> epochs -> steps.

    trainer = Trainer(network, "adam", optimizer_param={"lr": 0.001}, batch_size=100, seed=0)
    history = trainer.fit(x_train, t_train, epochs=10, validation_data=(x_test, t_test))

What one epoch does:

    order = rng.permutation(N)                  # every sample exactly once, in a seeded order
    for each batch of `batch_size` samples in that order:
        grads = network.gradient(x_batch, t_batch)     # also sets network.last_loss
                # (with comm: each process its share, averaged by one Allreduce; distributed.py)
        check that the loss and the gradients are finite, and that the loss is at most
            100 x max(the run's first loss, 1)          # else roll back and stop
        optimizer.update(network.params, grads)
        check that the parameters are still finite      # else roll back and stop

and after it: evaluate, record, print one line, run the callbacks, maybe stop early. The
pieces around the loop are in metrics.py (the history, the epoch's figures, its line),
divergence.py (the guard) and callbacks.py (best epoch, early stopping, the progress bar).
"""

import copy
import time

import numpy as np

from zerodl._checks import integer
from zerodl.datasets.batches import minibatches
from zerodl.distributed import OneProcess, ProcessGroup
from zerodl.metrics import count_correct
from zerodl.optimizers import Optimizer, create_optimizer
from zerodl.trainer.callbacks import BestEpoch, EarlyStopping, ProgressBar, run_callbacks
from zerodl.trainer.divergence import (
    DIVERGENCE_FACTOR,
    DivergenceGuard,
    TrainingDivergedError,
    check_finite,
    check_growth,
)
from zerodl.trainer.metrics import (
    HISTORY_KEYS,
    EpochMetrics,
    empty_history,
    epoch_text,
    format_record,
)

__all__ = ["Trainer", "is_book_call"]


def is_book_call(args, kwargs):
    """True for the book's call, Trainer(network, x_train, t_train, x_test, t_test, ...): its
    second argument is data, where ours is an optimiser (a name or an Optimizer)."""
    return "x_train" in kwargs or bool(args and not isinstance(args[0], (str, Optimizer)))


class Trainer:
    """Trains a network with mini-batches, epoch by epoch.

    Args:
        network: a zerodl network (see zerodl.networks.Sequential): ``params``,
            ``gradient(x, t)`` that keeps the batch's loss in ``last_loss`` and its scores in
            ``last_scores``, and ``loss(x, t, train)``.
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
        divergence_factor: training has diverged when a step's loss exceeds this many times
            max(the run's first loss, 1) (default 100; None: only NaN or infinity stops it).
        print_fn: the function that prints the per-epoch lines (default: print, to stdout).
        augment: a callable ``augment(x_batch, rng)`` that returns a distorted copy of each
            training batch (see zerodl.datasets.augment.RandomAffine), drawn from the trainer's
            Generator so that a seeded run is reproducible; None (the default) trains on the
            images as they are.
        comm: an mpi4py communicator (e.g. MPI.COMM_WORLD) or a zerodl.distributed.ProcessGroup,
            to train data-parallel: every process computes the gradient of its share of each
            batch and one Allreduce averages them (see zerodl.distributed). Every process must
            build the same network and Trainer with the same seed, and call fit with the same
            data; only process 0 prints and shows the progress bar, while callbacks run in
            every process (test ``trainer.group.is_root`` before writing a file). None (the
            default): this process alone.

    Attributes:
        epoch: the number of epochs completed, over all fit() calls.
        history: the figures per epoch and the loss per step, plain lists (JSON-ready):
            "epoch" (counted from 1), "loss" (the mean training loss, every sample once),
            "acc", "val_loss" and "val_acc" (None without validation data), "seconds" (the
            epoch with its evaluation), "lr", and "step_loss" (one entry per step).
        best: {"value": ..., "epoch": ...} of the best epoch so far by ``monitor``, or None.
        best_params: copies of the parameters (and buffers) of that epoch, when restore_best.
        stop_reason: why the last fit() ended early, or None.

    Training never goes silently wrong: a NaN or infinite loss, gradient or parameter, or a loss
    more than ``divergence_factor`` (100) times the run's first loss (times 1 when that was
    below 1), stops it with a TrainingDivergedError that names the epoch, the step and the
    loss; the network (parameters and buffers) and the optimiser (step count, moments) keep the
    state they had before that step. All randomness comes from the trainer's own Generator,
    which ``state_dict()`` saves: a run resumed from a checkpoint gives the same result as one
    that was never interrupted (see zerodl.trainer.resume).

    The book's call, ``Trainer(network, x_train, t_train, x_test, t_test, ...)``, is
    zerodl.trainer.BookTrainer's (``from common.trainer import Trainer`` under ``zerodl book``):
    made here, it is a TypeError that says so, rather than Python's count of arguments.
    """

    def __new__(cls, network=None, *args, **kwargs):
        if is_book_call(args, kwargs):
            raise TypeError(
                "Trainer(network, x_train, t_train, x_test, t_test, ...) is the book's call: "
                "use zerodl.trainer.BookTrainer with the same arguments"
            )
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
        divergence_factor=DIVERGENCE_FACTOR,
        print_fn=print,
        augment=None,
        comm=None,
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
        self.best_tracker = BestEpoch(monitor, keep_params=restore_best)
        self.early_stopping = None
        if early_stopping_patience is not None:
            patience = integer("early_stopping_patience", early_stopping_patience, 1)
            self.early_stopping = EarlyStopping(patience)
        self.restore_best = bool(restore_best)
        if divergence_factor is not None and not divergence_factor > 1:
            raise ValueError(
                f"invalid divergence_factor: {divergence_factor!r} (must be > 1, or None)"
            )
        self.divergence_factor = divergence_factor
        self.print_fn = print_fn
        if augment is not None and not callable(augment):
            raise TypeError(
                f"augment must be a callable (x_batch, rng) -> x_batch, got {augment!r}"
            )
        self.augment = augment
        self.group = OneProcess() if comm is None else ProcessGroup(comm)
        self.group.own_dropout_masks(network)
        if not self.group.is_root:  # one process prints and shows the progress bar
            self.verbose, self.progress = False, False

        self.epoch = 0
        self.history = empty_history()
        self.stop_reason = None

    @property
    def monitor(self):
        return self.best_tracker.monitor

    @property
    def best(self):
        return self.best_tracker.best

    @property
    def best_params(self):
        return self.best_tracker.params

    # --- fit -> epochs -> steps -------------------------------------------------------------

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
                figures, on this many random samples instead, after the epoch in evaluation
                mode (the book's option).

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
        watching = self.early_stopping is not None or self.restore_best
        if watching and self.monitor.startswith("val_") and validation_data is None:
            raise ValueError(
                f"early stopping and restore_best watch {self.monitor!r}, which needs "
                "validation_data (or choose monitor='loss' or 'acc')"
            )

        self.stop_reason = None
        last_epoch = self.epoch + int(epochs)
        self.group.check_same(self.network, self.rng)  # the processes start alike: checked
        while self.epoch < last_epoch and self.stop_reason is None:
            start = time.perf_counter()
            record = self._train_epoch(x_train, t_train, last_epoch, counted=sample_num is None)
            record.update(self._evaluate_epoch(x_train, t_train, validation_data, sample_num))
            record["seconds"] = time.perf_counter() - start
            self.group.check_same(self.network, self.rng, f"after epoch {self.epoch + 1}")
            self._end_epoch(record, last_epoch)
        if self.restore_best:
            self._say(self.best_tracker.restore(self.network, self.epoch))
        return self.history

    def _train_epoch(self, x_train, t_train, last_epoch, counted):
        """One pass over the training set; the record's "epoch", "loss", "lr" (and "acc" when
        `counted` from the training passes)."""
        number = self.epoch + 1  # the epoch being run, counted from 1
        if self.lr_schedule is not None:
            self.optimizer.lr = float(self.lr_schedule(self.epoch))
        n = len(x_train)
        steps = -(-n // self.batch_size)
        labels = _class_indices(t_train)
        metrics, guard = EpochMetrics(), DivergenceGuard(self.network, self.optimizer)
        bar = None
        if ProgressBar.wanted(self.progress, self.verbose):
            bar = ProgressBar(steps, epoch_text(number, last_epoch), self.batch_size)
        try:
            # NaN and overflow are caught by the guard with a clear error; numpy's warnings
            # would only add noise before it.
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                batches = minibatches(x_train, np.arange(n), self.batch_size, seed=self.rng)
                for step, (x_batch, index) in enumerate(batches, start=1):
                    if self.augment is not None:  # the whole batch: the same draws everywhere
                        x_batch = self.augment(x_batch, self.rng)
                    where = (number, step, steps)
                    loss, correct = self._step(x_batch, t_train[index], labels[index], guard, where)
                    self.history["step_loss"].append(loss)
                    metrics.add_loss(loss, len(index))
                    metrics.add_correct(correct)
                    if bar is not None:
                        bar.update(step, loss)
        finally:
            if bar is not None:
                bar.close()
        record = {"epoch": number, "loss": metrics.loss, "lr": float(self.optimizer.lr)}
        if counted:
            record["acc"] = metrics.acc
        return record

    def _step(self, x_batch, t_batch, labels, guard, where):
        """One update of the parameters; (the batch's loss, its correct answers). Undone, with a
        TrainingDivergedError, if the loss, a gradient or a parameter comes out NaN or infinite,
        or the loss grows more than divergence_factor times the run's first. `labels` are the
        batch's class numbers; `where` is (epoch, step, steps)."""
        guard.save()
        # With several processes, each computes its share; all get the same averaged gradient.
        grads, loss, correct = self.group.gradient(self.network, x_batch, t_batch, labels)
        step_loss = self.history["step_loss"]
        first = step_loss[0] if step_loss else loss
        problem = check_finite(loss, grads) or check_growth(loss, first, self.divergence_factor)
        if problem is None:
            self.optimizer.update(self.network.params, grads)
            problem = check_finite(None, self.network.params, after_update=True)
        if problem is not None:
            guard.restore()
            raise TrainingDivergedError(*where, problem, self.optimizer.lr, loss)
        return loss, correct

    def _evaluate_epoch(self, x_train, t_train, validation_data, sample_num):
        """The figures measured after the epoch, in evaluation mode: "val_loss", "val_acc" (None
        without validation data), and "acc" too when measuring on `sample_num` samples."""
        figures = {"val_loss": None, "val_acc": None}
        if sample_num is not None:
            figures["acc"] = self._evaluate(*self._sample(x_train, t_train, sample_num))[1]
        if validation_data is not None:
            x_eval, t_eval = self._sample(*validation_data, sample_num)
            figures["val_loss"], figures["val_acc"] = self._evaluate(x_eval, t_eval)
        return figures

    def _end_epoch(self, record, last_epoch):
        """Record the epoch, print its line, track the best, run the callbacks; sets
        stop_reason when training must stop."""
        self.epoch += 1
        for key in HISTORY_KEYS:
            self.history[key].append(record[key])
        if self.verbose:
            show_lr = self.lr_schedule is not None
            self.print_fn(format_record(record, last_epoch, show_lr=show_lr))
        self.best_tracker.update(record, self.network)
        self.stop_reason = run_callbacks(self.callbacks, self, record)
        if self.stop_reason is None and self.early_stopping is not None:
            self.stop_reason = self.early_stopping.check(self.best_tracker, self.epoch)
            self._say(self.stop_reason)

    def _say(self, text):
        if self.verbose and text:
            self.print_fn(text)

    # --- evaluation -------------------------------------------------------------------------

    def _sample(self, x, t, sample_num):
        """All of (x, t), or sample_num of its samples drawn at random without replacement."""
        if sample_num is None or sample_num >= len(x):
            return x, t
        index = np.sort(self.rng.choice(len(x), sample_num, replace=False))
        return x[index], t[index]

    def _evaluate(self, x, t):
        """(mean loss, accuracy) of the network on (x, t), in evaluation mode, in batches;
        with comm, each process scores its share and the sums are added up."""
        total = len(x)
        part = self.group.share(total)
        x, t = x[part], t[part]
        network, labels, size = self.network, _class_indices(t), self.eval_batch_size
        loss_sum, correct = 0.0, 0
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for i in range(0, len(x), size):
                x_batch, t_batch = x[i : i + size], t[i : i + size]
                loss_sum += network.loss(x_batch, t_batch, train=False) * len(x_batch)
                correct += count_correct(network.last_scores, labels[i : i + size])
        loss_sum, correct = self.group.sum([loss_sum, correct])
        return float(loss_sum) / total, int(round(correct)) / total

    def evaluate(self, x, t):
        """{"loss": ..., "acc": ...} of the network on (x, t), in evaluation mode."""
        _check_pair("x", "t", x, t)
        loss, acc = self._evaluate(x, t)
        return {"loss": loss, "acc": acc}

    format_record = staticmethod(format_record)

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
        history = empty_history()
        history.update(copy.deepcopy(state["history"]))
        self.history = history
        self.best_tracker.best = dict(state["best"]) if state.get("best") is not None else None
        self.best_tracker.params = None

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
