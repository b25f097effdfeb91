"""Checkpoints: a network, and optionally its training state, in one safe .npz file.

    zerodl.save(network, "net.npz")                 # architecture + parameters
    network = zerodl.load("net.npz")                # rebuilt from the file alone
    save(network, "last.npz", trainer=trainer, config={...})    # + optimiser, epoch, RNGs, history
    trainer = zerodl.trainer.resume("last.npz")     # carries on exactly where it stopped

The file itself (what it holds, how it is written atomically and read without pickle) is
zerodl.savefile's. This module adds what needs zerodl's classes: rebuilding the network a file
names, and the optimiser it was trained with. Resuming training lives with the trainer
(zerodl.trainer.resume), which uses this module; this module never imports the trainer.

Classes are looked up by name, never imported or unpickled from the file: a network class in
zerodl.networks.NETWORKS, a layer class in zerodl.layers.LAYERS, or one of your own classes that
you pass by name, as Keras does::

    network = zerodl.load("net.npz", custom_objects={"LeakyReLU": LeakyReLU})

A name found in neither is a CheckpointError that names the class and says to pass it.
"""

from dataclasses import dataclass, field
from pathlib import Path

from zerodl._html import html_table
from zerodl.history import History
from zerodl.networks import NETWORKS
from zerodl.optimizers import create_optimizer
from zerodl.savefile import (
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

__all__ = [
    "Checkpoint",
    "CheckpointError",
    "load",
    "load_checkpoint",
    "load_params",
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
        except (TypeError, ValueError) as err:
            raise CheckpointError(
                f"{self.path}: the saved optimiser state is invalid: {err}"
            ) from err
        return optimizer

    def restore(self, trainer):
        """Load the saved optimiser and trainer state into `trainer` (built on self.network)."""
        try:
            if self.optimizer_state is not None:
                trainer.optimizer.load_state_dict(self.optimizer_state)
            if self.trainer_state is not None:
                trainer.load_state_dict(self.trainer_state)
        except (TypeError, ValueError, KeyError) as err:
            raise CheckpointError(f"{self.path}: cannot restore the training state: {err}") from err
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
    except (KeyError, TypeError) as err:
        raise CheckpointError(f"{path}: damaged metadata ({err})") from err
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
    except (TypeError, ValueError, KeyError, IndexError) as err:
        raise CheckpointError(
            f"{path}: cannot build {name} from the saved configuration: {err}"
        ) from err
