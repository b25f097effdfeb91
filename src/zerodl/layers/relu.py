"""ReLU activation: y = max(0, x)."""

import numpy as np

from zerodl.layers.base import Layer


class ReLU(Layer):
    """y = max(0, x), elementwise; the gradient passes where x > 0 and is zero elsewhere.

    Shape: any; y has x's shape.
    """

    def forward(self, x, train=True):
        self._mask = x > 0
        return np.maximum(x, 0, dtype=x.dtype)

    def backward(self, dout):
        return dout * self._mask  # a new array: the caller's dout is left as it was


Relu = ReLU  # the book's spelling
