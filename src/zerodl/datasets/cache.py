"""A parsed cache: the arrays of a dataset in one .npz file, so that the second load is fast.

Decompressing and parsing the four MNIST files takes a few tenths of a second; reading the same
uint8 arrays back from an uncompressed .npz takes a few hundredths. The cache is safe to trust
because it is checked every time it is read:

* it records which source files it was built from (path, size and modification time) and is
  rebuilt when they change;
* it is loaded with ``allow_pickle=False``, so a cache file can never run code;
* .npz is a zip archive whose members carry a CRC-32: a truncated or bit-flipped cache fails to
  load, and the arrays' names, dtypes and shapes are checked after loading. Any failure means
  "rebuild", never an error for the user;
* it is written to a temporary file in the same folder and renamed into place (``os.replace``),
  so a crash or a second process never leaves half a cache behind.

It lives in the user cache folder (not beside the data, which may be read-only).
"""

import json
import zipfile
from pathlib import Path

import numpy as np

from zerodl._caller import warn_at_caller
from zerodl.atomic import atomic_write

__all__ = ["CACHE_VERSION", "load_cached", "source_key"]

CACHE_VERSION = 1  # bump when the layout of the cache changes


def source_key(paths):
    """A string that changes whenever one of `paths` ({role: path}) is changed or replaced."""
    entries = []
    for role in sorted(paths):
        path = Path(paths[role]).resolve()
        stat = path.stat()
        entries.append([role, str(path), stat.st_size, stat.st_mtime_ns])
    return json.dumps(entries)


def load_cached(cache_file, paths, build, check):
    """The arrays built from `paths`, read from `cache_file` when it is valid and current.

    Args:
        cache_file: the .npz to read, and to (re)write when it is missing, stale or damaged.
        paths: {role: path} of the source files.
        build: ``build(paths) -> {name: array}``, the slow way, from the source files.
        check: ``check(arrays)`` raises ValueError or KeyError when loaded arrays are unfit.

    Returns:
        {name: array}.
    """
    cache_file = Path(cache_file)
    key = source_key(paths)
    arrays = _read(cache_file, key, check)
    if arrays is None:
        arrays = build(paths)
        _write(cache_file, key, arrays)
    return arrays


def _read(cache_file, key, check):
    """The cached arrays, or None when the cache is absent, stale or damaged in any way."""
    if not cache_file.is_file():
        return None
    try:
        with np.load(cache_file, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}  # reads (and CRC-checks) all
        if str(arrays.pop("cache_version", None)) != str(CACHE_VERSION):
            return None
        if str(arrays.pop("source_key", None)) != key:
            return None
        check(arrays)
    except (OSError, EOFError, ValueError, KeyError, zipfile.BadZipFile):
        return None
    return arrays


def _write(cache_file, key, arrays):
    """Write the cache atomically; a folder we cannot write to only costs speed, with a warning."""
    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(cache_file) as f:
            np.savez(f, source_key=np.array(key), cache_version=np.array(CACHE_VERSION), **arrays)
    except OSError as err:
        warn_at_caller(
            f"could not write the dataset cache {cache_file} ({err}); the data is fine, but the "
            "next load will parse the files again"
        )
