"""zerodl train: train a network and write a run folder."""

import argparse

from zerodl import distributed, schedules
from zerodl.checkpoint import load_checkpoint
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
from zerodl.datasets.augment import RandomAffine, augmentation_for
from zerodl.distributed import OneProcess
from zerodl.i18n import N_, _
from zerodl.networks import registry
from zerodl.run_folder import METRIC_COLUMNS, RunFolder  # noqa: F401 (METRIC_COLUMNS: its old home)
from zerodl.trainer import Trainer, TrainingDivergedError, resume

HELP = N_(
    "Train a network and write a run folder: last.npz, best.npz, metrics.csv, config.json, "
    "loss.png, accuracy.png."
)
EXAMPLES = N_("""\
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
mpiexec, the processes share every batch and process 0 writes the run folder.""")

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


def widths(text):
    """argparse type: hidden layer widths such as 100,100."""
    try:
        values = [int(w) for w in text.replace(" ", "").split(",") if w]
    except ValueError:
        values = []
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(
            _("must be widths such as 100,100, got {value}").format(value=repr(text))
        )
    return values


def weight_init(text):
    """argparse type: a standard deviation such as 0.01, or a name ('he', 'xavier')."""
    try:
        return float(text)
    except ValueError:
        return text.lower()  # the network checks the name


