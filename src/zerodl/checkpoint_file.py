"""The checkpoint file: one safe .npz archive, written atomically and read without pickle.

This module knows the file and nothing about zerodl's classes: it works on any network that
has ``params``, ``buffers``, ``layers``, ``dtype`` and ``get_config()`` (duck typing), so that
zerodl.networks can use it for the book's ``save_params``/``load_params`` and zerodl.checkpoint
can build on it (rebuilding a network from the file needs the class registries: that part lives
in zerodl.checkpoint). Dependencies go one way: networks -> checkpoint_file <- checkpoint.
(Its old name, zerodl.savefile, is this same module.)

What the file holds (a plain NumPy .npz archive, which any `np.load` can open):

    __zerodl_meta__                 UTF-8 JSON bytes as a uint8 array (see below)
    params/W1, params/b1, ...       the parameters, one array each, in the network's dtype
    buffers/running_mean1, ...      batch norm's running statistics
    optimizer/slots/m/W1, ...       the optimiser's state arrays, when an optimiser was saved
    extra/<name>, trainer/...       arrays found in the extra data or the trainer's state

The JSON metadata names the network's class and its constructor arguments
(``type(network).__name__`` and ``network.get_config()``), zerodl's version, the dtype, each
parameter's name, shape and dtype, each Dropout layer's random generator state, and, when
given, the optimiser's hyper-parameters and step, the trainer's state (epoch, RNG, history) and
any extra JSON data (a run's config, the dataset name). Arrays inside those structures are
written as ``{"__ndarray__": "<key>"}`` and stored beside the parameters.

Safety. A checkpoint may come from a stranger, so reading one never runs code from it: there is
no pickle anywhere (arrays are read with ``allow_pickle=False``, and every array header is
checked before its data is read), and bit generators are looked up only among NumPy's. Nor can
a small file make the reader allocate much memory: every array's .npy header (dtype, shape) is
read first, and compared with the network the metadata describes (`check_fits`) before any
array's data is; `read_meta` reads the headers and the metadata only; and a compressed member
that would expand more than MAX_EXPANSION times (a "decompression bomb": deflate turns 4 MB
into 4 GB of zeros) is refused from its zip entry alone. zerodl.save stores arrays uncompressed.
Whatever is wrong with a file is one `CheckpointError` (a ValueError) whose message says what:
not a checkpoint, truncated or damaged, pickled objects, or parameters that do not fit the
network (every difference listed).

Saving is atomic: the archive is written to a temporary file in the target's folder, flushed
to disk, and renamed over the target, so a save that fails midway (a full disk, Ctrl-C) leaves
the previous checkpoint as it was and no stray file behind.
"""

import json
import stat
import zipfile
import zlib
from pathlib import Path

import numpy as np

from zerodl._version import __version__
from zerodl.atomic import atomic_write

__all__ = [
    "Archive",
    "CheckpointError",
    "check_fits",
    "fill_network",
    "load_params",
    "network_keys",
    "open_archive",
    "read_archive",
    "read_meta",
    "restore_generators",
    "save",
    "save_params",
    "unpack",
]

FORMAT = "zerodl-checkpoint"
FORMAT_VERSION = 1
META_KEY = "__zerodl_meta__"
# What a file may hold, whatever it declares (the README's "Limits" table lists these):
MAX_META_BYTES = 16 * 2**20  # the metadata: a few kB, a long run's loss history a few MB
MAX_META_CONTAINERS = 100_000  # JSON objects and lists in it (counted before it is parsed)
MAX_META_DEPTH = 32  # how deeply they nest (a checkpoint's own go 6 deep)
MAX_MEMBERS = 10_000  # arrays in the archive
# zerodl.save stores arrays uncompressed. Compressed members (np.savez_compressed's deflate) may
# expand at most this much, each and all together (real parameters compress little; zeros, 1000
# to 1), once they are larger than MIN_SUSPECT_BYTES.
MAX_EXPANSION = 50
MIN_SUSPECT_BYTES = 16 * 2**20
COMPRESSIONS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflated"}
ARRAY_REF = "__ndarray__"  # {"__ndarray__": key} in the JSON stands for the array under key
# The bit generators a checkpoint may name, by name: NumPy's classes, never looked up by a name
# the file gives (np.random has functions too, "seed" among them).
BIT_GENERATORS = {
    "PCG64": np.random.PCG64,
    "PCG64DXSM": np.random.PCG64DXSM,
    "Philox": np.random.Philox,
    "SFC64": np.random.SFC64,
    "MT19937": np.random.MT19937,
}


