"""What the commands share: one-line errors, the data, checkpoints named on the command line.

Every error reaches the user as one line (but a missing dataset: the folders looked in, one a
line, and what to do; see `dataset_not_found`). A wrong command line is a UsageError, code 2,
which names its option as data; so is the library's ArgumentError about a value an option gave
(`library_checks` looks its `argument`, `batch_size`, up in the command's OPTIONS to find the
option, `--batch-size`; no message is read or reworded). Anything else is code 1.

The messages the user reads are written here and in the command modules, as literal strings
or format strings, so that they can be translated.
"""

import argparse
import difflib
import os
import sys
import traceback
import warnings
from contextlib import contextmanager
from pathlib import Path

from zerodl import zoo
from zerodl.checkpoint import load_checkpoint
from zerodl.datasets import DatasetNotFoundError, load_dataset
from zerodl.datasets.download import MIRRORS
from zerodl.datasets.sources import DATASETS, FILE_NAMES, user_cache_dir
from zerodl.errors import ArgumentError, OptionalDependencyError
from zerodl.i18n import _, text_width
from zerodl.images import preprocessing_style
from zerodl.run_folder import RunFolder, newest_checkpoint

__all__ = [
    "CliError",
    "SharedError",
    "UsageError",
    "DATASETS",
    "check_image_network",
    "checkpoint_path",
    "count",
    "data_options",
    "dataset_not_found",
    "end_all_processes_on_error",
    "error_line",
    "error_report",
    "folder",
    "library_checks",
    "load",
    "load_data",
    "load_model",
    "Model",
    "DEFAULT_MODEL",
    "one_line",
    "one_line_warnings",
    "pad",
    "say",
    "seed",
    "takes_flat_input",
    "text_width",
    "warning_line",
]


class CliError(Exception):
    """A problem to report as one line on stderr; `code` is the exit status."""

    def __init__(self, message, code=1):
        super().__init__(message)
        self.code = code


class UsageError(CliError):
    """A wrong command line (exit status 2): `option` is the option at fault ("--batch-size"),
    or None when the command line as a whole is wrong; `message` says what is wrong with it."""

    def __init__(self, message, option=None):
        super().__init__(message, code=2)
        self.option = option

    @classmethod
    def invalid(cls, option, expected, value):
        """The one wording of a value an option cannot take, whoever checked it (argparse's
        types here, or the library): "argument --epochs: must be an integer >= 1, got 0"."""
        message = _("argument {option}: {expected}, got {value}")
        return cls(message.format(option=option, expected=expected, value=repr(value)), option)

    @classmethod
    def unknown_option(cls, option, known):
        """An option the command does not have, with the nearest one it does have."""
        near = difflib.get_close_matches(option, known, n=1, cutoff=0.6)
        if near:
            message = _("unrecognized option {option} (did you mean {near}?)")
        else:
            message = _("unrecognized option {option}")
        return cls(message.format(option=option, near=near[0] if near else ""), option)


class SharedError(CliError):
    """An error every process of a distributed run meets at the same step (they all saw the
    same averaged loss): process 0 reports it and every process exits, with no MPI Abort."""


def say(*parts):
    """A note on stderr (progress, files written): stdout stays for results."""
    print(*parts, file=sys.stderr, flush=True)


def pad(text, width, right=False):
    """`text` padded with spaces to `width` columns (on the left when `right`-aligned)."""
    spaces = " " * (width - text_width(text))
    return spaces + text if right else text + spaces


def count(text):
    """argparse type: an integer >= 1 (epochs, batch size, images, classes shown)."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(
            _("must be an integer >= 1, got {value}").format(value=value)
        )
    return value


def folder(text):
    """argparse type: a folder to write into (--out, --save-input): absent, or a folder; an
    existing file is refused here, before any work, in the option's words."""
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(
            _("{path} is a file, not a folder: name a folder").format(path=text)
        )
    return path


def seed(text):
    """argparse type: a seed, an integer >= 0 (NumPy's own complaint would not name --seed)."""
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(
            _("must be an integer >= 0, got {value}").format(value=value)
        )
    return value


