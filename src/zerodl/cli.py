"""The ``zerodl`` command: a thin shell over the Python API.

    zerodl train                          SimpleConvNet on MNIST with Adam, 5 epochs, into runs/
    zerodl evaluate runs/latest           test accuracy, per-class accuracy, confusion matrix
    zerodl predict runs/latest seven.png  the 3 most likely digits of any PNG or JPEG
    zerodl gradcheck                      backprop against numerical gradients, every model
    zerodl compare optimizers             the chapter 6 experiments as PNGs and tables
    zerodl visualize runs/latest          the first layer's filters as a PNG grid
    zerodl summary --model deep_cnn       the layer table with shapes and parameter counts
    zerodl bench                          speed of the layers and networks

Results go to stdout, progress and notes to stderr. Every error is one line on stderr that says
what to do, with a non-zero exit code (2 for a wrong command line, 1 for anything else, 130
after Ctrl-C); set ZERODL_DEBUG=1 to see the traceback of an unexpected error.

``main(argv)`` returns the exit code instead of exiting, so that tests can call it directly.
"""

import argparse
import csv
import io
import json
import os
import sys
import time
import warnings
from datetime import datetime
from pathlib import Path

import numpy as np

from zerodl.atomic import atomic_write

__all__ = ["main", "build_network", "MODELS"]

MODELS = ("two_layer", "mlp", "simple_cnn", "deep_cnn")
DATASETS = ("mnist", "fashion-mnist")
FLAT_MODELS = ("two_layer", "mlp")  # they take (N, 784); the CNNs take (N, 1, 28, 28)

# The defaults of `zerodl train`; options left out keep these, and config.json records them.
TRAIN_DEFAULTS = {
    "model": "simple_cnn",
    "dataset": "mnist",
    "optimizer": "adam",
    "lr": None,  # None: the optimiser's own default (Adam 0.001, SGD 0.01, ...)
    "batch_size": 100,
    "epochs": 5,
    "seed": 0,
    "weight_init": None,  # None: He for the ReLU networks, the book's 0.01 for two_layer
    "hidden": None,  # None: the model's default widths
    "dropout": 0.0,
    "batchnorm": False,
    "weight_decay": 0.0,
    "limit": None,
}
# What `zerodl train --resume` may change; every other option is the run's own.


class CliError(Exception):
    """A problem to report as one line on stderr; `code` is the exit status."""

    def __init__(self, message, code=1):
        super().__init__(message)
        self.code = code


class _Parser(argparse.ArgumentParser):
    """argparse, with a wrong command line reported in one line instead of usage + error."""

    def error(self, message):
        raise CliError(f"{message} (see '{self.prog} --help')", code=2)


def _say(*parts):
    """A note on stderr (progress, files written): stdout stays for results."""
    print(*parts, file=sys.stderr, flush=True)


# --- the parser -----------------------------------------------------------------------------------