class CheckpointError(ValueError):
    """A file that is not a valid zerodl checkpoint, or one that does not fit the network."""


# --- saving ---------------------------------------------------------------------------------------


def save(network, path, *, optimizer=None, trainer=None, **extra):
    """Write `network` (architecture, parameters, buffers, dropout RNGs) to `path` atomically.

    Args:
        network: a zerodl network (anything with params, buffers, layers and get_config()).
        path: the file to write; written exactly as named (``.npz`` is not appended).
        optimizer: an Optimizer whose state_dict() to keep (default: the trainer's, if any).
        trainer: a Trainer whose state_dict() to keep (epoch, RNG state, history, best).
        **extra: more data to keep, JSON-friendly values or NumPy arrays (e.g. config={...},
            dataset="mnist"); zerodl.checkpoint.load_checkpoint(path).extra gives it back.

    Returns the path written, as a Path.

    Example:
        >>> zerodl.save(net, "runs/net.npz", dataset="mnist")
    """
    path = Path(path)
    if optimizer is None and trainer is not None:
        optimizer = getattr(trainer, "optimizer", None)
    arrays = {}
    meta = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "zerodl_version": __version__,
        "network": {"class": type(network).__name__, "config": network.get_config()},
        "dtype": np.dtype(network.dtype).name,
        "params": _describe(network.params),
        "buffers": _describe(getattr(network, "buffers", {})),
        "rngs": _rng_states(network),
    }
    for group in ("params", "buffers"):
        for name, value in getattr(network, group, {}).items():
            arrays[f"{group}/{name}"] = np.ascontiguousarray(value)
    meta["optimizer"] = _pack(optimizer.state_dict(), "optimizer", arrays) if optimizer else None
    meta["trainer"] = _pack(trainer.state_dict(), "trainer", arrays) if trainer else None
    meta["extra"] = {key: _pack(value, f"extra/{key}", arrays) for key, value in extra.items()}
    try:
        text = json.dumps(meta, allow_nan=True)  # a history may hold a NaN loss
    except (TypeError, ValueError) as err:
        raise TypeError(f"cannot store the checkpoint metadata as JSON: {err}") from err
    arrays[META_KEY] = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    with atomic_write(path) as f:  # temporary file, fsync, rename: the old file or the new
        np.savez(f, **arrays)
    return path


def save_params(network, path):
    """The book's ``save_params``: write the network's parameters (and architecture) to `path`.

    The file is an ordinary checkpoint, so zerodl.load can rebuild the network from it, and
    `load_params` can load it into a network built by hand.
    """
    return save(network, path)


def _describe(arrays):
    return [
        {"name": name, "shape": list(a.shape), "dtype": np.dtype(a.dtype).name}
        for name, a in arrays.items()
    ]


def _rng_states(network):
    """Every layer's random generator state; layers sharing one Generator share one entry."""
    states, layers, seen = [], {}, {}
    for index, layer in enumerate(getattr(network, "layers", [])):
        rng = getattr(layer, "rng", None)
        if not isinstance(rng, np.random.Generator):
            continue
        if id(rng) not in seen:
            seen[id(rng)] = len(states)
            states.append(rng.bit_generator.state)
        layers[str(index)] = seen[id(rng)]
    return {"states": states, "layers": layers}


def _pack(value, key, arrays):
    """`value` as JSON-friendly data; its arrays go into `arrays`, replaced by references."""
    if isinstance(value, np.ndarray):
        if value.dtype.hasobject or value.dtype.kind not in "biufc":
            raise TypeError(f"cannot store {key!r}: arrays of dtype {value.dtype} are not allowed")
        while key in arrays:
            key += "_"
        arrays[key] = np.ascontiguousarray(value)
        return {ARRAY_REF: key}
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise TypeError(f"cannot store {key!r}: dict keys must be strings, got {k!r}")
            out[k] = _pack(v, f"{key}/{k}", arrays)
        return out
    if isinstance(value, (list, tuple)):
        return [_pack(v, f"{key}/{i}", arrays) for i, v in enumerate(value)]
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Path):
        return str(value)
    raise TypeError(
        f"cannot store {key!r} of type {type(value).__name__} in a checkpoint: "
        "only JSON data (numbers, strings, lists, dicts) and NumPy arrays"
    )


