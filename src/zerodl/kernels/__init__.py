"""The fast kernels: the same numbers as the book's method, sooner. One seam for all of them.

Every layer in zerodl.layers holds the book's method (plain NumPy, read it to learn). A layer
whose work can be done faster asks this package for a kernel in one visible line, and records
the answer for its backward pass:

    self.kernel = kernels.find("convolution", self, x)   # None: the book's method below
    if self.kernel:
        return self.kernel.forward(self, x, train)

A kernel is an object with `forward(layer, x, train)` and `backward(layer, dout)`; it keeps what
backward needs on the layer. `find` returns one only when the kernels are switched on and the
kernel `applies` to this layer and input (stride-1 convolutions, windows side by side, ...).

    zerodl.use_kernels("reference")   # every layer runs the book's method (step through it)
    zerodl.use_kernels("fast")        # the default; or ZERODL_KERNELS=reference|fast

What lives here: the convolution by row products in cache-sized chunks (conv.py), pooling by
strided views (pooling.py), ReLU split over the cores (elementwise.py), the worker threads and
BLAS's thread count (threads.py), scratch buffers and malloc's tuning (memory.py). The tests
(tests/kernels) run every layer and every network both ways and require the same numbers.

A GPU backend would plug in here: a module of kernels written for CuPy arrays, registered with
`register("convolution", CupyConvolution, backend="cupy")` and chosen by `find` for inputs whose
array type it `applies` to. The layer files would not change: they ask `find`, whatever it
returns. (The book's method itself would need `xp = cupy.get_array_module(x)` in place of `np`.)
"""

import os

from zerodl.kernels import memory, threads
from zerodl.kernels.conv import ConvolutionKernel
from zerodl.kernels.elementwise import ReluKernel
from zerodl.kernels.pooling import AvgPoolingKernel, MaxPoolingKernel

MODES = ("fast", "reference")
ENVIRONMENT_VARIABLE = "ZERODL_KERNELS"

# The kernels by operation name: what `find` may return, tried in order.
_KERNELS = {
    "convolution": [ConvolutionKernel()],
    "relu": [ReluKernel()],
    "max_pooling": [MaxPoolingKernel()],
    "avg_pooling": [AvgPoolingKernel()],
}
_mode = None  # None: not chosen yet, ZERODL_KERNELS decides at the first use


def _check_mode(mode, where):
    if mode not in MODES:
        raise ValueError(f"{where} must be 'fast' or 'reference', got {mode!r}")
    return mode


def kernels_in_use():
    """ "fast" or "reference": what the layers run now (ZERODL_KERNELS until use_kernels)."""
    global _mode
    if _mode is None:
        _mode = _check_mode(os.environ.get(ENVIRONMENT_VARIABLE, "fast"), ENVIRONMENT_VARIABLE)
    return _mode


def use_kernels(mode):
    """Switch every layer to the fast kernels ("fast") or the book's method ("reference").

    Returns the mode that was in use, so that a caller can put it back. A layer keeps the
    choice of its last forward for its backward, so switch between steps, not inside one.
    """
    global _mode
    previous = kernels_in_use()
    _mode = _check_mode(mode, "use_kernels")
    return previous


def register(operation, kernel, first=True):
    """Offer `kernel` for `operation` ("convolution", "relu", ...); tried before the others."""
    kernels = _KERNELS.setdefault(operation, [])
    kernels.insert(0 if first else len(kernels), kernel)


def find(operation, layer, x):
    """The kernel that computes `operation` for this layer and input, or None (the book's way)."""
    if kernels_in_use() == "reference":
        return None
    for kernel in _KERNELS.get(operation, ()):
        if kernel.applies(layer, x):
            return kernel
    return None


def tune_process(threads_count=None):
    """Tune this process for training, as the `zerodl` command does for itself.

    glibc's malloc keeps freed memory for reuse (see zerodl.kernels.memory), and with
    `threads_count` both BLAS and zerodl's workers use that many threads. These change the whole
    process, which is why importing zerodl never does them.
    """
    memory.keep_freed_memory()
    if threads_count is not None:
        threads.set_num_threads(threads_count)
        threads.set_blas_threads(threads_count)


set_num_threads = threads.set_num_threads
num_threads = threads.num_threads

__all__ = [
    "MODES",
    "find",
    "kernels_in_use",
    "num_threads",
    "register",
    "set_num_threads",
    "tune_process",
    "use_kernels",
]
