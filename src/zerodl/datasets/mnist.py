"""MNIST and Fashion-MNIST as NumPy arrays: the book's ``load_mnist``, done safely.

    (x_train, t_train), (x_test, t_test) = load_mnist(normalize=True, flatten=True)
    x_train.shape, x_train.dtype   # (60000, 784) float32, values in [0, 1]
    t_train.shape, t_train.dtype   # (60000,) int64, values 0..9

Both datasets are 70,000 grey 28x28 images in 10 classes (60,000 to train on, 10,000 to test on),
stored as four IDX files (see idx.py). Where the files are found or downloaded: sources.py. The
parsed arrays are kept in an .npz cache (cache.py), so only the first load parses the files.

Every load checks what it hands over: images are 28x28 uint8, each labels file has one label in
0..9 per image of its images file, and MNIST is not mistaken for Fashion-MNIST or the reverse
(their files have the same names; the label counts tell them apart).
"""

import functools

import numpy as np

from zerodl.datasets.cache import load_cached
from zerodl.datasets.idx import IdxFormatError, read_idx
from zerodl.datasets.sources import DATASETS, locate, user_cache_dir

__all__ = ["load_dataset", "load_fashion_mnist", "load_mnist"]

H = W = 28  # image height and width
NUM_CLASSES = 10
# How many images of each digit 0..9 the genuine MNIST training set holds (Fashion-MNIST, and
# KMNIST, hold exactly 6000 of each class).
MNIST_TRAIN_LABEL_COUNTS = (5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949)

_SPLITS = {  # array name: the role of its source file (see sources.FILE_NAMES)
    "x_train": "train_images",
    "t_train": "train_labels",
    "x_test": "test_images",
    "t_test": "test_labels",
}


def load_mnist(
    normalize=True,
    flatten=True,
    one_hot_label=False,
    *,
    dtype=np.float32,
    data_dir=None,
    download=True,
):
    """Load MNIST, the handwritten digits 0..9, as ``((x_train, t_train), (x_test, t_test))``.

    Args:
        normalize: scale the images to [0, 1] in `dtype` (x / 255); if False they stay uint8
            with values 0..255.
        flatten: images as rows of 784 pixels (N, 784); if False as (N, 1, 28, 28) for CNNs.
        one_hot_label: labels as one-hot rows (N, 10) of `dtype`, e.g. 3 ->
            [0, 0, 0, 1, 0, 0, 0, 0, 0, 0]; if False as int64 class numbers (N,).
        dtype: the floating type of normalized images and one-hot labels (default float32).
        data_dir: a folder holding the four IDX files (or a ``mnist/`` subfolder with them),
            searched first; then $ZERODL_DATA, the user cache and /usr/share/datasets (see
            zerodl.datasets.sources), with a warning when data_dir was given but not used.
        download: download the files into the user cache when they are found nowhere.

    Shape:
        x_train (60000, 784) or (60000, 1, 28, 28); t_train (60000,) or (60000, 10);
        x_test (10000, 784) or (10000, 1, 28, 28); t_test (10000,) or (10000, 10).

    Raises:
        DatasetNotFoundError: the files are nowhere and could not be downloaded; the message
            lists the places searched and how to provide the files.
        IdxFormatError: a file is damaged or does not hold what an MNIST file must hold.

    Example:
        >>> (x_train, t_train), (x_test, t_test) = load_mnist(flatten=False)
        >>> x_train.shape, t_train[:5]
        ((60000, 1, 28, 28), array([5, 0, 4, 1, 9]))
    """
    return _load("mnist", normalize, flatten, one_hot_label, dtype, data_dir, download)


def load_fashion_mnist(
    normalize=True,
    flatten=True,
    one_hot_label=False,
    *,
    dtype=np.float32,
    data_dir=None,
    download=True,
):
    """Load Fashion-MNIST (Zalando's clothes, 10 classes), exactly like `load_mnist`.

    The classes: 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal, 6 Shirt,
    7 Sneaker, 8 Bag, 9 Ankle boot. The files are looked for in a ``fashion-mnist/`` subfolder
    (of data_dir, $ZERODL_DATA, the user cache, /usr/share/datasets).
    """
    return _load("fashion-mnist", normalize, flatten, one_hot_label, dtype, data_dir, download)


_LOADERS = {"mnist": load_mnist, "fashion-mnist": load_fashion_mnist}


def load_dataset(name, **kwargs):
    """``load_dataset("mnist", ...)`` or ``load_dataset("fashion-mnist", ...)`` (or fashion_mnist).

    The keyword arguments are those of `load_mnist`.
    """
    key = str(name).lower().replace("_", "-")
    if key not in _LOADERS:
        raise ValueError(f"unknown dataset {name!r}; choose one of {', '.join(_LOADERS)}")
    return _LOADERS[key](**kwargs)