# --- errors -----------------------------------------------------------------------------------


@contextmanager
def library_checks(options):
    """Report the library's complaint about a value an option gave as a wrong command line.

    `options` maps the library's name of an argument (an ArgumentError's `argument`) to the
    option that sets it, e.g. {"batch_size": "--batch-size"}: ArgumentError("batch_size", 0,
    "must be an integer >= 1") becomes UsageError "argument --batch-size: must be an integer
    >= 1, got 0". Other errors, and complaints about arguments no option sets, pass unchanged.
    """
    try:
        yield
    except ArgumentError as err:
        option = options.get(err.argument)
        if option is None:
            raise
        raise UsageError.invalid(option, err.expected, err.value) from err


def error_report(name, err):
    """(the one line to print, the exit code) of the error `err` that ends command `name`."""
    if isinstance(err, KeyboardInterrupt):
        return _("{name}: interrupted").format(name=name), 130
    if isinstance(err, UsageError):
        return _("{name}: error: {message} (see '{name} --help')").format(
            name=name, message=err
        ), err.code
    if isinstance(err, CliError):
        return error_line(name, err), err.code
    return error_line(name, one_line(err)), 1


def error_line(name, message):
    """ "zerodl NAME: error: MESSAGE", in the current language."""
    return _("{name}: error: {message}").format(name=name, message=message)


def warning_line(message):
    """ "warning: MESSAGE", in the current language."""
    return _("warning: {message}").format(message=message)


@contextmanager
def one_line_warnings():
    """Show each warning while a command runs as one line on stderr, "warning: MESSAGE" (such
    as the missing Japanese font's), instead of Python's two lines with a file and its line."""

    def show(message, category, filename, lineno, file=None, line=None):
        say(warning_line(message))

    with warnings.catch_warnings():
        warnings.showwarning = show
        yield


@contextmanager
def end_all_processes_on_error(group, name):
    """Under mpiexec: an error in one process ends every process of the job (MPI Abort), with
    that process's line and exit code, instead of leaving the others waiting for it forever in
    the next Allreduce."""
    try:
        yield
    except SharedError:
        raise  # every process met it at the same point: process 0 reports it, no one waits
    except (Exception, KeyboardInterrupt) as err:
        if os.environ.get("ZERODL_DEBUG"):
            traceback.print_exc()
        process = _("{name} (process {rank} of {size})")
        line, code = error_report(process.format(name=name, rank=group.rank, size=group.size), err)
        group.abort(line, code)


def one_line(err):
    """The message of an exception as one line that says what to do."""
    text = str(err).strip() or type(err).__name__
    first = text.splitlines()[0]
    if isinstance(err, DatasetNotFoundError) and err.dataset in DATASETS:
        return dataset_not_found(err)
    if isinstance(err, (ValueError, TypeError, RuntimeError, OSError, OptionalDependencyError)):
        return first  # the library's own messages: CheckpointError, ImageError, a missing file...
    return _("unexpected {type}: {message} (set ZERODL_DEBUG=1 to see the traceback)").format(
        type=type(err).__name__, message=first
    )


def dataset_not_found(err):
    """A DatasetNotFoundError in the command's words, the one error of more than one line: every
    folder looked in (ZERODL_DATA's value, what each lacks), why the download failed, and what
    to do, with the command's options."""
    names = ", ".join(f"{name}.gz" for name in FILE_NAMES.values())
    lines = [
        _("{dataset} was not found. Looked for its four files in:").format(
            dataset=DATASETS[err.dataset]
        )
    ]
    lines += [f"  {place}" for place in err.places]
    if err.failures:
        lines.append(_("and could not download them: {failure}").format(failure=err.failures[-1]))
    lines.append(
        _(
            "To fix: put {names} (gzipped or not; from {mirror}) in a folder, then pass "
            "--data-dir FOLDER or set ZERODL_DATA=FOLDER (a folder of such folders named "
            "{folders} works too), or put them in {cache}"
        ).format(
            names=names,
            mirror=MIRRORS[err.dataset][0],
            folders=", ".join(d + "/" for d in DATASETS),
            cache=user_cache_dir(err.dataset),
        )
    )
    return "\n".join(lines)


