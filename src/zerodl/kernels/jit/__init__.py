"""The jit kernels: compiled with Numba (`pip install 'zerodl[jit]'`), behind the same seam.

    zerodl.use_kernels("jit")        # or ZERODL_KERNELS=jit

What they compute is what the book's method computes (tests/kernels/test_same_numbers.py runs
them over the same layers and networks). Where there is no jit kernel for an operation, or it
does not apply, the fast NumPy kernel runs, as in mode "fast".

Compiled so far: the convolution, a register-blocked direct convolution without a column
matrix; ReLU and max pooling, one pass each way; Adam's update, one pass over each parameter
(see zerodl.kernels.jit.compiled, and the figures in the README's "Speed"). Each is registered
because it measured faster than what it stands in for (the fast kernel, or the book's update),
and only where it did (benchmarks/jit_layers.py). Importing this package imports no Numba: the
compiled module is loaded at the first jit kernel's first call, which also compiles it (once per
dtype; cached on disk, so later processes load it).
"""

import functools
import importlib
import importlib.util

import numpy as np

from zerodl.kernels import memory
from zerodl.kernels.conv import ConvolutionKernel
from zerodl.kernels.elementwise import ReluKernel
from zerodl.kernels.pooling import MaxPoolingKernel
from zerodl.kernels.threads import MIN_PART_ELEMENTS, parallel_batch

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


def cpu_has_avx512f():
    """True when this CPU (and its operating system) runs AVX-512F code: the kind of CPU the jit
    kernels were measured faster on. Asked of NumPy's table of the CPU features it dispatches
    on, read at NumPy's import, so no Numba is imported and nothing is compiled."""
    for module in ("numpy._core._multiarray_umath", "numpy.core._multiarray_umath"):  # 2.x, 1.x
        try:
            features = importlib.import_module(module).__cpu_features__
        except (ImportError, AttributeError):
            continue
        return bool(features.get("AVX512F", False))
    return False


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


# ReLU and pooling are compiled from this many elements per input on. On smaller ones the
# compiled pass measured no faster (a 100 x 50 ReLU: 3-5 microseconds either way), and a network
# of small layers only (TwoLayerNet, the MLP) then compiles nothing at its first step.
MIN_ELEMENTS = MIN_PART_ELEMENTS
_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def _compiles(x):
    """A NumPy array of float32 or float64, C-contiguous and writeable (the layout the compiled
    functions were compiled for: a read-only array would be compiled for again), of at least
    MIN_ELEMENTS elements."""
    return (
        isinstance(x, np.ndarray)
        and x.dtype in _FLOATS
        and x.ndim >= 1
        and x.size >= MIN_ELEMENTS
        and x.flags.c_contiguous
        and x.flags.writeable
    )


class JitReluKernel(ReluKernel):
    """y = max(x, 0) and the mask x > 0 written in one pass; dx in one pass.

    Its context is the fast kernel's (the mask `positive`, None in inference), and so is its
    book_state (the book's `mask`).
    """

    def applies(self, layer, x):
        return _compiles(x)

    def forward(self, layer, x, train=True):
        if not train:
            return load().relu(x, None, parallel_batch), None
        # The mask is only ever read by the backward: last step's memory is reused.
        last = layer.kernel_context if isinstance(layer.kernel_context, np.ndarray) else None
        positive = memory.reuse(last, x.shape, np.dtype(bool))
        return load().relu(x, positive, parallel_batch), positive

    def backward(self, layer, positive, dout):
        if dout.dtype not in _FLOATS:
            return super().backward(layer, positive, dout)
        return load().relu_grad(dout, positive, parallel_batch), {}


class JitMaxPoolContext:
    """What the compiled max pooling's backward needs: x (a reference) and offset (N, C, OH, OW)
    uint8, the position i*pool_w + j of each window's first maximum."""

    __slots__ = ("x", "offset", "pool_h", "pool_w", "stride")

    def __init__(self, x, offset, pool_h, pool_w, stride):
        self.x, self.offset = x, offset
        self.pool_h, self.pool_w, self.stride = pool_h, pool_w, stride


class JitMaxPoolingKernel(MaxPoolingKernel):
    """Max pooling of windows side by side (as the fast kernel), each window's maximum and its
    position found in one pass, dx written in one pass.

    The book's `x` and `arg_max` answer from its context (JitMaxPoolContext while training;
    None in inference, which keeps nothing for backward).
    """

    def applies(self, layer, x):
        return _compiles(x) and x.ndim == 4 and super().applies(layer, x)

    def forward(self, layer, x, train=True):
        ph, pw, stride = layer.pool_h, layer.pool_w, layer.stride
        if not train:  # without the positions of the maxima, and keeping nothing
            return load().max_pool(x, ph, pw, stride, False, None, parallel_batch)[0], None
        last = layer.kernel_context
        reuse = last.offset if isinstance(last, JitMaxPoolContext) else None
        out, offset = load().max_pool(x, ph, pw, stride, True, reuse, parallel_batch)
        return out, JitMaxPoolContext(x, offset, ph, pw, stride)

    def backward(self, layer, context, dout):
        c = context
        code = load()
        dx = code.max_pool_grad(
            dout, c.offset, c.x.shape, c.pool_h, c.pool_w, c.stride, parallel_batch
        )
        return dx, {}

    def arg_max(self, context):
        # (N, C, OH, OW) -> (N*OH*OW*C,), the book's row order, as np.argmax gives it
        return context.offset.transpose(0, 2, 3, 1).reshape(-1).astype(np.intp)


class JitUpdateKernel:
    """An optimiser's update of one parameter in one pass over p, g and the state arrays (the
    book's rule in zerodl.optimizers, operation for operation, in the parameter's dtype).

    applies: every array float32 or float64 alike, C-contiguous, writeable, of one shape.
    """

    def __init__(self, update):
        self.update = update  # update(optimizer, p, g, *state)

    def applies(self, optimizer, arrays):
        p = arrays[0]
        return all(
            isinstance(a, np.ndarray)
            and a.dtype == p.dtype
            and a.shape == p.shape
            and a.flags.c_contiguous
            and a.flags.writeable
            for a in arrays
        ) and p.dtype in _FLOATS


def _adam(optimizer, p, g, m, v):
    o = optimizer
    load().adam(p, g, m, v, o.beta1, o.beta2, o.t, o.eps, o.lr)


# The jit kernels by operation name, tried before the fast ones in mode "jit".
KERNELS = {
    "convolution": [JitConvolutionKernel()],
    "relu": [JitReluKernel()],
    "max_pooling": [JitMaxPoolingKernel()],
    "adam": [JitUpdateKernel(_adam)],
}
