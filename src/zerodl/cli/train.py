"""zerodl train: train a network and write a run folder."""

import argparse
import csv
import io
import json
import os
from datetime import datetime
from pathlib import Path

from zerodl import distributed
from zerodl.atomic import atomic_write
from zerodl.checkpoint import save
from zerodl.cli.common import (
    DATASETS,
    CliError,
    SharedError,
    UsageError,
    count,
    end_all_processes_on_error,
    folder,
    library_checks,
    load,
    load_data,
    say,
    seed,
    takes_flat_input,
)
from zerodl.datasets import validation_split
from zerodl.datasets.augment import RandomAffine
from zerodl.networks import registry
from zerodl.plots import plot_history
from zerodl.schedules import create_schedule
from zerodl.trainer import Trainer, TrainingDivergedError, resume

HELP = (
    "Train a network and write a run folder: last.npz, best.npz, metrics.csv, config.json, "
    "loss.png, accuracy.png."
)
EXAMPLES = """\
examples:
  zerodl train                                  # SimpleConvNet, MNIST, Adam, 5 epochs
  zerodl train --model mlp --batchnorm --dropout 0.2 --epochs 10
  zerodl train --epochs 1 --limit 5000          # a quick try on 5000 images
  zerodl train --resume runs/latest --epochs 8  # continue a run up to 8 epochs
  zerodl train --model deep_cnn --batchnorm --augment --val-split 5000 \
      --lr-schedule cosine --warmup 1 --epochs 15  # beyond the book: see the README
  mpiexec -n 2 zerodl train --model deep_cnn    # one model, two processes (zerodl[mpi])

The run folder is --out, by default runs/<model>-<dataset>-<date>-<time>; runs/latest
then points to it. The test set serves as validation data, as in the book,
unless --val-split N holds out N training images for choosing the best epoch: then
the test set is scored once, at the end, on the best epoch's network (test.json). Ctrl-C
stops after keeping the last complete epoch, which --resume continues exactly. Under
mpiexec, the processes share every batch and process 0 writes the run folder."""

# The library's names of the arguments the options set (an ArgumentError's `argument`), so
# that its complaints name the options.
OPTIONS = {
    "optimizer": "--optimizer",
    "learning rate": "--lr",
    "batch_size": "--batch-size",
    "weight_init_std": "--weight-init",
    "dropout_ratio": "--dropout",
    "weight_decay_lambda": "--weight-decay",  # MultiLayerNet's L2 term
    "weight decay": "--weight-decay",  # AdamW's decoupled decay
    "validation size": "--val-split",
    "warmup": "--warmup",
}

# The defaults of `zerodl train`; options left out keep these, and config.json records them.
TRAIN_DEFAULTS = {
    "model": "simple_cnn",
    "dataset": "mnist",
    "optimizer": "adam",
    "lr": None,  # None: the optimiser's own default (Adam 0.001, SGD 0.01, ...)
    "batch_size": 100,
    "epochs": 5,
    "seed": 0,
    "weight_init": None,  # None: the model's (He; the book's 0.01 for two_layer)
    "hidden": None,  # None: the model's default widths
    "dropout": 0.0,
    "batchnorm": False,
    "weight_decay": 0.0,
    "limit": None,
    "augment": False,  # random shifts, rotations and scalings of every batch
    "val_split": 0,  # training images held out for validation (0: validate on the test set)
    "lr_schedule": "constant",
    "warmup": 0,  # epochs of linear warm-up (cosine schedule)
}
METRIC_COLUMNS = ("epoch", "loss", "acc", "val_loss", "val_acc", "lr", "seconds")


def widths(text):
    """argparse type: hidden layer widths such as 100,100."""
    try:
        values = [int(w) for w in text.replace(" ", "").split(",") if w]
    except ValueError:
        values = []
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"must be widths such as 100,100, got {text!r}")
    return values


def weight_init(text):
    """argparse type: a standard deviation such as 0.01, or a name ('he', 'xavier')."""
    try:
        return float(text)
    except ValueError:
        return text.lower()  # the network checks the name