def build_parser():
    parser = _Parser(
        prog="zerodl",
        description="Deep learning from zero: train, evaluate and inspect the book's networks.",
        epilog="Example: zerodl train --epochs 1 --limit 5000, then zerodl evaluate runs/latest. "
        "Each command has its own --help.",
    )
    from zerodl import __version__

    parser.add_argument("--version", action="version", version=f"zerodl {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def command(name, func, help, example):
        sub = commands.add_parser(
            name,
            help=help,
            description=help,
            epilog=example,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        sub.set_defaults(func=func)
        return sub

    sub = command(
        "train",
        cmd_train,
        "Train a network and write a run folder: last.npz, best.npz, metrics.csv, config.json, "
        "loss.png, accuracy.png.",
        "examples:\n"
        "  zerodl train                                  # SimpleConvNet, MNIST, Adam, 5 epochs\n"
        "  zerodl train --model mlp --batchnorm --dropout 0.2 --epochs 10\n"
        "  zerodl train --epochs 1 --limit 5000          # a quick try on 5000 images\n"
        "  zerodl train --resume runs/latest --epochs 8  # continue a run up to 8 epochs\n\n"
        "The run folder is --out, by default runs/<model>-<dataset>-<date>-<time>; runs/latest\n"
        "then points to it. The test set serves as validation data, as in the book. Ctrl-C\n"
        "stops after keeping the last complete epoch, which --resume continues exactly.",
    )
    sub.add_argument("--model", choices=MODELS, help="the network (default simple_cnn)")
    sub.add_argument("--dataset", choices=DATASETS, help="the images (default mnist)")
    sub.add_argument("--optimizer", help="sgd, momentum, nesterov, adagrad, rmsprop, adam, adamw")
    sub.add_argument("--lr", type=float, help="learning rate (default: the optimiser's, 0.001)")
    sub.add_argument("--batch-size", type=int, help="samples per step (default 100)")
    sub.add_argument("--epochs", type=int, help="total epochs of the run (default 5)")
    sub.add_argument("--seed", type=int, help="seed of weights, order and dropout (default 0)")
    sub.add_argument("--weight-init", help="he, xavier or a standard deviation such as 0.01")
    sub.add_argument("--hidden", help="hidden layer widths, e.g. 100,100 (mlp)")
    sub.add_argument("--dropout", type=float, help="dropout ratio after each hidden layer (mlp)")
    sub.add_argument("--batchnorm", action="store_true", default=None, help="batch norm (mlp)")
    sub.add_argument("--weight-decay", type=float, help="L2 weight decay (mlp; or adamw's)")
    sub.add_argument("--limit", type=int, help="use the first N training (and test) images")
    sub.add_argument("--data-dir", help="folder holding the dataset's IDX files")
    sub.add_argument("--out", help="the run folder (default runs/<model>-<dataset>-<time>)")
    sub.add_argument("--resume", metavar="RUN", help="a run folder or checkpoint to continue")
    sub.add_argument(
        "--no-progress", dest="progress", action="store_false", default=None, help="no bar"
    )

    sub = command(
        "evaluate",
        cmd_evaluate,
        "Test accuracy and loss, per-class accuracy, the confusion matrix (printed and as PNG) "
        "and a PNG grid of misclassified test images.",
        "examples:\n"
        "  zerodl evaluate runs/latest                   # best.npz of the run\n"
        "  zerodl evaluate runs/latest/last.npz --out report/",
    )
    sub.add_argument("checkpoint", help="a checkpoint (.npz) or a run folder")
    _data_options(sub)
    sub.add_argument("--limit", type=int, help="evaluate on the first N test images only")
    sub.add_argument("--out", help="folder for the PNGs (default: the checkpoint's folder)")
    sub.add_argument("--show", type=int, default=36, help="misclassified images to draw (36)")

    sub = command(
        "predict",
        cmd_predict,
        "The most likely classes of each image (PNG, JPEG, ...), prepared the way MNIST was "
        "made: greyscale, inverted if the background is light, cropped, fitted to 20x20, "
        "centred by centre of mass.",
        "examples:\n"
        "  zerodl predict runs/latest seven.png photo_of_a_three.jpg\n"
        "  zerodl predict runs/latest digit.png --top 5 --save-input prepared/",
    )
    sub.add_argument("checkpoint", help="a checkpoint (.npz) or a run folder")
    sub.add_argument("images", nargs="+", metavar="IMAGE", help="image files")
    sub.add_argument("--top", type=int, default=3, help="how many classes to show (3)")
    sub.add_argument("--style", choices=("mnist", "fashion"), help="preprocessing (from data)")
    sub.add_argument("--save-input", metavar="DIR", help="also save each 28x28 input as PNG")

    sub = command(
        "gradcheck",
        cmd_gradcheck,
        "Compare backpropagation with numerical gradients on a small instance of each model, "
        "in float64: a table of the maximum relative error per parameter.",
        "examples:\n  zerodl gradcheck\n  zerodl gradcheck --model deep_cnn --sample 20",
    )
    sub.add_argument("--model", choices=(*MODELS, "all"), default="all", help="default all")
    sub.add_argument("--sample", type=int, help="check N random elements per array")
    sub.add_argument("--seed", type=int, default=0, help="seed of the weights and data (0)")
    sub.add_argument("--tolerance", type=float, default=1e-6, help="largest error passed (1e-6)")

    sub = command(
        "compare",
        cmd_compare,
        "The chapter 6 experiments on MNIST: optimisers (SGD, Momentum, AdaGrad, RMSProp, Adam) "
        "or weight initialisations (std 0.01, Xavier, He), one PNG each and a table of final "
        "losses.",
        "examples:\n  zerodl compare optimizers\n  zerodl compare init --iterations 500 --out figs",
    )
    sub.add_argument("experiment", choices=("optimizers", "init"), help="which experiment")
    sub.add_argument("--iterations", type=int, default=2000, help="training steps (2000)")
    sub.add_argument("--batch-size", type=int, default=128, help="samples per step (128)")
    sub.add_argument("--seed", type=int, default=0, help="seed (0)")
    sub.add_argument("--out", default=".", help="folder for the PNG (default: here)")
    _data_options(sub, dataset=False)

    sub = command(
        "visualize",
        cmd_visualize,
        "Draw the first layer's weights as a PNG grid: the convolution filters of a CNN, or each "
        "hidden unit's weights as a 28x28 image for an MLP.",
        "examples:\n  zerodl visualize runs/latest\n  zerodl visualize net.npz --out filters.png",
    )
    sub.add_argument("checkpoint", help="a checkpoint (.npz) or a run folder")
    sub.add_argument("--out", help="the PNG to write (default: filters.png beside the checkpoint)")
    sub.add_argument("--max", type=int, default=100, help="draw at most this many (100)")

    sub = command(
        "summary",
        cmd_summary,
        "The layer table of a network: output shapes and parameter counts.",
        "examples:\n  zerodl summary runs/latest\n  zerodl summary --model deep_cnn",
    )
    sub.add_argument("checkpoint", nargs="?", help="a checkpoint (.npz) or a run folder")
    sub.add_argument("--model", choices=MODELS, help="a freshly built model instead")

    # Listed for `zerodl --help` only: main hands everything after "bench" to the benchmark,
    # whose own --help has the options and examples.
    commands.add_parser("bench", help="Time the book's networks, side by side with PyTorch.")
    return parser


def _data_options(sub, dataset=True):
    if dataset:
        sub.add_argument("--dataset", choices=DATASETS, help="default: the checkpoint's dataset")
    sub.add_argument("--data-dir", help="folder holding the dataset's IDX files")


# --- main -----------------------------------------------------------------------------------------


def main(argv=None):
    """Run the ``zerodl`` command with `argv` (default sys.argv[1:]); return the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    name = "zerodl"
    try:
        if argv[:1] == ["bench"]:  # everything after "bench" belongs to the benchmark
            name = "zerodl bench"
            return cmd_bench(argv[1:])
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help(sys.stderr)
            return 2
        name = f"zerodl {args.command}"
        return int(args.func(args) or 0)
    except SystemExit as exit:  # --help and --version
        return exit.code if isinstance(exit.code, int) else 0
    except KeyboardInterrupt:
        _say(f"{name}: interrupted")
        return 130
    except BrokenPipeError:  # `zerodl ... | head` closed the pipe: not an error worth a line
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except CliError as err:
        _say(f"{name}: error: {err}")
        return err.code
    except Exception as err:  # noqa: BLE001 (every error becomes one line, never a traceback)
        if os.environ.get("ZERODL_DEBUG"):
            raise
        _say(f"{name}: error: {_one_line(err)}")
        return 1


def _one_line(err):
    """The message of an exception as one line that says what to do."""
    from zerodl.checkpoint import CheckpointError
    from zerodl.datasets import DatasetNotFoundError
    from zerodl.images import ImageError

    text = str(err).strip() or type(err).__name__
    first = text.splitlines()[0]
    if isinstance(err, DatasetNotFoundError):
        return (
            f"{first.split('. ')[0]}: pass --data-dir FOLDER holding its four IDX files "
            "(or set ZERODL_DATA=FOLDER)"
        )
    if isinstance(err, (CheckpointError, ImageError, FileNotFoundError, PermissionError)):
        return first
    if isinstance(err, (ValueError, TypeError, RuntimeError, OSError)):
        return first
    return f"unexpected {type(err).__name__}: {first} (set ZERODL_DEBUG=1 to see the traceback)"


# --- train ----------------------------------------------------------------------------------------


def build_network(config):
    """The network a train config describes (see TRAIN_DEFAULTS); used by train and summary."""
    from zerodl.networks import DeepConvNet, MultiLayerNet, SimpleConvNet, TwoLayerNet

    model, seed = config["model"], config["seed"]
    hidden = config.get("hidden")
    init = config.get("weight_init")
    if model == "two_layer":
        return TwoLayerNet(
            784,
            hidden[0] if hidden else 50,
            10,
            weight_init_std=0.01 if init is None else init,
            seed=seed,
        )
    if model == "mlp":
        return MultiLayerNet(
            784,
            hidden or [100, 100, 100],
            10,
            weight_init_std="he" if init is None else init,
            weight_decay_lambda=config.get("l2", 0.0),
            use_dropout=config.get("dropout", 0.0) > 0,
            dropout_ratio=config.get("dropout") or 0.5,
            use_batchnorm=bool(config.get("batchnorm")),
            seed=seed,
        )
    if model == "simple_cnn":
        # He rather than the book's 0.01: with Adam it reaches 98.5% in 2 epochs instead of 4.
        return SimpleConvNet(
            hidden_size=hidden[0] if hidden else 100,
            weight_init_std="he" if init is None else init,
            seed=seed,
        )
    if model == "deep_cnn":
        return DeepConvNet(hidden_size=hidden[0] if hidden else 50, seed=seed)
    raise CliError(f"unknown model {model!r}: choose one of {', '.join(MODELS)}", code=2)


def _train_config(args):
    """The config of a new run: the defaults, overridden by the options given, checked."""
    config = dict(TRAIN_DEFAULTS)
    for key in TRAIN_DEFAULTS:
        if getattr(args, key, None) is not None:
            config[key] = getattr(args, key)
    config["optimizer"] = config["optimizer"].lower()
    from zerodl.optimizers import OPTIMIZERS

    if config["optimizer"] not in OPTIMIZERS:
        raise CliError(
            f"unknown optimizer {config['optimizer']!r}: choose one of {', '.join(OPTIMIZERS)}",
            code=2,
        )
    for key in ("batch_size", "epochs", "limit"):
        if config[key] is not None and config[key] < 1:
            raise CliError(f"--{key.replace('_', '-')} must be positive, got {config[key]}", 2)
    if config["lr"] is not None and not config["lr"] > 0:
        raise CliError(f"--lr must be positive, got {config['lr']}", code=2)
    model = config["model"]
    if config["weight_init"] is not None:
        if model == "deep_cnn":
            raise CliError("deep_cnn always uses He initialisation: leave out --weight-init", 2)
        config["weight_init"] = _weight_init(config["weight_init"])
    if config["hidden"] is not None:
        config["hidden"] = _widths(config["hidden"], many=model == "mlp")
    if (config["dropout"] or config["batchnorm"]) and model != "mlp":
        raise CliError(f"--dropout and --batchnorm are options of --model mlp, not {model}", 2)
    if not 0.0 <= config["dropout"] < 1.0:
        raise CliError(f"--dropout must lie in [0, 1), got {config['dropout']}", code=2)
    config["l2"] = 0.0
    if config["weight_decay"]:
        if config["weight_decay"] < 0:
            raise CliError(f"--weight-decay must be >= 0, got {config['weight_decay']}", 2)
        if config["optimizer"] != "adamw":
            if model != "mlp":
                raise CliError(
                    "--weight-decay is L2 decay for --model mlp, or AdamW's decoupled decay "
                    "with --optimizer adamw",
                    code=2,
                )
            config["l2"] = config["weight_decay"]
    return config


def _weight_init(text):
    if str(text).lower() in ("he", "relu", "xavier", "glorot", "sigmoid"):
        return str(text).lower()
    try:
        value = float(text)
    except ValueError:
        raise CliError(f"--weight-init must be he, xavier or a number, got {text!r}", 2) from None
    if not value > 0:
        raise CliError(f"--weight-init must be positive, got {value}", code=2)
    return value


def _widths(text, many):
    try:
        widths = [int(w) for w in str(text).replace(" ", "").split(",") if w]
    except ValueError:
        raise CliError(f"--hidden must be widths such as 100,100, got {text!r}", 2) from None
    if not widths or min(widths) < 1 or (len(widths) > 1 and not many):
        raise CliError(
            f"--hidden must be {'widths such as 100,100' if many else 'one width'}, got {text!r}",
            code=2,
        )
    return widths


def _optimizer_param(config):
    param = {}
    if config["lr"] is not None:
        param["lr"] = config["lr"]
    if config["optimizer"] == "adamw" and config["weight_decay"]:
        param["weight_decay"] = config["weight_decay"]
    return param


def _load_data(dataset, model_or_network, data_dir, limit=None):
    """(x_train, t_train), (x_test, t_test) shaped for the network, the first `limit` of each."""
    from zerodl.datasets import load_dataset

    if isinstance(model_or_network, str):
        flatten = model_or_network in FLAT_MODELS
    else:
        flatten = len(model_or_network.input_shape or (784,)) == 1
    _say(f"loading {dataset}{' from ' + str(data_dir) if data_dir else ''} ...")
    with warnings.catch_warnings(record=True) as caught:  # each one line, not Python's two
        warnings.simplefilter("always")
        (x_train, t_train), (x_test, t_test) = load_dataset(
            dataset, flatten=flatten, data_dir=data_dir
        )
    for warning in caught:
        _say(f"warning: {warning.message}")
    if limit:
        x_train, t_train = x_train[:limit], t_train[:limit]
        x_test, t_test = x_test[:limit], t_test[:limit]
    return (x_train, t_train), (x_test, t_test)


def cmd_train(args):
    from zerodl.checkpoint import load_checkpoint, resume, save
    from zerodl.plots import plot_history
    from zerodl.trainer import Trainer

    if args.resume:
        ckpt_path = _checkpoint_path(args.resume, prefer="last.npz")
        ckpt = load_checkpoint(ckpt_path)
        config = ckpt.extra.get("config")
        if not isinstance(config, dict) or "model" not in config:
            raise CliError(f"{ckpt_path} was not written by 'zerodl train': cannot resume it")
        changed = [
            f"--{key.replace('_', '-')}"
            for key in TRAIN_DEFAULTS
            if key != "epochs" and getattr(args, key, None) is not None
        ]
        if changed:
            raise CliError(
                f"{', '.join(changed)} cannot change when resuming (the run keeps its own "
                "settings; see its config.json); start a new run instead",
                code=2,
            )
        if args.epochs is not None:
            config["epochs"] = args.epochs
        if ckpt.epoch >= config["epochs"]:  # before loading data or touching the run folder
            print(
                f"{ckpt_path.parent} already has {ckpt.epoch} epochs (of {config['epochs']}): "
                "nothing to do; pass --epochs N to train further"
            )
            return 0
        out = Path(args.out) if args.out else ckpt_path.parent
        network = ckpt.network
    else:
        config = _train_config(args)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        out = Path(args.out or Path("runs") / f"{config['model']}-{config['dataset']}-{stamp}")
        if (out / "last.npz").exists():
            raise CliError(
                f"{out} already holds a run: continue it with --resume {out}, or choose "
                "another --out",
                code=2,
            )
        config["data_dir"] = str(args.data_dir) if args.data_dir else None
        network = build_network(config)

    data_dir = args.data_dir if args.data_dir is not None else config.get("data_dir")
    (x_train, t_train), (x_test, t_test) = _load_data(
        config["dataset"], config["model"], data_dir, config.get("limit")
    )
    out.mkdir(parents=True, exist_ok=True)

    def on_epoch(trainer, record):
        extra = {"config": config, "dataset": config["dataset"]}
        save(network, out / "last.npz", trainer=trainer, **extra)
        if trainer.best is not None and trainer.best["epoch"] == record["epoch"]:
            save(network, out / "best.npz", trainer=trainer, **extra)
        _write_metrics(out / "metrics.csv", trainer.history)

    settings = dict(
        batch_size=config["batch_size"],
        seed=config["seed"],
        progress=args.progress,
        callbacks=[on_epoch],
        print_fn=lambda line: print(line, flush=True),
    )
    if args.resume:
        trainer = resume(ckpt, **settings)  # the optimiser and the trainer's state from the file
    else:
        optimizer_param = _optimizer_param(config)
        trainer = Trainer(network, config["optimizer"], optimizer_param=optimizer_param, **settings)
    config["lr"] = float(trainer.optimizer.lr)
    _write_text(out / "config.json", json.dumps(config, indent=2) + "\n")
    if not args.out and not args.resume:
        _point_latest(out)

    remaining = config["epochs"] - trainer.epoch
    _say(
        f"training {type(network).__name__} on {config['dataset']} ({len(x_train):,} images) "
        f"with {trainer.optimizer!r}, batch {config['batch_size']}; run folder {out}"
    )
    try:
        trainer.fit(x_train, t_train, remaining, validation_data=(x_test, t_test))
    except KeyboardInterrupt:
        if trainer.epoch == 0:
            _say("interrupted before the first epoch ended: nothing was saved")
        else:
            plot_history(trainer.history, out)
            _say(
                f"interrupted: epoch {trainer.epoch} of {config['epochs']} is saved in "
                f"{out / 'last.npz'}; continue with: zerodl train --resume {out}"
            )
        return 130
    plot_history(trainer.history, out)
    best = trainer.best
    if best is not None:
        print(f"best val_acc {best['value']:.4f} at epoch {best['epoch']}")
    print(f"saved {out}/: last.npz best.npz metrics.csv config.json loss.png accuracy.png")
    return 0


METRIC_COLUMNS = ("epoch", "loss", "acc", "val_loss", "val_acc", "lr", "seconds")


def _write_metrics(path, history):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(METRIC_COLUMNS)
    for i in range(len(history["epoch"])):
        row = [history[key][i] for key in METRIC_COLUMNS]
        writer.writerow(["" if v is None else v if isinstance(v, int) else f"{v:.6g}" for v in row])
    _write_text(path, buffer.getvalue())


def _write_text(path, text):
    """Write a small text file all at once (a temporary file renamed over it)."""
    with atomic_write(path) as f:
        f.write(text.encode("utf-8"))


def _point_latest(out):
    """Make runs/latest a symbolic link to the newest run (skipped where links are not allowed)."""
    latest = out.parent / "latest"
    try:
        if latest.is_symlink() or not latest.exists():
            tmp = out.parent / f".latest.{os.getpid()}"
            tmp.unlink(missing_ok=True)
            tmp.symlink_to(out.name, target_is_directory=True)
            os.replace(tmp, latest)
    except OSError:
        pass


# --- checkpoints as arguments ---------------------------------------------------------------------


def _checkpoint_path(text, prefer="best.npz"):
    """A checkpoint file from a path to a file or to a run folder (its best.npz or last.npz)."""
    path = Path(text)
    if path.is_dir():
        order = [prefer] + [n for n in ("best.npz", "last.npz") if n != prefer]
        for name in order:
            if (path / name).is_file():
                return path / name
        raise CliError(f"{path} holds no checkpoint ({' or '.join(order)}): train one first")
    if not path.exists():
        raise CliError(f"{path}: no such checkpoint file or run folder")
    return path


def _load(text):
    from zerodl.checkpoint import load_checkpoint

    return load_checkpoint(_checkpoint_path(text))


def _dataset_of(ckpt, args):
    dataset = getattr(args, "dataset", None) or ckpt.extra.get("dataset") or "mnist"
    if dataset not in DATASETS:
        raise CliError(f"unknown dataset {dataset!r}: pass --dataset {'|'.join(DATASETS)}", 2)
    return dataset


# --- evaluate -------------------------------------------------------------------------------------


def cmd_evaluate(args):
    from zerodl.functions import cross_entropy_error
    from zerodl.images import (
        class_names,
        confusion_matrix,
        format_confusion_matrix,
        image_grid,
        plot_confusion_matrix,
    )

    ckpt = _load(args.checkpoint)
    network = ckpt.network
    dataset = _dataset_of(ckpt, args)
    _check_image_network(network, ckpt.path)
    data_dir = args.data_dir or (ckpt.extra.get("config") or {}).get("data_dir")
    _, (x_test, t_test) = _load_data(dataset, network, data_dir, args.limit)

    probs = network.predict_proba(x_test)  # (N, K)
    predicted = probs.argmax(axis=1)
    k = probs.shape[1]
    names = class_names(dataset, k)
    cm = confusion_matrix(t_test, predicted, k)
    accuracy = float(np.mean(predicted == t_test))
    loss = cross_entropy_error(probs, t_test)

    epoch = f", epoch {ckpt.epoch}" if ckpt.epoch else ""
    print(f"{type(network).__name__} from {ckpt.path}{epoch}")
    print(f"{dataset} test set: {len(x_test):,} images")
    print(f"test accuracy {accuracy:.4f}  cross-entropy {loss:.4f}")  # no weight decay term
    print("per-class accuracy:")
    width = max(len(n) for n in names)
    for i, name in enumerate(names):
        total = int(cm[i].sum())
        share = f"{cm[i, i] / total:.4f}" if total else "   -  "
        print(f"  {name:>{width}}  {share}  ({int(cm[i, i])}/{total})")
    print("confusion matrix (rows: true class, columns: predicted class):")
    print(format_confusion_matrix(cm, names))

    out = Path(args.out) if args.out else ckpt.path.parent
    written = [plot_confusion_matrix(cm, out / "confusion_matrix.png", labels=names)]
    wrong = np.flatnonzero(predicted != t_test)[: max(args.show, 0)]
    if len(wrong):
        images = x_test[wrong].reshape(len(wrong), 28, 28)
        titles = [
            f"true {names[t_test[i]]}\npred {names[predicted[i]]} {probs[i].max():.0%}"
            for i in wrong
        ]
        written.append(
            image_grid(
                images,
                out / "misclassified.png",
                titles=titles,
                normalize=None,
                title=f"{int((predicted != t_test).sum())} misclassified of {len(x_test)}",
            )
        )
    _say("wrote " + ", ".join(str(p) for p in written))
    return 0


def _check_image_network(network, path):
    shape = tuple(network.input_shape or ())
    if shape not in ((784,), (1, 28, 28)):
        raise CliError(
            f"{path}: the network takes inputs of shape {shape}, not 28x28 images (784 or "
            "(1, 28, 28))"
        )


# --- predict --------------------------------------------------------------------------------------


def cmd_predict(args):
    from zerodl.images import ImageError, class_names, load_digit, to_network_input

    if args.top < 1:
        raise CliError(f"--top must be at least 1, got {args.top}", code=2)
    ckpt = _load(args.checkpoint)
    network = ckpt.network
    _check_image_network(network, ckpt.path)
    dataset = ckpt.extra.get("dataset") or "mnist"
    style = args.style or ("fashion" if dataset == "fashion-mnist" else "mnist")
    failures = 0
    for name in args.images:
        try:
            x = load_digit(name, style=style)  # (28, 28)
        except ImageError as err:
            _say(f"zerodl predict: error: {err}")
            failures += 1
            continue
        probs = network.predict_proba(to_network_input(x, network.input_shape))[0]  # (K,)
        names = class_names(dataset, len(probs))
        top = np.argsort(-probs, kind="stable")[: args.top]
        print(f"{name}: " + "  ".join(f"{names[k]} ({probs[k]:.1%})" for k in top))
        if args.save_input:
            target = Path(args.save_input) / (Path(name).stem + "_28x28.png")
            _save_grey_png(x, target)
    if failures:
        _say(f"{failures} of {len(args.images)} images could not be read")
        return 1
    return 0


def _save_grey_png(x, path):
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.round(x * 255).astype(np.uint8)).save(path)


# --- gradcheck ------------------------------------------------------------------------------------


def small_network(model, seed=0):
    """A small float64 instance of `model`, its inputs and labels, for gradient checking."""
    from zerodl.networks import DeepConvNet, MultiLayerNet, SimpleConvNet, TwoLayerNet

    rng = np.random.default_rng(seed)
    kw = {"seed": seed, "dtype": np.float64}
    if model == "two_layer":
        network, shape = TwoLayerNet(12, 7, 4, weight_init_std=0.5, **kw), (12,)
    elif model == "mlp":
        network = MultiLayerNet(
            12, [8, 6], 4, use_batchnorm=True, use_dropout=True, weight_decay_lambda=0.1, **kw
        )
        shape = (12,)
    elif model == "simple_cnn":
        network = SimpleConvNet(
            input_dim=(1, 8, 8),
            conv_param={"filter_num": 3, "filter_size": 3, "pad": 1, "stride": 1},
            hidden_size=10,
            output_size=4,
            weight_init_std=0.3,
            **kw,
        )
        shape = (1, 8, 8)
    elif model == "deep_cnn":
        # 8x8 input: 16x8x8, 32x4x4 -> 32x6x6 (pad 2), 64x3x3 -> 64x1x1 after the poolings
        network = DeepConvNet(input_dim=(1, 8, 8), output_size=4, hidden_size=8, **kw)
        shape = (1, 8, 8)
    else:
        raise CliError(f"unknown model {model!r}", code=2)
    x = rng.standard_normal((3, *shape))
    t = rng.integers(0, 4, size=3)
    return network, x, t


def cmd_gradcheck(args):
    from zerodl.gradient import gradcheck

    models = MODELS if args.model == "all" else (args.model,)
    if args.sample is not None and args.sample < 1:
        raise CliError(f"--sample must be at least 1, got {args.sample}", code=2)
    print(f"{'model':<12}{'array':<8}{'shape':<18}{'max rel. error':>16}")
    worst, failed, count = 0.0, [], 0
    for model in models:
        network, x, t = small_network(model, args.seed)
        sample = args.sample if args.sample is not None else (20 if model == "deep_cnn" else None)
        start = time.perf_counter()
        errors = gradcheck(network, x, t, sample=sample, seed=args.seed, verbose=False)
        for name, error in errors.items():
            shape = x.shape if name == "x" else network.params[name].shape
            mark = "" if error < args.tolerance else "  FAIL"
            print(f"{model:<12}{name:<8}{str(shape):<18}{error:>16.2e}{mark}")
            worst, count = max(worst, error), count + 1
            if error >= args.tolerance:
                failed.append(f"{model}.{name}")
        note = f" ({sample} sampled elements per array)" if sample else ""
        _say(f"{model}: {time.perf_counter() - start:.1f}s{note}")
    if failed:
        print(f"{len(failed)} of {count} gradients disagree (tolerance {args.tolerance:g}): ")
        print("  " + ", ".join(failed))
        return 1
    print(f"all {count} gradients agree: max relative error {worst:.1e} < {args.tolerance:g}")
    return 0


# --- compare --------------------------------------------------------------------------------------


def cmd_compare(args):
    from zerodl import experiments

    if args.iterations < 1 or args.batch_size < 1:
        raise CliError("--iterations and --batch-size must be at least 1", code=2)
    (x_train, t_train), _ = _load_data("mnist", "mlp", args.data_dir)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    run = {
        "optimizers": experiments.compare_optimizers,
        "init": experiments.compare_initializations,
    }
    path = out / f"compare_{args.experiment}.png"
    _say(f"{args.iterations} steps each, batch {args.batch_size} ...")
    losses = run[args.experiment](
        x_train,
        t_train,
        iterations=args.iterations,
        batch_size=args.batch_size,
        seed=args.seed,
        path=path,
    )
    print(experiments.final_loss_table(losses))
    _say(f"wrote {path}")
    return 0


# --- visualize ------------------------------------------------------------------------------------


def cmd_visualize(args):
    from zerodl.images import image_grid

    ckpt = _load(args.checkpoint)
    network = ckpt.network
    first = next((layer for layer in network.layers if "W" in layer.params), None)
    if first is None:
        raise CliError(f"{ckpt.path}: the network has no weights to draw")
    w = first.params["W"]
    limit = max(args.max, 1)
    if w.ndim == 4:  # (FN, C, FH, FW): the convolution filters
        images, what = w[:limit], f"{len(w)} filters {w.shape[2]}x{w.shape[3]} of the first layer"
    else:  # (D, M): unit j's weights are column j, an image when D is a square
        side = int(round(np.sqrt(w.shape[0])))
        if side * side != w.shape[0]:
            raise CliError(f"{ckpt.path}: the first layer's {w.shape[0]} inputs are no image")
        images = w.T[:limit].reshape(-1, side, side)
        what = f"weights of {min(limit, w.shape[1])} of {w.shape[1]} hidden units, {side}x{side}"
    out = Path(args.out) if args.out else ckpt.path.parent / "filters.png"
    image_grid(images, out, title=what)
    print(f"wrote {out}: {what}")
    return 0


# --- summary --------------------------------------------------------------------------------------


def cmd_summary(args):
    if (args.checkpoint is None) == (args.model is None):
        raise CliError("give a CHECKPOINT or --model NAME (one of them)", code=2)
    if args.model:
        network = build_network({**TRAIN_DEFAULTS, "model": args.model})
    else:
        network = _load(args.checkpoint).network
    network.summary(file=sys.stdout)
    return 0


# --- bench ----------------------------------------------------------------------------------------


def cmd_bench(argv):
    """zerodl bench ARGS: the benchmark program (zerodl.benchmark) with ARGS."""
    from zerodl.benchmark import main as bench_main

    if argv[:1] == ["--"]:
        argv = argv[1:]
    return int(bench_main(argv, prog="zerodl bench", parser_class=_Parser) or 0)
