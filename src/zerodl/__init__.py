"""zerodl: deep learning from zero in Python and NumPy.

Layers with hand-written forward and backward passes, networks built from them, gradients checked
against numerical differentiation, optimisers, a trainer, MNIST, safe checkpoints and plots.

    zerodl.save(network, "net.npz")         # see zerodl.checkpoint
    network = zerodl.load("net.npz")
    zerodl.use_kernels("reference")         # every layer runs the book's method (see kernels)
    zerodl.tune_process(threads_count=8)    # what the `zerodl` command does for its process
    network = zerodl.pretrained("mnist-cnn")  # a trained network that ships with zerodl (zoo)
    zerodl.check("my_layers.py")            # your own layers against the book's (zerodl.check)

Importing zerodl changes nothing outside it: no threads, no BLAS or malloc settings, no
downloads. tune_process is there for a program that wants the command's tuning.
"""

import importlib

from zerodl._version import __version__
from zerodl.checkpoint import load, save
from zerodl.kernels import kernels_in_use, tune_process, use_kernels
from zerodl.zoo import pretrained

__all__ = [
    "__version__",
    "check",
    "kernels_in_use",
    "load",
    "pretrained",
    "save",
    "tune_process",
    "use_kernels",
]


def __getattr__(name):
    """zerodl.check is imported on first use: it loads the book's modules, which a program that
    never checks a learner's code does not need."""
    if name == "check":
        return importlib.import_module("zerodl.check")  # callable: zerodl.check(file)
    raise AttributeError(f"module 'zerodl' has no attribute {name!r}")
