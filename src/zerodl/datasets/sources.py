"""Where the IDX files of a dataset are found, in a fixed order; downloaded only as a last resort.

Each dataset is four files, gzip-compressed (``.gz``) or not:

    train-images-idx3-ubyte   train-labels-idx1-ubyte
    t10k-images-idx3-ubyte    t10k-labels-idx1-ubyte

They are looked for in these folders, and the first folder that holds all four is used:

    1. the ``data_dir`` argument, or its subfolder named after the dataset (``mnist/``,
       ``fashion-mnist/``). When data_dir was given but the files come from a later place (or a
       download), a warning says so: a mistyped path is not silently replaced by other files.
    2. ``$ZERODL_DATA/<dataset>``, then ``$ZERODL_DATA`` itself (a folder for one dataset).
    3. the user cache, ``~/.cache/zerodl/<dataset>`` (``$XDG_CACHE_HOME/zerodl/<dataset>`` when
       XDG_CACHE_HOME is set), where downloads go.
    4. the system folder ``/usr/share/datasets/<dataset>`` (Debian's convention).

When none holds them, the files are downloaded into the user cache (see download.py); when that
fails too, `DatasetNotFoundError` lists every place looked and says how to provide the files.
"""

import os
from pathlib import Path

import zerodl.datasets.download as _download  # the module: tests replace its download()
from zerodl._caller import warn_at_caller

__all__ = ["DATASETS", "DatasetNotFoundError", "SYSTEM_DATA_DIR", "locate", "user_cache_dir"]

# Folder and display name of each dataset; the file names are the same for both.
DATASETS = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST"}
FILE_NAMES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
SYSTEM_DATA_DIR = Path("/usr/share/datasets")


class DatasetNotFoundError(FileNotFoundError):
    """The dataset's files are in none of the places searched, and could not be downloaded.

    Attributes:
        dataset: "mnist" or "fashion-mnist".
        places: one line per folder searched, in order: the folder, why it was searched (with
            ZERODL_DATA's value) and what it lacks, e.g.
            ``/data/mnist  (ZERODL_DATA=/data; it has 3 of the 4 files, missing ...)``.
        failures: why each download attempt failed (empty when none was made).
    """

    def __init__(self, message, dataset=None, places=(), failures=()):
        super().__init__(message)
        self.dataset, self.places, self.failures = dataset, list(places), list(failures)


def user_cache_dir(dataset=None):
    """``$XDG_CACHE_HOME/zerodl`` or ``~/.cache/zerodl``, or its subfolder for `dataset`."""
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    root = base / "zerodl"
    return root if dataset is None else root / dataset


def find_in_folder(folder):
    """{role: path} of the four files in `folder` (raw or .gz), only the ones present."""
    found = {}
    for role, name in FILE_NAMES.items():
        for candidate in (folder / name, folder / f"{name}.gz"):
            if candidate.is_file():
                found[role] = candidate
                break
    return found


def candidate_folders(dataset, data_dir=None):
    """The folders to search, in order, each with the reason it is searched."""
    folders = []
    if data_dir is not None:
        data_dir = Path(data_dir).expanduser()
        folders += [(data_dir / dataset, "data_dir"), (data_dir, "data_dir")]
    value = os.environ.get("ZERODL_DATA")
    if value:
        env = Path(value).expanduser()
        why = f"ZERODL_DATA={value}"
        folders += [(env / dataset, why), (env, why)]
    folders.append((user_cache_dir(dataset), "user cache"))
    folders.append((SYSTEM_DATA_DIR / dataset, "system folder"))
    return folders


def locate(dataset, data_dir=None, *, download=True, progressbar=True):
    """{role: path} of the four files of `dataset`, downloading them if found nowhere.

    Args:
        dataset: "mnist" or "fashion-mnist".
        data_dir: the first folder to search (and its `dataset` subfolder).
        download: when the files are found nowhere, download them into the user cache.
        progressbar: show a progress bar while downloading.

    Raises:
        DatasetNotFoundError: found nowhere, and not downloaded (or the download failed).
    Warns:
        UserWarning: data_dir was given but does not hold the files; the warning names the
            folder they were taken from instead.
    """
    looked = []
    for folder, why in candidate_folders(dataset, data_dir):
        found = find_in_folder(folder)
        if len(found) == len(FILE_NAMES):
            return _elsewhere(dataset, data_dir, why, folder, found)
        looked.append((folder, why, found))

    failures = []
    if download:
        cache = user_cache_dir(dataset)
        try:
            _download.download(dataset, cache, progressbar=progressbar)  # all four, or raises
        except OSError as err:  # a DownloadError, or the cache folder cannot be written
            failures = getattr(err, "failures", None) or [f"{type(err).__name__}: {err}"]
        else:
            return _elsewhere(dataset, data_dir, "downloaded", cache, find_in_folder(cache))
    places = [_place(folder, why, found) for folder, why, found in looked]
    raise DatasetNotFoundError(
        _not_found_message(dataset, download, places, failures), dataset, places, failures
    )


def _elsewhere(dataset, data_dir, why, folder, found):
    """`found`, after a warning when data_dir was given but the files came from `folder`."""
    if data_dir is not None and why != "data_dir":
        warn_at_caller(
            f"{DATASETS[dataset]} is not in data_dir {data_dir}; "
            f"using the files in {folder} ({why})"
        )
    return found


def _place(folder, why, found):
    """One line about a folder searched: where, why, and what it lacks."""
    if found:
        missing = [name for role, name in FILE_NAMES.items() if role not in found]
        note = f"it has {len(found)} of the 4 files, missing {', '.join(missing)}"
    elif folder.is_dir():
        note = "it holds none of the 4 files"
    else:
        note = "no such folder"
    return f"{folder}  ({why}; {note})"


def _not_found_message(dataset, download, places, failures):
    title = DATASETS[dataset]
    lines = [f"{title} was not found. Looked for its four files in:"]
    lines += [f"  - {place}" for place in places]
    if not download:
        lines.append("download=False, so nothing was downloaded.")
    else:
        lines.append("Downloading failed:")
        lines += [f"  - {f}" for f in failures]
    names = "  ".join(f"{name}.gz" for name in FILE_NAMES.values())
    mirrors = "  ".join(_download.MIRRORS[dataset])
    lines += [
        "To provide the files by hand, get these four files (gzip-compressed or not):",
        f"    {names}",
        f"(e.g. from {mirrors}) and put them in",
        f"    {user_cache_dir(dataset)}",
        "or in a folder of your own and pass data_dir='that/folder' or set the environment",
        f"variable ZERODL_DATA=that/folder (which may hold one subfolder per dataset: "
        f"{', '.join(d + '/' for d in DATASETS)}).",
    ]
    return "\n".join(lines)