def add_arguments(parser):
    models = tuple(registry.MODELS)
    parser.add_argument("--model", choices=models, help="the network (default simple_cnn)")
    parser.add_argument("--dataset", choices=DATASETS, help="the images (default mnist)")
    parser.add_argument(
        "--optimizer", help="sgd, momentum, nesterov, adagrad, rmsprop, adam, adamw"
    )
    parser.add_argument("--lr", type=float, help="learning rate (default: the optimiser's, 0.001)")
    parser.add_argument("--batch-size", type=count, help="samples per step (default 100)")
    parser.add_argument("--epochs", type=count, help="total epochs of the run (default 5)")
    parser.add_argument("--seed", type=seed, help="seed of weights, order and dropout (default 0)")
    parser.add_argument(
        "--weight-init", type=weight_init, help="he, xavier or a standard deviation such as 0.01"
    )
    parser.add_argument("--hidden", type=widths, help="hidden layer widths, e.g. 100,100 (mlp)")
    parser.add_argument("--dropout", type=float, help="dropout ratio after each hidden layer (mlp)")
    parser.add_argument(
        "--batchnorm", action="store_true", default=None, help="batch norm (mlp, deep_cnn)"
    )
    parser.add_argument("--weight-decay", type=float, help="L2 weight decay (mlp; or adamw's)")
    parser.add_argument("--limit", type=count, help="use the first N training (and test) images")
    parser.add_argument(
        "--augment",
        action="store_true",
        default=None,
        help="shift, rotate and scale every training batch a little (zerodl.datasets.augment)",
    )
    parser.add_argument(
        "--val-split",
        type=count,
        metavar="N",
        help="hold out N training images to choose the best epoch; the test set is then scored "
        "once, at the end",
    )
    parser.add_argument(
        "--lr-schedule",
        choices=("constant", "step", "cosine"),
        help="learning rate over the epochs (default constant; step: x0.1 at 1/2 and 3/4)",
    )
    parser.add_argument("--warmup", type=count, help="epochs of linear warm-up (cosine)")
    parser.add_argument("--data-dir", help="folder holding the dataset's IDX files")
    parser.add_argument(
        "--out", type=folder, help="the run folder (default runs/<model>-<dataset>-<date>-<time>)"
    )
    parser.add_argument("--resume", metavar="RUN", help="a run folder or checkpoint to continue")
    parser.add_argument(
        "--no-progress", dest="progress", action="store_false", default=None, help="no bar"
    )


def run(args):
    if distributed.launched_processes() == 1:
        return train(args)
    # mpiexec started several processes: they train one model together (zerodl.distributed)
    group = distributed.world()
    group.share_cores()
    with end_all_processes_on_error(group, "zerodl train"), library_checks(OPTIONS):
        return train(args, group)


