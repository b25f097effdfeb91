"""Small fake MNIST-like datasets for the tests: four IDX files written with write_idx."""

import numpy as np

from zerodl.datasets import write_idx

FILE_NAMES = {
    "x_train": "train-images-idx3-ubyte",
    "t_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "t_test": "t10k-labels-idx1-ubyte",
}


def fake_arrays(n_train=30, n_test=10, seed=0):
    """Random 28x28 uint8 images and labels 0..9 (every class present), as in MNIST's files."""
    rng = np.random.default_rng(seed)
    return {
        "x_train": rng.integers(0, 256, size=(n_train, 28, 28), dtype=np.uint8),
        "t_train": rng.permutation(np.arange(n_train) % 10).astype(np.uint8),
        "x_test": rng.integers(0, 256, size=(n_test, 28, 28), dtype=np.uint8),
        "t_test": rng.permutation(np.arange(n_test) % 10).astype(np.uint8),
    }


def write_fake_dataset(folder, arrays=None, *, gz=True, **kwargs):
    """Write the four files into `folder` (created); return the arrays written."""
    arrays = fake_arrays(**kwargs) if arrays is None else arrays
    folder.mkdir(parents=True, exist_ok=True)
    for key, name in FILE_NAMES.items():
        write_idx(folder / (f"{name}.gz" if gz else name), arrays[key])
    return arrays


def cache_dir(tmp_path, dataset="mnist"):
    """Where the user cache of `dataset` is under no_local_data."""
    return tmp_path / "xdg-cache" / "zerodl" / dataset


def no_local_data(tmp_path, monkeypatch):
    """Nothing found on this machine: the user cache under tmp_path (see cache_dir), no
    ZERODL_DATA and an empty system folder."""
    from zerodl.datasets import sources

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.delenv("ZERODL_DATA", raising=False)
    monkeypatch.setattr(sources, "SYSTEM_DATA_DIR", tmp_path / "usr-share-datasets")