def add_arguments(parser):
    models = tuple(registry.MODELS)
    parser.add_argument("--model", choices=models, help=_("the network (default simple_cnn)"))
    parser.add_argument("--dataset", choices=DATASETS, help=_("the images (default mnist)"))
    parser.add_argument(
        "--optimizer", help=_("sgd, momentum, nesterov, adagrad, rmsprop, adam, adamw")
    )
    parser.add_argument(
        "--lr", type=float, help=_("learning rate (default: the optimiser's, 0.001)")
    )
    parser.add_argument("--batch-size", type=count, help=_("samples per step (default 100)"))
    parser.add_argument("--epochs", type=count, help=_("total epochs of the run (default 5)"))
    parser.add_argument(
        "--seed", type=seed, help=_("seed of weights, order and dropout (default 0)")
    )
    parser.add_argument(
        "--weight-init",
        type=weight_init,
        help=_("he, xavier or a standard deviation such as 0.01"),
    )
    parser.add_argument("--hidden", type=widths, help=_("hidden layer widths, e.g. 100,100 (mlp)"))
    parser.add_argument(
        "--dropout", type=float, help=_("dropout ratio after each hidden layer (mlp)")
    )
    parser.add_argument(
        "--batchnorm", action="store_true", default=None, help=_("batch norm (mlp, deep_cnn)")
    )
    parser.add_argument("--weight-decay", type=float, help=_("L2 weight decay (mlp; or adamw's)"))
    parser.add_argument("--limit", type=count, help=_("use the first N training (and test) images"))
    parser.add_argument(
        "--augment",
        action="store_true",
        default=None,
        help=_(
            "move every training batch a little: digits shifted, turned and scaled, clothes "
            "shifted and mirrored (zerodl.datasets.augment)"
        ),
    )
    parser.add_argument(
        "--val-split",
        type=count,
        metavar="N",
        help=_(
            "hold out N training images to choose the best epoch; the test set is then scored "
            "once, at the end"
        ),
    )
    parser.add_argument(
        "--lr-schedule",
        choices=("constant", "step", "cosine"),
        help=_("learning rate over the epochs (default constant; step: x0.1 at 1/2 and 3/4)"),
    )
    parser.add_argument("--warmup", type=count, help=_("epochs of linear warm-up (cosine)"))
    parser.add_argument("--data-dir", help=_("folder holding the dataset's IDX files"))
    parser.add_argument(
        "--out",
        type=folder,
        help=_("the run folder (default runs/<model>-<dataset>-<date>-<time>)"),
    )
    parser.add_argument("--resume", metavar="RUN", help=_("a run folder or checkpoint to continue"))
    parser.add_argument(
        "--no-progress",
        dest="progress",
        action="store_false",
        default=None,
        help=_("no progress bar"),
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
    group = group or OneProcess()
    if args.resume:
        ckpt, config = _checkpoint_to_resume(args)
        if ckpt.epoch >= config["epochs"]:  # before loading data or touching the run folder
            if group.is_root:
                print(
                    _(
                        "{run} already has {done} epochs (of {epochs}): nothing to do; pass "
                        "--epochs N to train further"
                    ).format(run=ckpt.path.parent, done=ckpt.epoch, epochs=config["epochs"])
                )
            return 0
        run_folder = RunFolder(args.out or ckpt.path.parent)
        network = ckpt.network
        if group.is_root:  # the first line: what is resumed, before the data loads
            say(
                _("resuming {run} after epoch {epoch} of {epochs}").format(
                    run=run_folder, epoch=ckpt.epoch, epochs=config["epochs"]
                )
            )
    else:
        config = _new_config(args)
        run_folder = (
            RunFolder(args.out) if args.out else RunFolder.new(config["model"], config["dataset"])
        )
        if run_folder.holds_run():
            raise UsageError(
                _(
                    "{run} already holds a run: continue it with --resume {run}, or choose "
                    "another --out"
                ).format(run=run_folder)
            )
        network = build_network(config)
    trainer = _trainer(args, config, network, run_folder, group, ckpt if args.resume else None)
    (x_train, t_train), validation, (x_test, t_test) = _data(args, config, network, group)
    if group.is_root:
        if group.size > 1:
            line = _(
                "training {network} on {dataset} ({images} images) on {processes} processes "
                "with {optimizer}, batch {batch}; run folder {run}"
            )
        else:
            line = _(
                "training {network} on {dataset} ({images} images) with {optimizer}, batch "
                "{batch}; run folder {run}"
            )
        say(
            line.format(
                network=type(network).__name__,
                dataset=config["dataset"],
                images=f"{len(x_train):,}",
                processes=group.size,
                optimizer=repr(trainer.optimizer),
                batch=config["batch_size"],
                run=run_folder,
            )
        )
    try:
        trainer.fit(x_train, t_train, config["epochs"] - trainer.epoch, validation_data=validation)
    except TrainingDivergedError as err:  # every process stops at the same step: no abort
        if not group.is_root:
            return 1
        raise SharedError(_diverged(err, trainer, run_folder, resumed=bool(args.resume))) from err
    except KeyboardInterrupt:
        if not group.is_root:
            raise
        _interrupted(trainer, run_folder, config)
        if group.size > 1:
            raise  # the other processes may be waiting in an Allreduce: end them all
        return 130
    if group.is_root:
        _report(trainer, run_folder, config, x_test, t_test)
    return 0


def _data(args, config, network, group):
    """(training data, validation data, test data) of the run, shaped for `network`."""
    data_dir = args.data_dir if args.data_dir is not None else config.get("data_dir")
    (x_train, t_train), (x_test, t_test) = load_data(
        config["dataset"], takes_flat_input(network), data_dir, config.get("limit"),
        quiet=not group.is_root,
    )  # fmt: skip
    validation = (x_test, t_test)  # the book's way: the test set, every epoch
    if config.get("val_split"):  # or held-out training images; the test set waits for the end
        (x_train, t_train), validation = validation_split(
            x_train, t_train, config["val_split"], seed=config["seed"]
        )
    return (x_train, t_train), validation, (x_test, t_test)


def _trainer(args, config, network, run_folder, group, ckpt=None):
    """The Trainer of the run: a new one, or the resumed checkpoint's (its optimiser and state),
    with the schedule of the config; after each epoch, process 0 saves into the run folder."""

    def save_epoch(trainer, record):
        best = trainer.best is not None and trainer.best["epoch"] == record["epoch"]
        new_folder = not run_folder.path.exists()
        run_folder.save_epoch(network, trainer, config, best)
        if new_folder and not args.out:
            run_folder.point_latest()

    settings = dict(
        batch_size=config["batch_size"],
        seed=config["seed"],
        progress=args.progress,
        callbacks=[save_epoch] if group.is_root else [],  # process 0 writes the run folder
        print_fn=lambda line: print(line, flush=True),
        augment=_augmentation(config),
        comm=group if group.size > 1 else None,
    )
    if ckpt is not None:  # a resumed run keeps its base rate (the optimiser's is the schedule's)
        trainer = resume(ckpt, **settings)
    else:  # the library checks the optimiser, its settings and the batch size here
        trainer = Trainer(
            network, config["optimizer"], optimizer_param=_optimizer_param(config), **settings
        )
        config["lr"] = float(trainer.optimizer.lr)
    name = config.get("lr_schedule", "constant")
    if name != "constant":
        trainer.lr_schedule = schedules.over_epochs(
            name, config["lr"], config["epochs"], config.get("warmup", 0)
        )
    return trainer


def _augmentation(config):
    """The run's RandomAffine, or None. A new run records its moves in config.json
    ("augmentation"), the dataset's (datasets.augment.AUGMENTATIONS); a run folder from before
    that key, with "augment": true, resumes with the shifts, turns and scalings it began with."""
    if not config.get("augment"):
        return None
    if "augmentation" not in config:
        return RandomAffine()
    return RandomAffine(**config["augmentation"])


def _report(trainer, run_folder, config, x_test, t_test):
    """The end of a run: the pictures, the best epoch, the one test score (--val-split)."""
    run_folder.plot(trainer.history)
    if trainer.best is not None:
        print(
            _("best val_acc {value} at epoch {epoch}").format(
                value=f"{trainer.best['value']:.4f}", epoch=trainer.best["epoch"]
            )
        )
    files = "last.npz best.npz metrics.csv config.json loss.png accuracy.png"
    if config.get("val_split"):
        _score_test_once(run_folder, x_test, t_test)
        files += " test.json"
    print(_("saved {run}/: {files}").format(run=run_folder, files=files))


def _interrupted(trainer, run_folder, config):
    if trainer.epoch == 0:
        say(_("interrupted before the first epoch ended: nothing was saved"))
        return
    run_folder.plot(trainer.history)
    say(
        _(
            "interrupted: epoch {epoch} of {epochs} is saved in {last}; continue with: "
            "zerodl train --resume {run}"
        ).format(epoch=trainer.epoch, epochs=config["epochs"], last=run_folder.last, run=run_folder)
    )


def _score_test_once(run_folder, x_test, t_test):
    """Score the best epoch's network (chosen on the validation split) on the test set, once."""
    best = load_checkpoint(run_folder.best)
    figures = Trainer(best.network, verbose=False).evaluate(x_test, t_test)
    result = {
        "test_acc": figures["acc"],
        "test_loss": figures["loss"],
        "epoch": best.epoch,
        "val_acc": best.trainer_state["best"]["value"],
        "test_images": len(x_test),
    }
    run_folder.write_test(result)
    print(
        _(
            "test accuracy {accuracy} (scored once, on epoch {epoch}, chosen by val_acc {value})"
        ).format(
            accuracy=f"{result['test_acc']:.4f}", epoch=best.epoch, value=f"{result['val_acc']:.4f}"
        )
    )


def _diverged(err, trainer, run_folder, resumed):
    """The one line of a run stopped by TrainingDivergedError: where, the loss, what to do, and
    what was kept (the checkpoint of the last complete epoch, which the bad step never reached;
    before the first epoch ends, nothing: no run folder is left behind)."""
    # The reason names the loss when it is about the loss ("the loss is nan"); else add it.
    shown = err.loss is None or f"{err.loss:.4g}" in err.reason
    reason = err.reason.translated() if hasattr(err.reason, "translated") else err.reason
    if not shown:
        reason = _("{reason} (loss {loss})").format(reason=reason, loss=f"{err.loss:.4g}")
    if resumed:
        lower = _("start a new run with a lower --lr (it is {lr})")
    else:
        lower = _("lower --lr (it is {lr})")
    lower = lower.format(lr=f"{err.lr:g}")
    if trainer.epoch:
        run_folder.plot(trainer.history)
        kept = _("{last} keeps epoch {epoch}, the last good one").format(
            last=run_folder.last, epoch=trainer.epoch
        )
    else:
        kept = _("nothing was saved (no epoch was complete)")
    return _(
        "training diverged in epoch {epoch} (step {step} of {steps}): {reason}; {what_to_do}; "
        "{kept}"
    ).format(
        epoch=err.epoch, step=err.step, steps=err.steps, reason=reason, what_to_do=lower, kept=kept
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
        raise UsageError(_("deep_cnn always uses He initialisation: leave out --weight-init"))
    if config["hidden"] is not None and len(config["hidden"]) > 1 and model != "mlp":
        given = ",".join(map(str, config["hidden"]))
        raise UsageError(
            _("--hidden of --model {model} is one width, got {widths}").format(
                model=model, widths=given
            )
        )
    if config["dropout"] and model != "mlp":
        raise UsageError(
            _("--dropout is an option of --model mlp, not {model}").format(model=model)
        )
    if config["batchnorm"] and model not in ("mlp", "deep_cnn"):
        raise UsageError(
            _("--batchnorm is an option of --model mlp or deep_cnn, not {model}").format(
                model=model
            )
        )
    if config["warmup"] and config["lr_schedule"] != "cosine":
        raise UsageError(_("--warmup goes with --lr-schedule cosine"))
    config["l2"] = 0.0
    if config["weight_decay"] and config["optimizer"] != "adamw":
        if model != "mlp":
            raise UsageError(
                _(
                    "--weight-decay is L2 decay for --model mlp, or AdamW's decoupled decay "
                    "with --optimizer adamw"
                )
            )
        config["l2"] = config["weight_decay"]
    if config["augment"]:  # the moves that suit the dataset, recorded for --resume
        config["augmentation"] = augmentation_for(config["dataset"]).get_config()
    return config


def build_network(config):
    """The network a train config describes (see zerodl.networks.registry.from_options)."""
    return registry.from_options(
        config["model"],
        seed=config["seed"],
        hidden=config.get("hidden"),
        dropout=config.get("dropout"),
        batchnorm=config.get("batchnorm"),
        l2=config.get("l2"),
        weight_init=config.get("weight_init"),
    )


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
        raise CliError(
            _("{path} was not written by 'zerodl train': cannot resume it").format(path=ckpt.path)
        )
    changed = [
        f"--{key.replace('_', '-')}"
        for key in TRAIN_DEFAULTS
        if key != "epochs" and getattr(args, key, None) is not None
    ]
    if changed:
        raise UsageError(
            _(
                "{options} cannot change when resuming (the run keeps its own settings; see its "
                "config.json); start a new run instead"
            ).format(options=", ".join(changed))
        )
    if args.epochs is not None:
        config["epochs"] = args.epochs
    return ckpt, config