def train(args, group=None):
    """Train as the options say; with a ProcessGroup, this process's part of a distributed
    run, in which process 0 alone prints and writes the run folder."""
    root = group is None or group.is_root
    if args.resume:
        ckpt = _checkpoint_to_resume(args)
        config = ckpt.extra["config"]
        if ckpt.epoch >= config["epochs"]:  # before loading data or touching the run folder
            if root:
                print(
                    f"{ckpt.path.parent} already has {ckpt.epoch} epochs (of "
                    f"{config['epochs']}): nothing to do; pass --epochs N to train further"
                )
            return 0
        out = Path(args.out) if args.out else ckpt.path.parent
        network = ckpt.network
    else:
        config = _new_config(args)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        out = Path(args.out or Path("runs") / f"{config['model']}-{config['dataset']}-{stamp}")
        if (out / "last.npz").exists():
            raise UsageError(
                f"{out} already holds a run: continue it with --resume {out}, or choose "
                "another --out"
            )
        network = build_network(config)

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
        callbacks=[on_epoch] if root else [],  # process 0 writes the run folder
        print_fn=lambda line: print(line, flush=True),
        augment=RandomAffine() if config.get("augment") else None,
        comm=group,
    )
    if args.resume:
        trainer = resume(ckpt, **settings)  # the optimiser and the trainer's state from the file
    else:  # the library checks the optimiser, its settings and the batch size here
        trainer = Trainer(
            network, config["optimizer"], optimizer_param=_optimizer_param(config), **settings
        )
    if not args.resume:  # a resumed run keeps its base rate (the optimiser's is the schedule's)
        config["lr"] = float(trainer.optimizer.lr)
    trainer.lr_schedule = _schedule(config)

    data_dir = args.data_dir if args.data_dir is not None else config.get("data_dir")
    (x_train, t_train), (x_test, t_test) = load_data(
        config["dataset"], takes_flat_input(network), data_dir, config.get("limit"), not root
    )
    validation = (x_test, t_test)  # the book's way: the test set, every epoch
    if config.get("val_split"):  # or held-out training images; the test set waits for the end
        (x_train, t_train), validation = validation_split(
            x_train, t_train, config["val_split"], seed=config["seed"]
        )
    if root:
        out.mkdir(parents=True, exist_ok=True)
        _write_text(out / "config.json", json.dumps(config, indent=2) + "\n")
        if not args.out and not args.resume:
            _point_latest(out)
        processes = f" on {group.size} processes" if group is not None else ""
        say(
            f"training {type(network).__name__} on {config['dataset']} ({len(x_train):,} "
            f"images){processes} with {trainer.optimizer!r}, batch {config['batch_size']}; "
            f"run folder {out}"
        )
    try:
        trainer.fit(x_train, t_train, config["epochs"] - trainer.epoch, validation_data=validation)
    except TrainingDivergedError as err:  # every process stops at the same step: no abort
        if not root:
            return 1
        raise SharedError(_diverged(err, trainer, out, resumed=bool(args.resume))) from err
    except KeyboardInterrupt:
        if not root:
            raise
        if trainer.epoch == 0:
            say("interrupted before the first epoch ended: nothing was saved")
        else:
            plot_history(trainer.history, out)
            say(
                f"interrupted: epoch {trainer.epoch} of {config['epochs']} is saved in "
                f"{out / 'last.npz'}; continue with: zerodl train --resume {out}"
            )
        if group is not None:
            raise  # the other processes may be waiting in an Allreduce: end them all
        return 130
    if not root:
        return 0
    plot_history(trainer.history, out)
    if trainer.best is not None:
        print(f"best val_acc {trainer.best['value']:.4f} at epoch {trainer.best['epoch']}")
    files = "last.npz best.npz metrics.csv config.json loss.png accuracy.png"
    if config.get("val_split"):
        _score_test_once(out, x_test, t_test)
        files += " test.json"
    print(f"saved {out}/: {files}")
    return 0


