"""ReLU activation: y = max(0, x)."""

import numpy as np

from zerodl.fastops import elementwise, zero_sample
from zerodl.im2col import scratch
from zerodl.layers.base import Layer


class ReLU(Layer):
    """y = max(0, x), elementwise; the gradient passes where x > 0 and is zero elsewhere.

    Shape: any; y has x's shape.

    Large arrays are split along the batch axis over the CPU cores (zerodl.fastops.elementwise):
    the same elementwise operations, on both cores at once. With train=False (inference) the mask
    that backward needs is not made.
    """

    def forward(self, x, train=True):
        y = np.empty_like(x)
        zero = zero_sample((1, *x.shape[1:]), x.dtype)  # 0 for one sample: a faster max than 0
        if not train:
            return elementwise((np.maximum, x, zero, y))  # y = max(x, 0)
        # The mask is only ever read by this layer's backward: last step's memory is reused.
        self._mask = scratch(getattr(self, "_mask", None), x.shape, np.dtype(bool))
        return elementwise(
            (np.greater, x, 0, self._mask),  # mask = x > 0
            (np.maximum, x, zero, y),  # y = max(x, 0)
        )

    def backward(self, dout):
        dx = np.empty_like(dout)  # a new array: the caller's dout is left as it was
        return elementwise((np.multiply, dout, self._mask, dx))  # dx = dout * mask


Relu = ReLU  # the book's spelling
