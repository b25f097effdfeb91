"""Datasets: MNIST and Fashion-MNIST from IDX files, and mini-batches.

    from zerodl.datasets import load_mnist, minibatches
    (x_train, t_train), (x_test, t_test) = load_mnist()        # (60000, 784) float32, int64
    for x_batch, t_batch in minibatches(x_train, t_train, 100, seed=0):
        ...

Modules, one idea each:
    idx.py       the IDX file format, byte by byte: read_idx, write_idx, IdxFormatError
    sources.py   where the files are looked for, in order; DatasetNotFoundError
    download.py  the public mirrors and their checksums; verified downloads with pooch
    cache.py     the parsed .npz cache that makes the second load fast
    mnist.py     load_mnist, load_fashion_mnist, load_dataset
    batches.py   minibatches: each sample once per epoch, in a seeded order; validation_split
    augment.py   RandomAffine: random shifts, rotations and scalings of a batch
"""

from zerodl.datasets.batches import minibatches, validation_split
from zerodl.datasets.idx import IdxFormatError, read_idx, write_idx
from zerodl.datasets.mnist import load_dataset, load_fashion_mnist, load_mnist
from zerodl.datasets.sources import DatasetNotFoundError

__all__ = [
    "DatasetNotFoundError",
    "IdxFormatError",
    "load_dataset",
    "load_fashion_mnist",
    "load_mnist",
    "minibatches",
    "validation_split",
    "read_idx",
    "write_idx",
]
