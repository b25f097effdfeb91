"""The fast kernels: the same numbers as the book's method, sooner. One seam for all of them.

Every layer in zerodl.layers holds the book's method (plain NumPy, read it to learn). A layer
whose work can be done faster asks this package for a kernel in one visible line, and records
the answer for its backward pass:

    self.kernel = kernels.find("convolution", self, x)   # None: the book's method below
    if self.kernel:
        return self.forward_with_kernel(x, train)

The protocol. A kernel is an object with

    kernel.applies(layer, x) -> bool           reads the layer's configuration, writes nothing
    out, context = kernel.forward(layer, x, train)
    dx, grads = kernel.backward(layer, context, dout)
    kernel.book_names                          the book's attribute names it can answer for
    kernel.book_state(context, name)           one of them, made from the context on demand

A kernel never writes into a layer. Its forward reads the layer's configuration and parameters
and hands back, with the output, a context of its own: what its backward needs (references to
arrays, never copies), the way an autograd function keeps `ctx`. The layer holds that context in
one attribute, `layer.kernel_context`, and knows nothing of its contents (forward may read the
last one only to reuse its memory). backward returns dx (None when `layer.needs_input_grad` is
False) and `grads`, the parameters' gradients by the layer's parameter names ({} for a layer
without parameters); the layer copies them into its own `grads`. So that a learner can still
print `relu.mask` or `pool.arg_max` in fast mode, the layer answers the book's names listed in
`book_names` by asking `book_state(layer.kernel_context, name)` (see zerodl.layers.base.Layer).
An inference forward (train=False) of ReLU or pooling keeps nothing for backward: its context,
and so those names, are None, and a backward then says to run a training forward first.

An optimiser's update rule asks the same way, for a kernel that updates one parameter in place
(only the jit kernels have some; elsewhere the book's rule runs):

    kernel = kernels.find("adam", self, (p, g, m, v))   # None: the book's rule below
    if kernel:
        return kernel.update(self, p, g, m, v)

with `kernel.applies(optimizer, arrays)` and `kernel.update(optimizer, p, g, *state)`, which
changes p and the state arrays as the book's rule does, reading the optimiser's attributes.

`find` returns a kernel only when the kernels are switched on, the layer runs zerodl's own code
(its class's forward and backward are functions written in zerodl's files, as for zerodl.layers
and the book's adapters of them: a learner's copy of a layer file, or a subclass that overrides
forward or backward, always runs its own code), and the kernel `applies` to this layer and input
(stride-1 convolutions, windows side by side, ...).

    zerodl.use_kernels("reference")   # every layer runs the book's method (step through it)
    zerodl.use_kernels("fast")        # the NumPy kernels; or ZERODL_KERNELS=reference|fast|jit
    zerodl.use_kernels("jit")         # compiled kernels first (pip install 'zerodl[jit]')

Unless one of these chose, `automatic_mode()` does at the first use: "jit" where Numba is
installed and the CPU has AVX-512F (where the jit kernels measured faster), else "fast".

What lives here: the convolution by row products in cache-sized chunks (conv.py), pooling by
strided views (pooling.py), ReLU split over the cores (elementwise.py), the worker threads and
BLAS's thread count (threads.py), scratch buffers and malloc's tuning (memory.py), and, optional,
kernels compiled by Numba (jit/: mode "jit", `pip install 'zerodl[jit]'`; Numba is imported at
their first use, never here). The tests (tests/kernels) run every layer and every network in
each mode and require the same numbers.

A GPU backend would plug in here: a module of kernels written for CuPy arrays, registered with
`register("convolution", CupyConvolution, backend="cupy")` and chosen by `find` for inputs whose
array type it `applies` to. The layer files would not change: they ask `find`, whatever it
returns. (The book's method itself would need `xp = cupy.get_array_module(x)` in place of `np`.)
"""

import os

