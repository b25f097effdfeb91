"""Flatten: (N, C, H, W) -> (N, C*H*W)."""

import math

from zerodl.layers.base import Layer


class Flatten(Layer):
    """Flattens every sample to a vector; backward restores the shape.

    Shape: x (N, *) -> y (N, prod(*)).
    """

    def forward(self, x, train=True):
        self._check_input(x, (Ellipsis,))
        self.original_x_shape = x.shape
        return x.reshape(len(x), -1)  # (N, C*H*W)

    def backward(self, dout):
        return dout.reshape(self.original_x_shape)  # (N, C, H, W)

    def output_shape(self, input_shape):
        return (math.prod(input_shape),)
