"""Tanh activation: y = tanh(x)."""

import numpy as np

from zerodl.layers.base import Layer


class Tanh(Layer):
    """y = tanh(x), elementwise (np.tanh is stable for any input).

    dy/dx = 1 - y^2, so forward keeps y, in `out` (the book's name), for backward.

    Shape: any; y has x's shape.
    """

    def forward(self, x, train=True):
        self.out = np.tanh(x)
        return self.out

    def backward(self, dout):
        return dout * (1.0 - self.out**2)