# --- reading --------------------------------------------------------------------------------------


def read_meta(path):
    """The JSON metadata of the checkpoint at `path`, without building the network.

    Only the .npy headers and the metadata are read: no array's data is touched.
    """
    return open_archive(path).meta


def load_params(network, path):
    """The book's ``load_params``: load the parameters and buffers saved at `path` into
    `network`, which must have the same parameter names, shapes and dtypes (else a
    CheckpointError listing every difference). Returns the network.

    The file's array headers are compared with the network before any data is read, so a file
    that declares arrays of another shape costs no memory however large they are.
    """
    path = Path(path)
    archive = open_archive(path)
    what = type(network).__name__
    check_fits(network, archive.headers, path, what)
    fill_network(network, archive.read(network_keys(archive.headers)), path, what)
    return network


def read_archive(path):
    """(meta, arrays) from the file at `path`: every array, each header checked before its data
    is read. The arrays are those of the archive less the metadata, under their names in it."""
    archive = open_archive(path)
    return archive.meta, archive.read()


class Archive:
    """A checkpoint opened for reading: its metadata and every array's .npy header, checked.

    Attributes:
        path: the file.
        meta: the JSON metadata (a dict).
        headers: {array name: (shape, dtype)} of every array but the metadata, from the .npy
            headers alone: what the file declares, known before any array's data is read.

    ``read(names)`` then reads the data of the named arrays (all, by default).
    """

    def __init__(self, path, meta, headers):
        self.path, self.meta, self.headers = path, meta, headers

    def read(self, names=None):
        """{name: array} for `names` (default: every array but the metadata)."""
        names = list(self.headers if names is None else names)
        return _read_members(self.path, names)


def open_archive(path):
    """The `Archive` at `path`: file type, every .npy header and the metadata checked; no
    array's data read. Whatever is wrong is a CheckpointError (FileNotFoundError if absent)."""
    path = Path(path)
    size = _check_file_kind(path)
    headers = {}
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            _check_members(infos, size, path)
            for info in infos:
                name = info.filename[: -len(".npy")]
                headers[name] = _check_header(zf, info, path)
    except CheckpointError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as err:
        raise CheckpointError(f"{path} is damaged: {_reason(err)}") from err
    if META_KEY not in headers:
        raise CheckpointError(
            f"{path} is an .npz archive without zerodl metadata, not a zerodl checkpoint "
            "(write checkpoints with zerodl.save)"
        )
    shape, dtype = headers.pop(META_KEY)
    if dtype != np.uint8 or len(shape) != 1 or shape[0] > MAX_META_BYTES:
        raise CheckpointError(
            f"{path}: the metadata is not UTF-8 JSON bytes of at most {MAX_META_BYTES:,}"
        )
    meta = _parse_meta(_read_members(path, [META_KEY])[META_KEY], path)
    return Archive(path, meta, headers)


def network_keys(headers):
    """The names of the parameter and buffer arrays among `headers` (params/..., buffers/...)."""
    return [name for name in headers if name.startswith(("params/", "buffers/"))]


def _check_file_kind(path):
    """Refuse, with what it is, a path that is not an .npz archive; its size in bytes.

    The file's kind comes from stat, before it is opened: a device such as /dev/zero (or a link
    to one) would be read without end, and a FIFO would wait for a writer forever.
    """
    try:
        info = path.stat()
    except FileNotFoundError:
        raise FileNotFoundError(f"no checkpoint at {path}") from None
    if stat.S_ISDIR(info.st_mode):
        raise CheckpointError(f"{path} is a folder, not a checkpoint file")
    if not stat.S_ISREG(info.st_mode):
        raise CheckpointError(
            f"{path} is not a regular file (a device, a FIFO or a socket), not a checkpoint"
        )
    with open(path, "rb") as f:
        head = f.read(6)
    if zipfile.is_zipfile(path):
        return info.st_size
    if head.startswith(b"PK\x03\x04"):
        raise CheckpointError(
            f"{path} is damaged or truncated: it starts like an .npz archive but its end "
            "is missing (was the save interrupted? use an earlier checkpoint)"
        )
    if head.startswith(b"\x93NUMPY"):
        raise CheckpointError(f"{path} is a single .npy array, not a zerodl checkpoint")
    if head[:1] == b"\x80":
        raise CheckpointError(
            f"{path} is a Python pickle, not a zerodl checkpoint; zerodl never unpickles "
            "files, because unpickling can run any code"
        )
    raise CheckpointError(f"{path} is not a zerodl checkpoint (not an .npz archive)")


