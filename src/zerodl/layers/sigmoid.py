"""Sigmoid activation: y = 1 / (1 + exp(-x))."""

from zerodl.functions import sigmoid
from zerodl.layers.base import Layer


class Sigmoid(Layer):
    """y = 1 / (1 + exp(-x)), elementwise, computed without overflow for any input.

    dy/dx = y (1 - y), so forward keeps y for backward.

    Shape: any; y has x's shape.
    """

    def forward(self, x, train=True):
        self._out = sigmoid(x)
        return self._out

    def backward(self, dout):
        return dout * self._out * (1.0 - self._out)
