"""common.layers: the book's layers (chapters 5 to 7), with the book's constructors and attributes,
as subclasses of zerodl's layers (zerodl.layers), whose forward and backward do the work.

    Affine(W, b)                       x, original_x_shape, dW, db
    Convolution(W, b, stride=1, pad=0) x, col, col_W (the book's method only), dW, db
    BatchNormalization(gamma, beta, momentum=0.9, running_mean=None, running_var=None)
                                       xc, xn, std, batch_size, dgamma, dbeta, running_mean,
                                       running_var
    Pooling(pool_h, pool_w, stride=1, pad=0)  x, arg_max
    Relu() (mask), Sigmoid() (out), Dropout(dropout_ratio=0.5) (mask),
    SoftmaxWithLoss() (loss, y, t)

The attributes after each are the book's names for the state forward keeps, the same with
zerodl's fast kernels as with the book's method (zerodl.use_kernels).

A layer holds the very arrays it was given: `Affine(params["W1"], params["b1"])` computes with
params["W1"] itself, so an optimiser that updates `params` in place changes the layer, as in the
book. backward stores the gradients in new arrays each time (dW, db, ...), also as in the book,
so a dict of gradients a network returned is never overwritten by the next backward.

What differs from the book's code, and why (the README has the whole list): Dropout scales the
kept units by 1 / (1 - ratio) while training instead of scaling by (1 - ratio) at test time (the
same network, and prediction needs no dropout bookkeeping); its masks come from np.random's own
stream, so np.random.seed repeats them. Batch normalisation takes one mean per channel when
gamma has one value per channel of an (N, C, H, W) input, and one per element (the book's way)
when gamma has C*H*W values; its eps is zerodl's 1e-5.
"""

import numpy as np

from zerodl import layers
from zerodl.book.common.functions import (  # the book's layers.py imports them all
    cross_entropy_error,
    identity_function,
    mean_squared_error,
    relu,
    relu_grad,
    sigmoid,
    sigmoid_grad,
    softmax,
    softmax_loss,
    step_function,
    sum_squared_error,
)
from zerodl.book.common.util import col2im, im2col
from zerodl.book.global_rng import global_rng
from zerodl.layers import Relu

# Its own names and what the book's module brings to `import *`: np, common.functions, im2col.
__all__ = [
    "Affine",
    "BatchNormalization",
    "Convolution",
    "Dropout",
    "Pooling",
    "Relu",
    "Sigmoid",
    "SoftmaxWithLoss",
    "col2im",
    "cross_entropy_error",
    "identity_function",
    "im2col",
    "mean_squared_error",
    "np",
    "relu",
    "relu_grad",
    "sigmoid",
    "sigmoid_grad",
    "softmax",
    "softmax_loss",
    "step_function",
    "sum_squared_error",
]


def _param(key):
    """The book's attribute for the parameter `key` (layer.W is layer.params["W"])."""

    def get(self):
        return self.params[key]

    def put(self, value):
        self.params[key] = value

    return property(get, put, doc=f'The array in params["{key}"]; assigning replaces it.')


def _grad(key):
    """The book's attribute for the gradient of `key` (layer.dW is layer.grads["W"])."""
    return property(lambda self: self.grads[key], doc=f'The last backward\'s grads["{key}"].')


def _widened(x, W):
    """x in W's float type when that type is wider (float32 images, float64 weights): the
    numbers the book's np.dot gives, and matrix products that BLAS runs (NumPy multiplies arrays
    of two types without it, tens of times slower)."""
    if x.dtype != W.dtype and np.result_type(x, W) == W.dtype:
        return x.astype(W.dtype)  # float32 -> float64 is exact
    return x


class _NewGradientArrays:
    """backward writes the gradients into new arrays, as the book's layers do."""

    def backward(self, dout):
        self.grads = {key: np.empty_like(p) for key, p in self.params.items()}
        return super().backward(dout)


class Sigmoid(layers.Sigmoid):
    """The book's Sigmoid: y = 1 / (1 + exp(-x)), with y kept in `out` for backward."""


class Affine(_NewGradientArrays, layers.Affine):
    """The book's Affine(W, b): y = x W + b with the caller's W (D, M) and b (M,), not copies.

    An input of a narrower float type than W is computed in W's type (see Convolution).

    Shape: x (N, *) is flattened to (N, D); y (N, M); dx has x's shape; dW (D, M), db (M,).
    """

    def __init__(self, W, b):
        W, b = np.asarray(W), np.asarray(b)
        super().__init__(W.shape[0], W.shape[1], weight_init=1.0, seed=0, dtype=W.dtype)
        self.params["W"], self.params["b"] = W, b  # the caller's arrays themselves

    def forward(self, x, train=True):
        return super().forward(_widened(x, self.params["W"]), train)

    W = _param("W")
    b = _param("b")