from zerodl.kernels import jit, memory, threads
from zerodl.kernels.conv import ConvolutionKernel
from zerodl.kernels.elementwise import ReluKernel
from zerodl.kernels.pooling import AvgPoolingKernel, MaxPoolingKernel

MODES = ("fast", "reference", "jit")
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
        raise ValueError(f"{where} must be 'fast', 'reference' or 'jit', got {mode!r}")
    if mode == "jit" and not jit.available():
        raise ImportError(f"{where} is 'jit', but {jit.INSTALL_HINT}")
    return mode


def automatic_mode():
    """The mode when neither ZERODL_KERNELS nor use_kernels chose one: "jit" where Numba is
    installed (`pip install 'zerodl[jit]'`) and the CPU has AVX-512F, the kind of CPU the jit
    kernels were measured faster on; "fast" anywhere else.

    Decided without importing Numba (jit.available looks for it, jit.cpu_has_avx512f asks
    NumPy), so it compiles nothing: the first jit kernel's first call does that.
    """
    return "jit" if jit.available() and jit.cpu_has_avx512f() else "fast"


def kernels_in_use():
    """ "fast", "reference" or "jit": what the layers run now (use_kernels's choice, else
    ZERODL_KERNELS, else automatic_mode()), decided at the first use, never on import."""
    global _mode
    if _mode is None:
        chosen = os.environ.get(ENVIRONMENT_VARIABLE)
        _mode = _check_mode(chosen, ENVIRONMENT_VARIABLE) if chosen else automatic_mode()
    return _mode


def use_kernels(mode):
    """Switch every layer to the fast kernels ("fast"), the book's method ("reference"), or the
    compiled kernels where there are some and the fast ones elsewhere ("jit", zerodl.kernels.jit).

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
    """The kernel that computes `operation` for this layer and input, or None (the book's way).

    For an optimiser's update (operation "adam"), `layer` is the optimiser
    and x the arrays the update reads and writes, (p, g, *state).

    None also for a layer whose forward or backward is not zerodl's own code (runs_zerodl_code):
    a learner's layer is never silently replaced by a kernel.
    """
    mode = kernels_in_use()
    if mode == "reference" or not runs_zerodl_code(type(layer)):
        return None
    compiled = jit.KERNELS.get(operation, []) if mode == "jit" else []
    for kernel in [*compiled, *_KERNELS.get(operation, ())]:
        if kernel.applies(layer, x):
            return kernel
    return None


_ZERODL_DIRECTORY = os.path.join(os.path.dirname(os.path.dirname(os.path.realpath(__file__))), "")
_runs_zerodl_code = {}  # class -> bool, worked out once (a plain dict: find runs per layer)
# What a kernel stands in for: a layer's forward and backward, an optimiser's update rule.
_KERNEL_METHODS = ("forward", "backward", "_update")


def runs_zerodl_code(layer_class):
    """True when the class's forward and backward (an optimiser's _update) are all functions
    written in zerodl's files.

    zerodl's layers and the book's adapters (and a subclass that overrides neither) are; a copy
    of relu.py in a learner's folder, or a subclass with its own forward, is not, even when its
    forward still asks `find` for the kernel of the layer it was copied from. So for an
    optimiser: a learner's subclass of Adam with its own _update runs its own.
    """
    known = _runs_zerodl_code.get(layer_class)
    if known is None:
        methods = [getattr(layer_class, n) for n in _KERNEL_METHODS if hasattr(layer_class, n)]
        known = _runs_zerodl_code[layer_class] = bool(methods) and all(
            _written_in_zerodl(method) for method in methods
        )
    return known


def _written_in_zerodl(function):
    code = getattr(function, "__code__", None)
    filename = os.path.realpath(code.co_filename) if code is not None else ""
    return filename.startswith(_ZERODL_DIRECTORY)


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
    "automatic_mode",
    "find",
    "kernels_in_use",
    "num_threads",
    "register",
    "runs_zerodl_code",
    "set_num_threads",
    "tune_process",
    "use_kernels",
]