def _check_members(infos, size, path):
    """Refuse, from the zip directory alone, an archive whose members together declare more
    than the file can hold: too many of them, more stored bytes than the file has, a compression
    zerodl does not read, or compressed data that would expand beyond belief all together."""
    if len(infos) > MAX_MEMBERS:
        raise CheckpointError(
            f"{path} holds {len(infos):,} arrays, more than the {MAX_MEMBERS:,} a checkpoint may "
            "have: not a zerodl checkpoint"
        )
    packed = expanded = 0
    for info in infos:
        if info.compress_type not in COMPRESSIONS:
            raise CheckpointError(
                f"{path}: array {info.filename!r} is compressed with method "
                f"{info.compress_type}; zerodl reads arrays stored as they are or deflated "
                "(np.savez, np.savez_compressed) only"
            )
        if info.compress_size > size or (
            info.compress_type == zipfile.ZIP_STORED and info.file_size != info.compress_size
        ):
            raise CheckpointError(
                f"{path} is damaged: array {info.filename!r} declares {info.file_size:,} bytes "
                f"({info.compress_size:,} in the archive) and the whole file has {size:,}"
            )
        if info.compress_type != zipfile.ZIP_STORED:
            packed += info.compress_size
            expanded += info.file_size
    if sum(info.compress_size for info in infos) > size:
        raise CheckpointError(
            f"{path} is damaged: its arrays declare more bytes than the file's {size:,}"
        )
    if expanded > max(MAX_EXPANSION * packed, MIN_SUSPECT_BYTES):
        raise CheckpointError(
            f"{path}: its compressed arrays would expand from {packed:,} to {expanded:,} bytes "
            f"together (more than {MAX_EXPANSION} to 1), which no arrays of numbers do: a "
            "decompression bomb, not a zerodl checkpoint (zerodl.save stores arrays "
            "uncompressed)"
        )


def _reason(err):
    """The message of `err`, or what it means when it has none (EOFError() has no text)."""
    text = str(err).strip()
    if text:
        return text
    if isinstance(err, EOFError):
        return "the data ends before the end its header declares"
    return f"{type(err).__name__} while reading it"


def _read_members(path, names):
    """{name: array} read from the archive at `path` (headers already checked), no pickle."""
    arrays = {}
    try:
        with zipfile.ZipFile(path) as zf:
            for name in names:
                with zf.open(f"{name}.npy") as f:
                    arrays[name] = np.lib.format.read_array(f, allow_pickle=False)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, KeyError) as err:
        raise CheckpointError(f"{path} is damaged: {_reason(err)}") from err
    except MemoryError as err:
        raise CheckpointError(f"{path} holds arrays too large for this computer's memory") from err
    return arrays


