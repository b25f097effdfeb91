"""Trained networks that ship with zerodl, ready to predict without training one first.

    network = zerodl.pretrained("mnist-cnn")        # float32, evaluation mode
    network.predict(x).argmax(axis=1)
    zerodl.zoo.card("mnist-cnn")                      # how it was trained, and how well it does

Each model is an ordinary zerodl checkpoint in this folder (package data, loaded without pickle
like any other), trained by `zerodl train` with the command and seed on its card. The weights
are stored as float16, half the size, and turned back into float32 to compute (as the book's
section 8.3.4 shows, 16 bits lose no accuracy: each card gives the test accuracy of the stored
float16 weights, measured in float32, next to that of the float32 run).

`export` makes such a file from a run folder (see scripts/ship_pretrained.py).
"""

import copy
import json
from pathlib import Path

import numpy as np

from zerodl.checkpoint import load_checkpoint
from zerodl.checkpoint_file import read_meta, save

FOLDER = Path(__file__).parent


def available():
    """The names of the shipped models, sorted ("mnist-cnn", "mnist-mlp", ...)."""
    return sorted(path.stem for path in FOLDER.glob("*.npz"))


def _path(name):
    names = available()
    if name not in names:
        choices = ", ".join(names) or "none are installed"
        raise ValueError(f"unknown pretrained model {name!r}: choose one of {choices}")
    return FOLDER / f"{name}.npz"


def card(name):
    """The model card of `name`: command, seed, epochs, accuracies, time, zerodl version."""
    return dict(read_meta(_path(name))["extra"]["card"])


def pretrained(name):
    """The shipped network `name`, in float32, ready to predict (see `available()`)."""
    return checkpoint(name).network


def checkpoint(name):
    """The shipped model `name` as a Checkpoint (network in float32; extra: card, dataset)."""
    ckpt = load_checkpoint(_path(name))
    ckpt.network.astype(np.float32)
    ckpt.extra.setdefault("dataset", ckpt.extra["card"]["dataset"])
    return ckpt


def export(run_folder, name, command, x_test=None, t_test=None):
    """Write the best network of a `zerodl train` run as the shipped model `name` (float16).

    The card records the command, the run's config, seed, epochs, its validation and test
    accuracy (test.json: the run must have used --val-split), its training time, the zerodl
    version and, when the test set is given, the accuracy of the float16 weights computed in
    float32. Returns the path written.
    """
    run_folder = Path(run_folder)
    best = load_checkpoint(run_folder / "best.npz")
    config = json.loads((run_folder / "config.json").read_text())
    test = json.loads((run_folder / "test.json").read_text())
    history = best.trainer_state["history"]
    network = best.network.astype(np.float16)
    card = {
        "name": name,
        "network": type(network).__name__,
        "parameters": int(sum(p.size for p in network.params.values())),
        "dataset": config["dataset"],
        "command": command,
        "seed": config["seed"],
        "epochs": config["epochs"],
        "best_epoch": best.epoch,
        "val_acc": test["val_acc"],
        "val_images": config["val_split"],
        "test_acc": test["test_acc"],
        "test_images": test["test_images"],
        "training_seconds": round(sum(history["seconds"]), 1),
        "zerodl_version": best.meta["zerodl_version"],
        "stored_dtype": "float16",
    }
    if x_test is not None:
        computed = copy.deepcopy(network).astype(np.float32)  # the float16 weights, as loaded
        card["test_acc_float16"] = float(computed.accuracy(x_test, t_test))
    path = FOLDER / f"{name}.npz"
    save(network, path, card=card)
    return path
