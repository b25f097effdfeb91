"""dataset.mnist: the book's load_mnist, reading zerodl's MNIST (zerodl.datasets.load_mnist).

    (x_train, t_train), (x_test, t_test) = load_mnist(normalize=True, flatten=True,
                                                      one_hot_label=False)

The same arrays as the book's: images (60000, 784) or (60000, 1, 28, 28), float32 in [0, 1]
when normalize, else uint8 0..255; labels as class numbers (int64 here, uint8 in the book) or
one-hot rows (float32 here, float64 in the book).

The files are zerodl's (zerodl.datasets.sources): looked for in $ZERODL_DATA, zerodl's user
cache and /usr/share/datasets, and downloaded into the cache, checked against their checksums,
only when they are in none of them; then parsed from the IDX format. No pickle file is written
or read (the book keeps mnist.pkl beside its script, and unpickling a file can run any code).
"""

import gzip
import os

import numpy as np

from zerodl.datasets import load_mnist as _load_mnist

# What the book's module gives to `from dataset.mnist import *` as well: numpy, os and gzip, and
# its sizes. Not its download scheme (url_base, key_file, save_file: mnist.pkl, read by pickle).
__all__ = ["gzip", "img_dim", "img_size", "load_mnist", "np", "os", "test_num", "train_num"]

train_num = 60000
test_num = 10000
img_dim = (1, 28, 28)
img_size = 784


def load_mnist(normalize=True, flatten=True, one_hot_label=False):
    """((x_train, t_train), (x_test, t_test)) as the book's load_mnist returns them."""
    return _load_mnist(normalize=normalize, flatten=flatten, one_hot_label=one_hot_label)