class Convolution(_NewGradientArrays, layers.Convolution):
    """The book's Convolution(W, b, stride=1, pad=0) with the caller's W (FN, C, FH, FW) and
    b (FN,), not copies.

    An input of a narrower float type than W (float32 images, float64 filters) is computed in W's
    type, which gives the book's numbers and lets zerodl's fast kernel run (it multiplies arrays
    of one type).

    Shape: x (N, C, H, W) -> (N, FN, OH, OW); dW (FN, C, FH, FW), db (FN,).
    """

    def __init__(self, W, b, stride=1, pad=0):
        W, b = np.asarray(W), np.asarray(b)
        FN, C, FH, FW = W.shape
        super().__init__(C, FN, (FH, FW), stride, pad, weight_init=1.0, seed=0, dtype=W.dtype)
        self.params["W"], self.params["b"] = W, b  # the caller's arrays themselves

    def forward(self, x, train=True):
        return super().forward(_widened(x, self.params["W"]), train)

    W = _param("W")
    b = _param("b")


class Pooling(layers.Pooling):
    """The book's Pooling(pool_h, pool_w, stride=1, pad=0): max pooling (the stride defaults to
    1, as in the book; its networks pass stride=2)."""

    def __init__(self, pool_h, pool_w, stride=1, pad=0):
        super().__init__(pool_h, pool_w, stride, pad)


class Dropout(layers.Dropout):
    """The book's Dropout(dropout_ratio=0.5), forward(x, train_flg=True).

    Masks are drawn from np.random's stream (np.random.seed repeats them); kept units are scaled
    by 1 / (1 - dropout_ratio) while training, and the layer is the identity at test time.
    """

    def __init__(self, dropout_ratio=0.5):
        super().__init__(dropout_ratio, seed=global_rng())

    def forward(self, x, train_flg=True):
        return super().forward(x, train=train_flg)


class BatchNormalization(_NewGradientArrays, layers.BatchNormalization):
    """The book's BatchNormalization(gamma, beta, momentum=0.9, running_mean=None,
    running_var=None), forward(x, train_flg=True), with the caller's arrays, not copies.

    Shape: x (N, D) with gamma (D,); or x (N, C, H, W) with gamma (C,) (per channel) or gamma
    (C*H*W,) (per element, the book's way). dgamma, dbeta have gamma's shape.
    """

    def __init__(self, gamma, beta, momentum=0.9, running_mean=None, running_var=None):
        gamma, beta = np.asarray(gamma), np.asarray(beta)
        super().__init__(gamma.size, momentum, dtype=gamma.dtype)
        self.params["gamma"], self.params["beta"] = gamma, beta  # the caller's arrays
        if running_mean is not None:
            self.buffers["running_mean"] = running_mean
        if running_var is not None:
            self.buffers["running_var"] = running_var
        self.input_shape = None

    def forward(self, x, train_flg=True):
        self.input_shape = x.shape
        if x.ndim == 4 and x.shape[1] != self.num_features:  # gamma (C*H*W,): per element
            x = x.reshape(len(x), -1)  # (N, C*H*W)
        return super().forward(x, train=train_flg).reshape(self.input_shape)

    def backward(self, dout):
        dout = dout.reshape(self.xn.shape)  # (N, D), (N, C*H*W) or (N, C, H, W)
        return super().backward(dout).reshape(self.input_shape)

    gamma = _param("gamma")
    beta = _param("beta")
    dgamma = _grad("gamma")
    dbeta = _grad("beta")


class SoftmaxWithLoss(layers.SoftmaxWithLoss):
    """The book's SoftmaxWithLoss: forward(x, t) returns the loss and keeps `loss`, the
    probabilities `y` and the labels `t`; backward(dout=1) returns (y - t) / N.

    t holds class numbers (N,), one-hot rows (N, K), or class numbers as a column (N, 1), which
    the book's code also takes (its chapter 7 gradient check labels one image so).
    """

    def forward(self, x, t):
        t = np.asarray(t)
        if t.ndim == 2 and t.shape[1] == 1 and x.shape[-1] != 1:  # (N, 1) class numbers
            t = t.reshape(len(t))
        return super().forward(x, t)
