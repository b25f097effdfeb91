"""ReLU activation: y = max(0, x)."""

import numpy as np

from zerodl.fastops import parallel_batch
from zerodl.im2col import scratch
from zerodl.layers.base import Layer


class ReLU(Layer):
    """y = max(0, x), elementwise; the gradient passes where x > 0 and is zero elsewhere.

    Shape: any; y has x's shape.

    Large arrays are split along the batch axis over the CPU cores (zerodl.fastops): the same
    two elementwise operations, on both cores at once. With train=False (inference) the mask
    that backward needs is not made.
    """

    def forward(self, x, train=True):
        y = np.empty_like(x)
        if not train:
            parallel_batch(lambda a, z: np.maximum(x[a:z], 0, out=y[a:z]), len(x), x[:1].size)
            return y
        # The mask is only ever read by this layer's backward: last step's memory is reused.
        self._mask = scratch(getattr(self, "_mask", None), x.shape, np.dtype(bool))

        def part(a, z):
            np.greater(x[a:z], 0, out=self._mask[a:z])
            np.maximum(x[a:z], 0, out=y[a:z])

        parallel_batch(part, len(x), x[:1].size)
        return y

    def backward(self, dout):
        dx = np.empty_like(dout)  # a new array: the caller's dout is left as it was

        def part(a, z):
            np.multiply(dout[a:z], self._mask[a:z], out=dx[a:z])

        parallel_batch(part, len(dout), dout[:1].size)
        return dx


Relu = ReLU  # the book's spelling
