"""The run folder: what `zerodl train` writes, and where, in one place.

    runs/simple_cnn-mnist-20260102-153000/
        config.json     the run's settings (the command's options and defaults)
        last.npz        the checkpoint of the last complete epoch (--resume continues it)
        best.npz        the checkpoint of the best epoch by val_acc
        metrics.csv     one row per epoch: epoch, loss, acc, val_loss, val_acc, lr, seconds
        loss.png        the loss per step and per epoch
        accuracy.png    the training and validation accuracy per epoch
        test.json       the test set's one score, with --val-split
    runs/latest         a symbolic link to the newest run

A folder is written only once an epoch is complete: a run that stops before (diverged, or
interrupted) leaves no folder behind, rather than one that holds nothing but its config.json.
Every file is written to a temporary file and renamed over the old one.
"""

import csv
import io
import json
import os
from datetime import datetime
from pathlib import Path

from zerodl.atomic import atomic_write
from zerodl.checkpoint import save
from zerodl.plots import plot_history

__all__ = ["METRIC_COLUMNS", "RunFolder", "newest_checkpoint"]

METRIC_COLUMNS = ("epoch", "loss", "acc", "val_loss", "val_acc", "lr", "seconds")
CHECKPOINTS = ("best.npz", "last.npz")


class RunFolder:
    """The files of one training run (see the module's docstring), under `path`."""

    def __init__(self, path):
        self.path = Path(path)
        self.config = self.path / "config.json"
        self.last = self.path / "last.npz"
        self.best = self.path / "best.npz"
        self.metrics = self.path / "metrics.csv"
        self.test = self.path / "test.json"

    @classmethod
    def new(cls, model, dataset, parent="runs", now=None):
        """A folder for a new run: runs/<model>-<dataset>-<date>-<time>."""
        stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
        return cls(Path(parent) / f"{model}-{dataset}-{stamp}")

    def holds_run(self):
        """True when a run was already saved here (its last.npz)."""
        return self.last.exists()

    def checkpoint(self, prefer="best.npz"):
        """The path of its checkpoint, `prefer` first (best.npz or last.npz); None if none."""
        for name in (prefer, *(n for n in CHECKPOINTS if n != prefer)):
            if (self.path / name).is_file():
                return self.path / name
        return None

    def save_epoch(self, network, trainer, config, best):
        """After an epoch: config.json, last.npz (and best.npz when `best`), metrics.csv."""
        extra = {"config": config, "dataset": config["dataset"]}
        self.path.mkdir(parents=True, exist_ok=True)
        self.write_config(config)
        save(network, self.last, trainer=trainer, **extra)
        if best:
            save(network, self.best, trainer=trainer, **extra)
        self.write_metrics(trainer.history)

    def write_config(self, config):
        _write_text(self.config, json.dumps(config, indent=2) + "\n")

    def write_metrics(self, history):
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(METRIC_COLUMNS)
        for i in range(len(history["epoch"])):
            row = [history[key][i] for key in METRIC_COLUMNS]
            writer.writerow(
                ["" if v is None else v if isinstance(v, int) else f"{v:.6g}" for v in row]
            )
        _write_text(self.metrics, buffer.getvalue())

    def write_test(self, result):
        _write_text(self.test, json.dumps(result, indent=2) + "\n")

    def plot(self, history):
        """loss.png and accuracy.png."""
        return plot_history(history, self.path)

    def point_latest(self):
        """Make <parent>/latest a symbolic link to this run (skipped where links are not
        allowed, and when `latest` is something other than a link)."""
        latest = self.path.parent / "latest"
        try:
            if latest.is_symlink() or not latest.exists():
                tmp = self.path.parent / f".latest.{os.getpid()}"
                tmp.unlink(missing_ok=True)
                tmp.symlink_to(self.path.name, target_is_directory=True)
                os.replace(tmp, latest)
        except OSError:
            pass

    def __repr__(self):
        return f"RunFolder({str(self.path)!r})"

    def __str__(self):
        return str(self.path)


def newest_checkpoint(runs):
    """The checkpoint (best.npz, else last.npz) of the most recently written run in the folder
    `runs`; None when it holds none."""
    found = []
    runs = Path(runs)
    if runs.is_dir():
        for folder in runs.iterdir():
            if folder.is_symlink() or not folder.is_dir():  # runs/latest points to one of them
                continue
            path = RunFolder(folder).checkpoint()
            if path is not None:
                found.append((path.stat().st_mtime, path))
    return max(found)[1] if found else None


def _write_text(path, text):
    """Write a small text file all at once (a temporary file renamed over it)."""
    with atomic_write(path) as f:
        f.write(text.encode("utf-8"))
