"""Checkpoints: a network, and optionally its training state, in one safe .npz file.

    zerodl.save(network, "net.npz")                 # architecture + parameters
    network = zerodl.load("net.npz")                # rebuilt from the file alone
    save(network, "last.npz", trainer=trainer, config={...})    # + optimiser, epoch, RNGs, history
    trainer = zerodl.trainer.resume("last.npz")     # carries on exactly where it stopped

The file itself (what it holds, how it is written atomically and read without pickle) is
zerodl.checkpoint_file's (formerly zerodl.savefile, a name that still works). This module adds
what needs zerodl's classes: rebuilding the network a file names, and the optimiser it was
trained with. Resuming training lives with the trainer
(zerodl.trainer.resume), which uses this module; this module never imports the trainer.

Classes are looked up by name, never imported or unpickled from the file: a network class in
zerodl.networks.NETWORKS, a layer class in zerodl.layers.LAYERS, or one of your own classes that
you pass by name, as Keras does::

    network = zerodl.load("net.npz", custom_objects={"LeakyReLU": LeakyReLU})

A name found in neither is a CheckpointError that names the class and says to pass it.

Nothing is built before it is known to fit the file: for zerodl's own classes the number of
parameter arrays and of numbers in them is worked out from the configuration alone
(`parameter_count`) and compared with what the file stores, so that a small file whose
metadata describes a network of gigabytes is refused before a byte of it is allocated.
"""

from dataclasses import dataclass, field
from pathlib import Path

from zerodl._html import html_table
from zerodl.checkpoint_file import (
    CheckpointError,
    check_fits,
    fill_network,
    load_params,
    open_archive,
    read_meta,
    restore_generators,
    save,
    save_params,
    unpack,
)
from zerodl.history import History
from zerodl.im2col import conv_output_size
from zerodl.networks import NETWORKS
from zerodl.networks.deep_conv import CONV_LAYERS
from zerodl.networks.simple_conv import DEFAULT_CONV
from zerodl.optimizers import create_optimizer

# A network the metadata describes is built only if it has at most as many parameter arrays and
# numbers as the file stores, or at most these many (cheap to build, whatever the file holds).
BUILD_SLACK = (256, 2**20)

__all__ = [
    "Checkpoint",
    "CheckpointError",
    "load",
    "load_checkpoint",
    "load_params",
    "parameter_count",
    "read_meta",
    "save",
    "save_params",
]


