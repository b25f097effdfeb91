"""Affine (fully connected) layer: y = x W + b."""

import numpy as np

from zerodl.initializers import normal, weight_std
from zerodl.layers.base import Layer, as_rng


class Affine(Layer):
    """y = x W + b, the book's Affine layer (PyTorch's Linear).

    Args:
        input_size: D, the number of input features (an image is flattened: C*H*W).
        output_size: M, the number of output features.
        weight_init: "he", "xavier" or a fixed standard deviation for W; b starts at zero.
        seed: an int, None or a numpy Generator for the initial weights.
        dtype: float32 by default; float64 for gradient checks.

    Shape:
        x (N, *) is flattened to (N, D); y (N, M); W (D, M); b (M,).
        backward returns dx with x's original shape, so an Affine can follow a convolution.

    Keeps the book's `x` (flattened, (N, D)) and `original_x_shape`; `dW` and `db` are the
    book's names for grads["W"] and grads["b"] (the same arrays).
    """

    def __init__(self, input_size, output_size, *, weight_init="he", seed=None, dtype=np.float32):
        super().__init__()
        self.input_size, self.output_size = int(input_size), int(output_size)
        self.weight_init = weight_init
        std = weight_std(weight_init, self.input_size)
        self.params["W"] = normal((self.input_size, self.output_size), std, as_rng(seed), dtype)
        self.params["b"] = np.zeros(self.output_size, dtype=dtype)
        self.grads = {key: np.zeros_like(value) for key, value in self.params.items()}

    @classmethod
    def from_arrays(cls, W, b):
        """The book's Affine(W, b): a layer holding the given arrays (used as they are)."""
        layer = cls(W.shape[0], W.shape[1], weight_init=1.0, dtype=W.dtype)
        layer.params["W"], layer.params["b"] = W, b
        layer.grads = {key: np.zeros_like(value) for key, value in layer.params.items()}
        return layer

    def forward(self, x, train=True):
        self._check_input(x, (Ellipsis,))
        self.original_x_shape = x.shape
        self.x = x.reshape(len(x), -1)  # (N, D)
        if self.x.shape[1] != self.input_size:
            self._check_input(x, (self.input_size,))  # raises, naming the shapes
        return self.x @ self.params["W"] + self.params["b"]  # (N, M)

    def backward(self, dout):  # dout (N, M)
        self.grads["W"][...] = self.x.T @ dout  # (D, M)
        self.grads["b"][...] = dout.sum(axis=0)  # (M,)
        dx = dout @ self.params["W"].T  # (N, D)
        return dx.reshape(self.original_x_shape)

    @property
    def dW(self):
        """The book's name for grads["W"], the last backward's gradient of W."""
        return self.grads["W"]

    @property
    def db(self):
        """The book's name for grads["b"], the last backward's gradient of b."""
        return self.grads["b"]

    def output_shape(self, input_shape):
        return (self.output_size,)

    def get_config(self):
        return {
            "input_size": self.input_size,
            "output_size": self.output_size,
            "weight_init": self.weight_init,
            "dtype": np.dtype(self.params["W"].dtype).name,
        }