def _check_header(zf, info, path):
    """Read one member's .npy header (not its data) and refuse anything unsafe, truncated or
    compressed beyond belief; (shape, dtype) of the array it declares."""
    if not info.filename.endswith(".npy"):
        raise CheckpointError(f"{path} holds {info.filename!r}, which is not a NumPy array")
    name = info.filename[: -len(".npy")]
    expands = info.compress_type != zipfile.ZIP_STORED
    if expands and info.file_size > max(MAX_EXPANSION * info.compress_size, MIN_SUSPECT_BYTES):
        raise CheckpointError(
            f"{path}: array {name!r} would expand from {info.compress_size:,} to "
            f"{info.file_size:,} bytes (more than {MAX_EXPANSION} to 1), which no array of "
            "numbers does: a decompression bomb, not a zerodl checkpoint (zerodl.save stores "
            "arrays uncompressed)"
        )
    with zf.open(info) as f:
        try:
            version = np.lib.format.read_magic(f)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
            elif version == (2, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
            else:
                raise CheckpointError(f"{path}: array {name!r} has .npy format {version}")
            offset = f.tell()
        except CheckpointError:
            raise
        except (ValueError, EOFError, OSError, zipfile.BadZipFile, zlib.error) as err:
            raise CheckpointError(f"{path} is damaged: array {name!r}: {_reason(err)}") from err
    if dtype.hasobject:
        raise CheckpointError(
            f"{path} holds pickled Python objects (array {name!r} has dtype object), which "
            "zerodl never loads because unpickling can run any code: not a zerodl checkpoint"
        )
    if dtype.kind not in "biufc" or dtype.fields is not None:
        raise CheckpointError(f"{path}: array {name!r} has dtype {dtype}, not a number type")
    expected = offset + int(np.prod(shape, dtype=object)) * dtype.itemsize  # Python ints
    if info.file_size != expected:
        raise CheckpointError(
            f"{path} is damaged: array {name!r} of shape {shape} needs {expected} bytes, "
            f"the archive holds {info.file_size}"
        )
    return tuple(shape), dtype


def _parse_meta(raw, path):
    """The metadata as a dict, its size, its number of containers and their depth bounded
    before and while it is parsed, and its structure checked."""
    if raw.dtype != np.uint8 or raw.ndim != 1 or raw.size > MAX_META_BYTES:
        raise CheckpointError(f"{path}: the metadata is not UTF-8 JSON bytes")
    data = raw.tobytes()
    containers = data.count(b"[") + data.count(b"{")  # counted before anything is built
    if containers > MAX_META_CONTAINERS:
        raise CheckpointError(
            f"{path}: the metadata holds {containers:,} JSON lists and objects, more than the "
            f"{MAX_META_CONTAINERS:,} a checkpoint's may: not a zerodl checkpoint"
        )
    try:
        meta = json.loads(data.decode("utf-8"))
    except RecursionError:
        meta = None  # nested deeper than Python parses: refused below as too deep
        depth = MAX_META_DEPTH + 1
    except (UnicodeDecodeError, ValueError) as err:
        raise CheckpointError(f"{path}: the metadata is not valid JSON ({err})") from err
    else:
        depth = _depth(meta)
    if depth > MAX_META_DEPTH:
        raise CheckpointError(
            f"{path}: the metadata nests lists and objects more than {MAX_META_DEPTH} deep: "
            "not a zerodl checkpoint"
        )
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a zerodl checkpoint (its metadata says otherwise)")
    version = meta.get("format_version")
    if not isinstance(version, int) or version < 1:
        raise CheckpointError(f"{path}: invalid format_version {version!r}")
    if version > FORMAT_VERSION:
        raise CheckpointError(
            f"{path} was written by a newer zerodl ({meta.get('zerodl_version')}, format "
            f"{version}); this is zerodl {__version__} (format {FORMAT_VERSION}): upgrade zerodl"
        )
    network = meta.get("network")
    if (
        not isinstance(network, dict)
        or not isinstance(network.get("class"), str)
        or not isinstance(network.get("config"), dict)
    ):
        raise CheckpointError(f"{path}: the metadata does not name the network's class and config")
    problem = _structure_problem(meta)
    if problem:
        raise CheckpointError(f"{path}: damaged metadata: {problem}")
    return meta


def _depth(value):
    """How deeply the lists and dicts of a parsed JSON value nest (iteratively: no recursion)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        value, level = stack.pop()
        if isinstance(value, dict):
            value = value.values()
        elif not isinstance(value, list):
            continue
        deepest = max(deepest, level)
        if level <= MAX_META_DEPTH:
            stack.extend((v, level + 1) for v in value)
    return deepest


def _structure_problem(meta):
    """What is wrong with the parts of the metadata the reader uses, or None."""
    rngs = meta.get("rngs")
    if rngs is not None and not (
        isinstance(rngs, dict)
        and isinstance(rngs.get("states", []), list)
        and all(isinstance(s, dict) for s in rngs.get("states", []))
        and isinstance(rngs.get("layers", {}), dict)
        and all(type(v) is int for v in rngs.get("layers", {}).values())
    ):
        return "rngs must be {'states': [generator states], 'layers': {index: state number}}"
    optimizer = meta.get("optimizer")
    if optimizer is not None and not (
        isinstance(optimizer, dict)
        and isinstance(optimizer.get("type"), str)
        and isinstance(optimizer.get("config", {}), dict)
    ):
        return "optimizer must be {'type': name, 'config': {...}, ...}"
    trainer = meta.get("trainer")
    if trainer is not None:
        if not isinstance(trainer, dict):
            return "trainer must be an object"
        epoch = trainer.get("epoch", 0)
        if type(epoch) is not int or epoch < 0:
            return f"trainer.epoch must be a whole number of epochs, not {epoch!r}"
    if not isinstance(meta.get("extra") or {}, dict):
        return "extra must be an object"
    return None


def check_fits(network, headers, path, what):
    """Refuse, listing every difference, a file whose parameters and buffers (their names, and
    the shapes and dtypes of `headers`: {name: (shape, dtype)}) do not fit `network`, and whose
    optimiser state arrays do not have the shapes of the parameters they belong to."""
    problems = []
    for group in ("params", "buffers"):
        have = {k.split("/", 1)[1]: v for k, v in headers.items() if k.startswith(f"{group}/")}
        want = getattr(network, group, {})
        missing = [n for n in want if n not in have]
        unexpected = [n for n in have if n not in want]
        if missing:
            problems.append(f"missing {group} {', '.join(missing)}")
        if unexpected:
            problems.append(f"unexpected {group} {', '.join(unexpected)}")
        for n in want:
            if n not in have:
                continue
            shape, dtype = have[n]
            if tuple(shape) != want[n].shape:
                problems.append(
                    f"{n} has shape {tuple(shape)} in the file, {want[n].shape} in the network"
                )
            if dtype != want[n].dtype:
                problems.append(
                    f"{n} has dtype {dtype} in the file, {want[n].dtype} in the network"
                )
    for key, (shape, _) in headers.items():  # optimizer/slots/<slot>/<parameter name>
        parts = key.split("/")
        if len(parts) == 4 and parts[:2] == ["optimizer", "slots"] and parts[3] in network.params:
            p = network.params[parts[3]]
            if tuple(shape) != p.shape:
                problems.append(
                    f"the optimiser's {parts[2]!r} of {parts[3]} has shape {tuple(shape)}, "
                    f"the parameter {p.shape}"
                )
    if problems:
        raise CheckpointError(f"{path} does not fit {what}: " + "; ".join(problems))


def fill_network(network, arrays, path, what):
    """Copy the file's params/ and buffers/ arrays into the network, in place, after checking
    that names, shapes and dtypes all fit; otherwise one error listing every difference."""
    check_fits(network, {k: (a.shape, a.dtype) for k, a in arrays.items()}, path, what)
    for group in ("params", "buffers"):
        for name, target in getattr(network, group, {}).items():
            target[...] = arrays[f"{group}/{name}"]  # in place: the layers hold these arrays


def restore_generators(network, rngs, path):
    """Give each layer that had a random generator (Dropout) the saved one, in its saved state;
    layers that shared one Generator share one again."""
    if not rngs:
        return
    try:
        generators = [_generator(state) for state in rngs["states"]]
        for index, which in rngs["layers"].items():
            layer = network.layers[int(index)]
            if not hasattr(layer, "rng"):
                raise CheckpointError(f"{path}: layer {index} ({layer!r}) has no random generator")
            layer.rng = generators[which]
    except CheckpointError:
        raise
    except (KeyError, TypeError, ValueError, IndexError, AttributeError, OverflowError) as err:
        raise CheckpointError(f"{path}: invalid random generator state ({_reason(err)})") from err


def _generator(state):
    name = state["bit_generator"]
    if not isinstance(name, str) or name not in BIT_GENERATORS:
        raise ValueError(
            f"unknown bit generator {name!r}; a checkpoint may name {', '.join(BIT_GENERATORS)}"
        )
    bit_generator = BIT_GENERATORS[name]()
    bit_generator.state = state
    return np.random.Generator(bit_generator)


def unpack(value, arrays):
    """The inverse of _pack: `value` with every {"__ndarray__": key} replaced by arrays[key]."""
    if isinstance(value, dict):
        if set(value) == {ARRAY_REF}:
            return arrays[value[ARRAY_REF]]
        return {k: unpack(v, arrays) for k, v in value.items()}
    if isinstance(value, list):
        return [unpack(v, arrays) for v in value]
    return value