@dataclass
class Checkpoint:
    """What `load_checkpoint` reads from a file.

    Attributes:
        network: the rebuilt network, holding the saved parameters, buffers and dropout RNGs.
        meta: the whole JSON metadata (class, config, version, parameter list, ...).
        optimizer_state: for ``optimizer.load_state_dict``, or None if no optimiser was saved.
        trainer_state: for ``trainer.load_state_dict``, or None if no trainer was saved.
        extra: the keyword arguments given to `save` beyond network, optimizer and trainer.
        path: the file it came from.
    """

    network: object
    meta: dict
    optimizer_state: dict | None = None
    trainer_state: dict | None = None
    extra: dict = field(default_factory=dict)
    path: Path | None = None

    @property
    def epoch(self):
        """Completed epochs when the checkpoint was saved (0 without a trainer state)."""
        return int((self.trainer_state or {}).get("epoch", 0))

    @property
    def history(self):
        """The saved training history (a History), or None without a trainer state."""
        saved = (self.trainer_state or {}).get("history")
        return History(saved) if isinstance(saved, dict) else None

    def facts(self):
        """[(what, value)]: the file, the network, the epoch, the optimiser, what was saved."""
        optimizer = (self.optimizer_state or {}).get("type")
        return [
            ("file", str(self.path) if self.path is not None else "-"),
            ("network", type(self.network).__name__),
            ("parameters", f"{sum(int(p.size) for p in self.network.params.values()):,}"),
            ("epochs trained", str(self.epoch) if self.trainer_state is not None else "-"),
            ("optimiser", str(optimizer) if optimizer is not None else "-"),
            ("zerodl version", str(self.meta.get("zerodl_version", "-"))),
            ("extra", ", ".join(sorted(self.extra)) or "-"),
        ]

    def __repr__(self):
        facts = dict(self.facts())
        return (
            f"Checkpoint({facts['file']!r}: {facts['network']}, {facts['parameters']} "
            f"parameters, epochs trained {facts['epochs trained']}, "
            f"optimiser {facts['optimiser']})"
        )

    def _repr_html_(self):
        """What Jupyter shows: the facts, the network's layer table, the epoch table."""
        parts = [html_table(("Checkpoint", ""), self.facts())]
        if hasattr(self.network, "_repr_html_"):
            parts.append(self.network._repr_html_())
        if self.history is not None and self.history.epochs:
            parts.append(self.history._repr_html_())
        return "\n".join(parts)

    def create_optimizer(self):
        """A new optimiser of the saved type with the saved state, or None if none was saved."""
        if self.optimizer_state is None:
            return None
        state = self.optimizer_state
        try:
            optimizer = create_optimizer(state["type"], **state["config"])
            optimizer.load_state_dict(state)
        except (TypeError, ValueError, KeyError, AttributeError, IndexError) as err:
            raise CheckpointError(
                f"{self.path}: the saved optimiser state is invalid: {err!r}"
            ) from err
        return optimizer

    def restore(self, trainer):
        """Load the saved optimiser and trainer state into `trainer` (built on self.network)."""
        try:
            if self.optimizer_state is not None:
                trainer.optimizer.load_state_dict(self.optimizer_state)
            if self.trainer_state is not None:
                trainer.load_state_dict(self.trainer_state)
        except (TypeError, ValueError, KeyError, AttributeError, IndexError, OverflowError) as err:
            raise CheckpointError(
                f"{self.path}: cannot restore the training state: {err!r}"
            ) from err
        return trainer


def load(path, custom_objects=None):
    """Rebuild the network saved at `path` (class, configuration, parameters, buffers).

    Args:
        path: a file written by zerodl.save (or save_params, or a training run).
        custom_objects: your own layer and network classes by class name, e.g.
            {"LeakyReLU": LeakyReLU}, for a file that names them.

    Raises CheckpointError if the file is not a valid checkpoint, FileNotFoundError if absent.
    """
    return load_checkpoint(path, custom_objects).network


def load_checkpoint(path, custom_objects=None):
    """Read everything in the checkpoint at `path`: a `Checkpoint`.

    Args:
        path: the checkpoint file.
        custom_objects: your own layer and network classes by class name (see `load`).

    Example:
        >>> ckpt = load_checkpoint("runs/mnist/last.npz")
        >>> ckpt.network.accuracy(x_test, t_test), ckpt.epoch, ckpt.extra["config"]
    """
    path = Path(path)
    archive = open_archive(path)  # the metadata and every array's header; no array data yet
    meta = archive.meta
    _check_size(meta, archive.headers, path, custom_objects or {})  # before anything is built
    network = _build(meta, path, custom_objects or {})
    what = f"{meta['network']['class']} of the checkpoint's configuration"
    check_fits(network, archive.headers, path, what)  # shapes before data: no bomb is read
    arrays = archive.read()
    fill_network(network, arrays, path, what)
    restore_generators(network, meta.get("rngs"), path)
    try:
        optimizer_state = unpack(meta.get("optimizer"), arrays)
        trainer_state = unpack(meta.get("trainer"), arrays)
        extra = unpack(meta.get("extra") or {}, arrays)
    except (KeyError, TypeError, AttributeError) as err:
        raise CheckpointError(f"{path}: damaged metadata ({err!r})") from err
    return Checkpoint(network, meta, optimizer_state, trainer_state, extra, path)


