"""The jit kernels: compiled with Numba (`pip install 'zerodl[jit]'`), behind the same seam.

    zerodl.use_kernels("jit")        # or ZERODL_KERNELS=jit

What they compute is what the book's method computes (tests/kernels/test_same_numbers.py runs
them over the same layers and networks). Where there is no jit kernel for an operation, or it
does not apply, the fast NumPy kernel runs, as in mode "fast".

Only the convolution is compiled so far: a register-blocked direct convolution, without a column
matrix (see zerodl.kernels.jit.compiled, and the figures in the README's "Speed"). Importing this
package imports no Numba: the compiled module is loaded at the first jit kernel's first call,
which also compiles it (once per dtype; cached on disk, so later processes load it).
"""

import functools
import importlib
import importlib.util

from zerodl.kernels.conv import ConvolutionKernel
from zerodl.kernels.threads import parallel_batch

INSTALL_HINT = "the jit kernels need Numba: pip install 'zerodl[jit]'"
_COMPILED_MODULE = "zerodl.kernels.jit.compiled"
_module = None


@functools.cache  # looking for it takes some 0.1 ms, and use_kernels("jit") asks each time
def available():
    """True when Numba is installed (found without importing it)."""
    return importlib.util.find_spec("numba") is not None


def load():
    """zerodl.kernels.jit.compiled, imported on first use: the one module that imports Numba.

    It imports nothing of zerodl, so this late import hides no import cycle.
    """
    global _module
    if _module is None:
        if not available():
            raise ImportError(INSTALL_HINT)
        _module = importlib.import_module(_COMPILED_MODULE)
    return _module


# With fewer input channels the fast kernel is faster (a first layer, C = 1: measured 1.5-2x
# slower compiled, a window row being only FW numbers): the jit kernel leaves those to it.
MIN_CHANNELS = 8


class JitConvolutionKernel(ConvolutionKernel):
    """Stride-1 convolutions with square filters and at least MIN_CHANNELS input channels.

    Its context is x, as the fast kernel's (and so the same book_state); backward returns
    (dx or None, {"W": dW, "b": db}).
    """

    def applies(self, layer, x):
        return layer.in_channels >= MIN_CHANNELS and super().applies(layer, x)

    def forward(self, layer, x, train=True):
        W, b = layer.params["W"], layer.params["b"]
        return load().forward(x, W, b, layer.pad, parallel_batch), x

    def backward(self, layer, x, dout):
        W, need_dx = layer.params["W"], layer.needs_input_grad
        dx, dW, db = load().backward(x, W, dout, layer.pad, need_dx, parallel_batch)
        return dx, {"W": dW, "b": db}


# The jit kernels by operation name, tried before the fast ones in mode "jit".
KERNELS = {"convolution": [JitConvolutionKernel()]}