def _load(dataset, normalize, flatten, one_hot_label, dtype, data_dir, download):
    dtype = np.dtype(dtype)
    if not np.issubdtype(dtype, np.floating):
        raise ValueError(f"dtype must be a floating type such as float32, got {dtype}")
    paths = locate(dataset, data_dir, download=download)
    raw = load_cached(
        user_cache_dir(dataset) / "parsed.npz",
        paths,
        build=functools.partial(_parse, dataset),
        check=_check,
    )
    x_train = _images(raw["x_train"], normalize, flatten, dtype)
    x_test = _images(raw["x_test"], normalize, flatten, dtype)
    t_train = _labels(raw["t_train"], one_hot_label, dtype)
    t_test = _labels(raw["t_test"], one_hot_label, dtype)
    return (x_train, t_train), (x_test, t_test)


def _images(x, normalize, flatten, dtype):
    """uint8 (N, 28, 28) -> (N, 784) or (N, 1, 28, 28), scaled to [0, 1] in dtype if normalize."""
    n = len(x)
    x = x.reshape(n, H * W) if flatten else x.reshape(n, 1, H, W)  # (N, 784) or (N, 1, 28, 28)
    if normalize:
        x = x.astype(dtype)  # straight from uint8 to dtype: no float64 in between
        x /= 255
    return x


def _labels(t, one_hot, dtype):
    """uint8 (N,) -> int64 (N,), or one-hot rows (N, 10) of dtype."""
    if one_hot:
        return np.eye(NUM_CLASSES, dtype=dtype)[t]  # (N, 10): row i is 1 at column t[i]
    return t.astype(np.int64)


def _parse(dataset, paths):
    """Read the four IDX files of `dataset` and check them; {array name: uint8 array}."""
    arrays = {name: read_idx(paths[role]) for name, role in _SPLITS.items()}
    _check(arrays, paths)
    _check_is(dataset, arrays["t_train"], paths["train_labels"])
    return arrays


def _check(arrays, paths=None):
    """Raise IdxFormatError unless the arrays are MNIST-shaped: 28x28 uint8 images, labels 0..9,
    one label per image. `paths` ({role: path}) names the files in the messages."""

    def name(array_name):
        return str(paths[_SPLITS[array_name]]) if paths else f"the cached {array_name}"

    if set(arrays) != set(_SPLITS):
        raise KeyError(f"expected the arrays {sorted(_SPLITS)}, got {sorted(arrays)}")
    for split in ("train", "test"):
        x, t = arrays[f"x_{split}"], arrays[f"t_{split}"]
        xname, tname = name(f"x_{split}"), name(f"t_{split}")
        if x.dtype != np.uint8 or x.ndim != 3 or x.shape[1:] != (H, W):
            raise IdxFormatError(
                f"{xname}: expected 28x28 uint8 images, shape (N, 28, 28), "
                f"but the file holds {x.dtype} of shape {x.shape}"
            )
        if t.dtype != np.uint8 or t.ndim != 1:
            raise IdxFormatError(
                f"{tname}: expected uint8 labels of shape (N,), "
                f"but the file holds {t.dtype} of shape {t.shape}"
            )
        if len(x) == 0:
            raise IdxFormatError(f"{xname}: the file holds no images")
        if len(t) != len(x):
            raise IdxFormatError(
                f"{tname} holds {len(t)} labels but {xname} holds {len(x)} images: "
                "the two files do not belong together"
            )
        if t.max() >= NUM_CLASSES:
            bad = np.unique(t[t >= NUM_CLASSES])[:5].tolist()
            raise IdxFormatError(f"{tname}: labels must be 0..9, found {bad}")


def _check_is(dataset, t_train, path):
    """Tell MNIST and Fashion-MNIST apart by their training label counts."""
    if len(t_train) != 60000:
        return  # not a full training set (a test fixture, a subset): nothing to compare
    counts = tuple(np.bincount(t_train, minlength=NUM_CLASSES).tolist())
    if dataset == "mnist" and len(set(counts)) == 1:
        raise IdxFormatError(
            f"{path}: these labels are balanced ({counts[0]} of each class), as in "
            "Fashion-MNIST, not MNIST: the folder holds another dataset's files. Keep each "
            f"dataset in its own subfolder ({', '.join(d + '/' for d in DATASETS)})."
        )
    if dataset == "fashion-mnist" and counts == MNIST_TRAIN_LABEL_COUNTS:
        raise IdxFormatError(
            f"{path}: these are MNIST's labels, not Fashion-MNIST's: the folder holds "
            "MNIST. Keep each dataset in its own subfolder "
            f"({', '.join(d + '/' for d in DATASETS)})."
        )