def _build(meta, path, custom_objects):
    """A new network of the class and configuration the metadata names (fresh parameters)."""
    name, config = meta["network"]["class"], meta["network"]["config"]
    cls = custom_objects.get(name) or NETWORKS.get(name)  # yours first, as Keras does
    if cls is None:
        raise CheckpointError(
            f"{path} names an unknown network class {name!r}; zerodl knows "
            f"{', '.join(sorted(NETWORKS))}. If {name} is your own class, pass it: "
            f"zerodl.load(path, custom_objects={{{name!r}: {name}}})"
        )
    try:
        return cls.from_config(config, custom_objects=custom_objects)
    except MemoryError as err:
        raise CheckpointError(f"{path}: the saved {name} is too large to build") from err
    except (
        TypeError,
        ValueError,
        LookupError,
        AttributeError,
        ArithmeticError,
        RecursionError,
    ) as err:  # ZeroDivisionError, OverflowError among them: one error for every bad config
        raise CheckpointError(
            f"{path}: cannot build {name} from the saved configuration: {err!r}"
        ) from err


# --- the size of a network, from its configuration alone -----------------------------------------


def _check_size(meta, headers, path, custom_objects):
    """Refuse a file whose configuration describes a larger network than the file stores.

    A network a little larger than the file's (up to BUILD_SLACK) is built all the same, so
    that `check_fits` can list every difference by name; the danger is only in building one
    far larger than what the file holds.
    """
    name, config = meta["network"]["class"], meta["network"]["config"]
    try:
        wanted = None if name in custom_objects else parameter_count(name, config)
    except (TypeError, ValueError, KeyError, AttributeError) as err:
        raise CheckpointError(
            f"{path}: cannot build {name} from the saved configuration: {err}"
        ) from err
    if wanted is None:  # your own class: only its code knows its size
        return
    shapes = [shape for key, (shape, _) in headers.items() if key.startswith("params/")]
    stored = (len(shapes), sum(_size(shape) for shape in shapes))
    if wanted[0] > max(stored[0], BUILD_SLACK[0]) or wanted[1] > max(stored[1], BUILD_SLACK[1]):
        raise CheckpointError(
            f"{path} does not fit its own metadata: the configuration of {name} describes "
            f"{wanted[0]:,} parameter arrays of {wanted[1]:,} numbers, the file stores "
            f"{stored[0]:,} of {stored[1]:,}"
        )


def _size(shape):
    size = 1
    for d in shape:
        size *= int(d)  # Python ints: no overflow
    return size


def parameter_count(name, config):
    """(arrays, numbers): how many parameter arrays the network `name` built from `config`
    has, and how many numbers they hold together, worked out from the numbers alone, without
    building anything; None for a class (or a Sequential layer) that is not zerodl's.

    Raises ValueError (or TypeError, KeyError) for a configuration no network can have.

    Example:
        >>> parameter_count("TwoLayerNet", {"input_size": 784, "hidden_size": 50,
        ...                                 "output_size": 10})
        (4, 39760)
    """
    if name == "TwoLayerNet":
        sizes = [_whole(config[k], k) for k in ("input_size", "hidden_size", "output_size")]
        return _affine_chain(sizes)
    if name == "MultiLayerNet":
        hidden = config["hidden_size_list"]
        if not isinstance(hidden, list):
            raise TypeError(f"hidden_size_list must be a list, got {hidden!r}")
        sizes = [
            _whole(config["input_size"], "input_size"),
            *(_whole(h, "hidden_size_list") for h in hidden),
            _whole(config["output_size"], "output_size"),
        ]
        arrays, numbers = _affine_chain(sizes)
        if config.get("use_batchnorm", False):
            arrays, numbers = arrays + 2 * len(hidden), numbers + 2 * sum(sizes[1:-1])
        return arrays, numbers
    if name == "SimpleConvNet":
        conv = {**DEFAULT_CONV, **(config.get("conv_param") or {})}
        shape = _image_shape(config.get("input_dim", [1, 28, 28]))
        fn, (fh, fw) = _whole(conv["filter_num"], "filter_num"), _filter(conv["filter_size"])
        stride, pad = _whole(conv["stride"], "stride"), _whole(conv["pad"], "pad", least=0)
        numbers = fn * shape[0] * fh * fw + fn
        shape = _window(_window(shape, fn, fh, fw, stride, pad), fn, 2, 2, 2, 0)  # conv, pool
        arrays, more = _affine_chain(
            [_size(shape), _whole(config.get("hidden_size", 100), "hidden_size"),
             _whole(config.get("output_size", 10), "output_size")]
        )  # fmt: skip
        return arrays + 2, numbers + more
    if name == "DeepConvNet":
        shape = _image_shape(config.get("input_dim", [1, 28, 28]))
        hidden = _whole(config.get("hidden_size", 50), "hidden_size")
        batchnorm = bool(config.get("use_batchnorm", False))
        arrays = numbers = 0
        for i, (filter_num, pad) in enumerate(CONV_LAYERS):
            numbers += filter_num * shape[0] * 9 + filter_num + 2 * filter_num * batchnorm
            arrays += 2 + 2 * batchnorm
            shape = _window(shape, filter_num, 3, 3, 1, pad)
            if i % 2 == 1:
                shape = _window(shape, filter_num, 2, 2, 2, 0)
        more = _affine_chain(
            [_size(shape), hidden, _whole(config.get("output_size", 10), "output_size")]
        )
        return arrays + more[0] + 2 * batchnorm, numbers + more[1] + 2 * hidden * batchnorm
    if name == "Sequential":
        return _sequential_count(config["layers"])
    return None


