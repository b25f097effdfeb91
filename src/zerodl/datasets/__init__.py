"""Datasets: IDX files (MNIST's format) and mini-batches."""

from zerodl.datasets.batches import minibatches
from zerodl.datasets.idx import IdxFormatError, read_idx, write_idx

__all__ = ["IdxFormatError", "minibatches", "read_idx", "write_idx"]
