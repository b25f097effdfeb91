"""Sigmoid activation: y = 1 / (1 + exp(-x))."""

from zerodl.functions import sigmoid
from zerodl.layers.base import Layer


class Sigmoid(Layer):
    """y = 1 / (1 + exp(-x)), elementwise, computed without overflow for any input.

    dy/dx = y (1 - y), so forward keeps y, in `out` (the book's name), for backward.

    Shape: any; y has x's shape.
    """

    def forward(self, x, train=True):
        self.out = sigmoid(x)
        return self.out

    def backward(self, dout):
        return dout * self.out * (1.0 - self.out)