def _schedule(config):
    """The learning-rate schedule the config names (None: constant), from the optimiser's lr."""
    name, lr, epochs = config.get("lr_schedule", "constant"), config["lr"], config["epochs"]
    if name == "cosine":
        return create_schedule("cosine", lr, total=epochs, warmup=config.get("warmup", 0))
    if name == "step":  # x0.1 at half the epochs and again at three quarters
        return lambda epoch: lr * 0.1 ** ((epoch >= epochs // 2) + (epoch >= 3 * epochs // 4))
    return None


def _score_test_once(out, x_test, t_test):
    """Score the best epoch's network (chosen on the validation split) on the test set, once."""
    best = load(str(out / "best.npz"))
    figures = Trainer(best.network, verbose=False).evaluate(x_test, t_test)
    result = {
        "test_acc": figures["acc"],
        "test_loss": figures["loss"],
        "epoch": best.epoch,
        "val_acc": best.trainer_state["best"]["value"],
        "test_images": len(x_test),
    }
    _write_text(out / "test.json", json.dumps(result, indent=2) + "\n")
    print(
        f"test accuracy {result['test_acc']:.4f} (scored once, on epoch {best.epoch}, chosen by "
        f"val_acc {result['val_acc']:.4f})"
    )


def _diverged(err, trainer, out, resumed):
    """The one line of a run stopped by TrainingDivergedError: where, the loss, what to do, and
    what was kept (the checkpoint of the last complete epoch, which the bad step never reached)."""
    loss = "" if "loss" in err.reason else f" (loss {err.loss:.4g})"
    lower = "start a new run with a lower --lr" if resumed else "lower --lr"
    if trainer.epoch:
        plot_history(trainer.history, out)
        kept = f"{out / 'last.npz'} keeps epoch {trainer.epoch}, the last good one"
    else:
        kept = "nothing was saved (no epoch was complete)"
    return (
        f"training diverged in epoch {err.epoch} (step {err.step} of {err.steps}): "
        f"{err.reason}{loss}; {lower} (it is {err.lr:g}); {kept}"
    )


# --- the network and the optimiser from the options -------------------------------------------


def _new_config(args):
    """The config of a new run: the defaults, overridden by the options given.

    Only what the CLI alone can judge is checked here (which options go together); the values
    themselves are checked by the network and the Trainer as they are built.
    """
    config = dict(TRAIN_DEFAULTS)
    for key in TRAIN_DEFAULTS:
        if getattr(args, key, None) is not None:
            config[key] = getattr(args, key)
    config["optimizer"] = config["optimizer"].lower()
    config["data_dir"] = str(args.data_dir) if args.data_dir else None
    model = config["model"]
    if config["weight_init"] is not None and model == "deep_cnn":
        raise UsageError("deep_cnn always uses He initialisation: leave out --weight-init")
    if config["hidden"] is not None and len(config["hidden"]) > 1 and model != "mlp":
        given = ",".join(map(str, config["hidden"]))
        raise UsageError(f"--hidden of --model {model} is one width, got {given}")
    if config["dropout"] and model != "mlp":
        raise UsageError(f"--dropout is an option of --model mlp, not {model}")
    if config["batchnorm"] and model not in ("mlp", "deep_cnn"):
        raise UsageError(f"--batchnorm is an option of --model mlp or deep_cnn, not {model}")
    if config["warmup"] and config["lr_schedule"] != "cosine":
        raise UsageError("--warmup goes with --lr-schedule cosine")
    config["l2"] = 0.0
    if config["weight_decay"] and config["optimizer"] != "adamw":
        if model != "mlp":
            raise UsageError(
                "--weight-decay is L2 decay for --model mlp, or AdamW's decoupled decay "
                "with --optimizer adamw"
            )
        config["l2"] = config["weight_decay"]
    return config


def build_network(config):
    """The network a train config describes: the registry's model with the options on top."""
    model = config["model"]
    hidden, init = config.get("hidden"), config.get("weight_init")
    overrides = {}
    if model == "mlp":
        if hidden:
            overrides["hidden_size_list"] = hidden
        if config.get("dropout"):
            overrides.update(use_dropout=True, dropout_ratio=config["dropout"])
        if config.get("batchnorm"):
            overrides["use_batchnorm"] = True
        if config.get("l2"):
            overrides["weight_decay_lambda"] = config["l2"]
    else:
        if hidden:
            overrides["hidden_size"] = hidden[0]
        if config.get("batchnorm"):  # deep_cnn
            overrides["use_batchnorm"] = True
    if init is not None:
        overrides["weight_init_std"] = init
    return registry.build(model, seed=config["seed"], **overrides)


def _optimizer_param(config):
    param = {}
    if config["lr"] is not None:
        param["lr"] = config["lr"]
    if config["optimizer"] == "adamw" and config["weight_decay"]:
        param["weight_decay"] = config["weight_decay"]
    return param


def _checkpoint_to_resume(args):
    """The run's last checkpoint; only --epochs (and --out, --data-dir) may be given with it."""
    ckpt = load(args.resume, prefer="last.npz")
    config = ckpt.extra.get("config")
    if not isinstance(config, dict) or "model" not in config:
        raise CliError(f"{ckpt.path} was not written by 'zerodl train': cannot resume it")
    changed = [
        f"--{key.replace('_', '-')}"
        for key in TRAIN_DEFAULTS
        if key != "epochs" and getattr(args, key, None) is not None
    ]
    if changed:
        raise UsageError(
            f"{', '.join(changed)} cannot change when resuming (the run keeps its own "
            "settings; see its config.json); start a new run instead"
        )
    if args.epochs is not None:
        config["epochs"] = args.epochs
    return ckpt


# --- the run folder's text files ----------------------------------------------------------------


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