def _sequential_count(layers):
    if not isinstance(layers, list):
        raise TypeError(f"layers must be a list, got {type(layers).__name__}")
    arrays = numbers = 0
    for spec in layers:
        kind, config = spec["type"], spec.get("config") or {}
        if kind == "Affine":
            more = _affine_chain([_whole(config["input_size"], "input_size"),
                                  _whole(config["output_size"], "output_size")])  # fmt: skip
        elif kind == "Convolution":
            (fh, fw), fn = (
                _filter(config["filter_size"]),
                _whole(config["filter_num"], "filter_num"),
            )
            more = (2, fn * _whole(config["in_channels"], "in_channels") * fh * fw + fn)
        elif kind == "BatchNormalization":
            more = (2, 2 * _whole(config["num_features"], "num_features"))
        elif kind in ("ReLU", "Sigmoid", "Tanh", "Dropout", "Pooling", "AvgPooling", "Flatten",
                      "SoftmaxWithLoss"):  # fmt: skip
            more = (0, 0)
        else:
            return None  # a layer of your own: only its code knows its size
        arrays, numbers = arrays + more[0], numbers + more[1]
    return arrays, numbers


def _whole(value, what, least=1):
    if type(value) is not int or value < least:
        raise ValueError(f"{what} must be a whole number of at least {least}, got {value!r}")
    return value


def _filter(size):
    """(FH, FW) of a filter_size given as FH or [FH, FW]."""
    pair = size if isinstance(size, list) else [size, size]
    if len(pair) != 2:
        raise ValueError(f"filter_size must be FH or [FH, FW], got {size!r}")
    return _whole(pair[0], "filter_size"), _whole(pair[1], "filter_size")


def _affine_chain(sizes):
    """(arrays, numbers) of Affine layers from sizes[0] to sizes[1], ... to sizes[-1]."""
    return 2 * (len(sizes) - 1), sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))


def _image_shape(dims):
    if not isinstance(dims, list) or len(dims) != 3:
        raise ValueError(f"input_dim must be [C, H, W], got {dims!r}")
    return tuple(_whole(d, "input_dim") for d in dims)


def _window(shape, channels, fh, fw, stride, pad):
    """(C, H, W) after a convolution or pooling window: ValueError when nothing is left."""
    oh = conv_output_size(shape[1], fh, stride, pad)
    ow = conv_output_size(shape[2], fw, stride, pad)
    if oh < 1 or ow < 1:
        raise ValueError(f"a {fh}x{fw} window does not fit an input of {shape[1]}x{shape[2]}")
    return channels, oh, ow