# --- data -------------------------------------------------------------------------------------


def data_options(parser, dataset=True):
    """--dataset (default: the checkpoint's) and --data-dir."""
    if dataset:
        parser.add_argument(
            "--dataset", choices=DATASETS, help=_("default: the checkpoint's dataset")
        )
    parser.add_argument("--data-dir", help=_("folder holding the dataset's IDX files"))


def load_data(dataset, flat, data_dir, limit=None, quiet=False):
    """(x_train, t_train), (x_test, t_test), flat (N, 784) or as images (N, 1, 28, 28).

    With `limit`, the first `limit` of each. The library's warnings become one line each
    (`quiet`: no "loading" line, as in all but one of the processes of a distributed run).
    """
    if not quiet:
        if data_dir:
            say(_("loading {dataset} from {folder} ...").format(dataset=dataset, folder=data_dir))
        else:
            say(_("loading {dataset} ...").format(dataset=dataset))
    with warnings.catch_warnings(record=True) as caught:  # each one line, not Python's two
        warnings.simplefilter("always")
        (x_train, t_train), (x_test, t_test) = load_dataset(
            dataset, flatten=flat, data_dir=data_dir
        )
    for warning in caught:
        say(warning_line(warning.message))
    if limit:
        x_train, t_train = x_train[:limit], t_train[:limit]
        x_test, t_test = x_test[:limit], t_test[:limit]
    return (x_train, t_train), (x_test, t_test)


def takes_flat_input(network):
    """True for a network of (N, 784) inputs, False for one of images (N, 1, 28, 28)."""
    return len(network.input_shape or (784,)) == 1


def check_image_network(network, path):
    shape = tuple(network.input_shape or ())
    if shape not in ((784,), (1, 28, 28)):
        raise CliError(
            _(
                "{path}: the network takes inputs of shape {shape}, not 28x28 images (784 or "
                "(1, 28, 28))"
            ).format(path=path, shape=shape)
        )


# --- checkpoints and run folders --------------------------------------------------------------


def checkpoint_path(text, prefer="best.npz"):
    """A checkpoint file from a path to a file or to a run folder (its best.npz or last.npz)."""
    path = Path(text)
    if path.is_dir():
        found = RunFolder(path).checkpoint(prefer)
        if found is None:
            order = [prefer] + [n for n in ("best.npz", "last.npz") if n != prefer]
            raise CliError(
                _("{path} holds no checkpoint ({first} or {second}): train one first").format(
                    path=path, first=order[0], second=order[1]
                )
            )
        return found
    if not path.exists():
        raise CliError(_("{path}: no such checkpoint file or run folder").format(path=path))
    return path


def load(text, prefer="best.npz"):
    """The Checkpoint named on the command line (a file or a run folder)."""
    return load_checkpoint(checkpoint_path(text, prefer))


# --- the model a command works with -----------------------------------------------------------

DEFAULT_MODEL = "mnist-cnn"  # the shipped model of a command given none (predict, serve)


