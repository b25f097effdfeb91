"""ReLU's fast kernel: the same elementwise operations, on every core, into reused memory.

Why this module exists: NumPy runs an elementwise operation on one core. For a large batch
(DeepConvNet's first ReLU sees 100 x 16 x 28 x 28 values) `elementwise` cuts the batch into one
part per core and runs the same ufunc calls on each part at the same time. Two more savings:
the mask that backward needs is written into last step's memory (fresh pages cost as much as
the ReLU itself), and in inference (train=False) no mask is made at all.
"""

import functools

import numpy as np

from zerodl.kernels import memory, threads


class ReluKernel:
    """y = max(x, 0) and dx = dout * (x > 0), split over the cores.

    Its context is the mask `positive` (x > 0) while training, None in inference; the book's
    `mask` (x <= 0) is made from it on demand (None after an inference forward, which keeps
    nothing for backward).
    """

    book_names = ("mask",)

    def applies(self, layer, x):
        return isinstance(x, np.ndarray)

    def forward(self, layer, x, train=True):
        y = np.empty_like(x)
        zero = zero_sample((1, *x.shape[1:]), x.dtype)  # 0 for one sample: a faster max than 0
        if not train:
            return elementwise((np.maximum, x, zero, y)), None  # y = max(x, 0)
        # The mask is only ever read by this kernel's backward: last step's memory is reused.
        last = layer.kernel_context if isinstance(layer.kernel_context, np.ndarray) else None
        positive = memory.reuse(last, x.shape, np.dtype(bool))
        y = elementwise(
            (np.greater, x, 0, positive),  # positive = x > 0
            (np.maximum, x, zero, y),  # y = max(x, 0)
        )
        return y, positive

    def backward(self, layer, positive, dout):
        dx = np.empty_like(dout)  # a new array: the caller's dout is left as it was
        return elementwise((np.multiply, dout, positive, dx)), {}  # dx = dout * (x > 0)

    def book_state(self, positive, name):
        if name == "mask":
            return None if positive is None else ~positive  # (N, ...) True where x <= 0
        raise AttributeError(name)


def elementwise(*calls):
    """Run ufunc calls, each a tuple (ufunc, *inputs, out), on the batch in parts on every core.

        elementwise((np.greater, x, 0, mask), (np.maximum, x, 0, y))

    computes  mask = x > 0  and  y = max(x, 0)  as np.greater(x, 0, out=mask) and
    np.maximum(x, 0, out=y) would, with the batch (the first axis of each `out`) cut into one part
    per core; one thread runs all the calls of its part, so there is one thread to wake in all.
    Arrays with the batch axis (as many axes as `out` and its length) are cut; anything else
    (a scalar) is passed whole to every part.
    """
    n = len(calls[0][-1])
    if calls[0][-1].size < 2 * threads.MIN_PART_ELEMENTS:  # one part: no closures, no pool
        for ufunc, *inputs, out in calls:
            ufunc(*inputs, out=out)
        return calls[-1][-1]

    def cut(arg, out, a, z):
        if isinstance(arg, np.ndarray) and arg.ndim == out.ndim and len(arg) == n:
            return arg[a:z]
        return arg

    def part(a, z):
        for ufunc, *inputs, out in calls:
            ufunc(*(cut(arg, out, a, z) for arg in inputs), out=out[a:z])

    threads.parallel_batch(part, n, calls[0][-1][:1].size)
    return calls[-1][-1]


@functools.lru_cache(maxsize=32)
def zero_sample(shape, dtype):
    """A read-only array of zeros of `shape` (one sample's shape, with a leading axis of 1).

    np.maximum(x, 0) runs NumPy's slow loop for a scalar (about 10 GB/s here); against an array
    of zeros that broadcasts over the batch it runs the vectorised one, 2 to 3 times as fast.
    """
    zeros = np.zeros(shape, dtype=dtype)
    zeros.flags.writeable = False
    return zeros