class Model:
    """The model a command was given: its checkpoint, its name, where it came from, and what
    follows from them (the dataset it was trained on, how its input images are prepared).

    Attributes:
        checkpoint: the zerodl Checkpoint (network, path, extra, epoch).
        name: the shipped model's name, or the run's (the folder of best.npz / last.npz, or the
            file's stem).
        from_zoo: True for a model shipped with zerodl (nothing is written beside it).
        default: why it was chosen when the command line named none, else None.
    """

    def __init__(self, checkpoint, name, from_zoo=False, default=None):
        self.checkpoint, self.name = checkpoint, name
        self.from_zoo, self.default = from_zoo, default

    @property
    def network(self):
        return self.checkpoint.network

    @property
    def path(self):
        return self.checkpoint.path

    @property
    def epoch(self):
        return self.checkpoint.epoch

    @property
    def extra(self):
        return self.checkpoint.extra

    @property
    def dataset(self):
        """The dataset it was trained on ("mnist" when the file does not say)."""
        return self.extra.get("dataset") or "mnist"

    @property
    def style(self):
        """How images are prepared for it: "mnist" (digits) or "fashion"."""
        return preprocessing_style(self.dataset)

    def describe(self):
        """One line saying which model this is, e.g. "the shipped mnist-cnn (SimpleConvNet,
        trained on mnist)" or "runs/a/best.npz (MultiLayerNet, trained on mnist, epoch 3)"."""
        network = type(self.network).__name__
        if self.from_zoo:
            return _("the shipped {name} ({network}, trained on {dataset})").format(
                name=self.name, network=network, dataset=self.dataset
            )
        if self.epoch:
            details = _("{network}, trained on {dataset}, epoch {epoch}")
        else:
            details = _("{network}, trained on {dataset}")
        details = details.format(network=network, dataset=self.dataset, epoch=self.epoch)
        if self.default:
            return _("the newest run, {path} ({details})").format(path=self.path, details=details)
        return _("{path} ({details})").format(path=self.path, details=details)


def add_model_arguments(parser, default=None):
    """RUN_OR_CHECKPOINT, or --pretrained NAME: a model shipped with zerodl (zerodl models)."""
    if default is None:
        help = _("a checkpoint (.npz) or a run folder")
    else:
        help = _(
            "a checkpoint or run folder (default: the shipped {name}, else the newest run)"
        ).format(name=default)
    parser.add_argument("checkpoint", nargs="?", metavar="RUN_OR_CHECKPOINT", help=help)
    add_pretrained_option(parser)


def add_pretrained_option(parser):
    names = ", ".join(zoo.available()) or _("none installed")
    parser.add_argument(
        "--pretrained",
        metavar="NAME",
        help=_("a model shipped with zerodl ({names})").format(names=names),
    )


def load_model(args, default=None):
    """The Model of args.checkpoint or of --pretrained NAME. With `default` (a shipped model's
    name), a command line that names neither gets that model, or when it is not installed,
    the newest run in ./runs; without, it is a UsageError."""
    if args.checkpoint and args.pretrained:
        raise UsageError(_("give a RUN_OR_CHECKPOINT or --pretrained NAME, not both"))
    if args.pretrained:
        return shipped_model(args.pretrained)
    if args.checkpoint:
        return model_of_checkpoint(checkpoint_path(args.checkpoint))
    if default is None:
        raise UsageError(_("give a RUN_OR_CHECKPOINT or --pretrained NAME (see zerodl models)"))
    if default in zoo.available():
        return shipped_model(default, default=_("no model was given"))
    newest = newest_checkpoint(Path("runs"))
    if newest is None:
        raise CliError(
            _(
                "no model given, and runs/ holds no trained run: train one first with "
                "`zerodl train` (`zerodl train --epochs 1 --limit 5000` takes a minute), or "
                "name a checkpoint or run folder"
            )
        )
    return model_of_checkpoint(newest, default=_("no model was given"))


def shipped_model(name, default=None):
    if name not in zoo.available():
        names = ", ".join(zoo.available()) or _("none are installed")
        raise UsageError(
            _("unknown --pretrained {name}: choose one of {names}").format(
                name=repr(name), names=names
            ),
            "--pretrained",
        )
    return Model(zoo.checkpoint(name), name, from_zoo=True, default=default)


def model_of_checkpoint(path, default=None):
    path = Path(path)
    run_name = path.parent.name if path.name in ("best.npz", "last.npz") else path.stem
    return Model(load_checkpoint(path), run_name, default=default)


def output_folder(args_out, model):
    """Where a command writes its pictures: --out, else the run's folder (the current folder
    for a shipped model, whose package folder is no place for them)."""
    if args_out:
        return Path(args_out)
    return Path(".") if model.from_zoo else model.path.parent
