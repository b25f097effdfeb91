"""Convolution: filters slid over images, computed as one matrix product (book, section 7.4)."""

import numpy as np

from zerodl import kernels
from zerodl.im2col import col2im, conv_output_size, im2col
from zerodl.initializers import normal, weight_std
from zerodl.layers.base import Layer, as_rng


def _pair(value, name):
    """(h, w) from an int or a pair of ints, checked to be positive."""
    pair = (value, value) if np.isscalar(value) else tuple(value)
    if len(pair) != 2 or not all(int(v) == v and v > 0 for v in pair):
        raise ValueError(f"{name} must be a positive int or a pair of them, got {value!r}")
    return int(pair[0]), int(pair[1])


def _check_stride_pad(stride, pad):
    if not (int(stride) == stride and stride > 0):
        raise ValueError(f"stride must be a positive int, got {stride!r}")
    if not (int(pad) == pad and pad >= 0):
        raise ValueError(f"pad must be a non-negative int, got {pad!r}")
    return int(stride), int(pad)


class Convolution(Layer):
    """2-D convolution (cross-correlation, as in the book and PyTorch) of FN filters.

        out[n, f, oh, ow] = b[f] + sum_{c,i,j} W[f, c, i, j] * x[n, c, oh*stride+i, ow*stride+j]

    with x padded by `pad` zeros on each side. The windows are unfolded by `im2col` into a matrix
    col (N*OH*OW, C*FH*FW), so that the whole layer is a single matrix product with the filters
    flattened to W_col (FN, C*FH*FW); backward is two more products and `col2im`.

    With stride 1 (every network of the book) the same numbers come sooner from a fast kernel
    (zerodl.kernels.conv), which runs the products on chunks of a few samples at a time, on every
    CPU core; `zerodl.use_kernels("reference")` runs the book's method below instead.

    The book's state: the reference method keeps `x`, `col` and `col_W` for backward; the fast
    kernel keeps x only (`x` answers from its context; asking for `col` says that it keeps
    none). `dW` and `db` are the book's names for grads["W"] and grads["b"] (the same arrays).

    Args:
        in_channels: C, the number of input channels.
        filter_num: FN, the number of filters (output channels).
        filter_size: FH, or (FH, FW).
        stride: the step between windows. pad: zeros added on each side of H and W.
        weight_init: "he" (default, for ReLU), "xavier", or a standard deviation such as 0.01;
            the fan-in is C*FH*FW.
        seed: an int, None or a numpy Generator for the initial weights.
        dtype: of the parameters (float32 by default).

    Shape:
        x (N, C, H, W) -> out (N, FN, OH, OW), where
        OH = (H + 2*pad - FH) // stride + 1 and OW = (W + 2*pad - FW) // stride + 1.
        W (FN, C, FH, FW), b (FN,).

    Example:
        >>> conv = Convolution(1, 30, 5, seed=0)
        >>> conv.forward(np.zeros((100, 1, 28, 28), dtype=np.float32)).shape
        (100, 30, 24, 24)
    """

    def __init__(
        self,
        in_channels,
        filter_num,
        filter_size,
        stride=1,
        pad=0,
        *,
        weight_init="he",
        seed=None,
        dtype=np.float32,
    ):
        super().__init__()
        self.in_channels = int(in_channels)
        self.filter_num = int(filter_num)
        self.filter_h, self.filter_w = _pair(filter_size, "filter_size")
        self.stride, self.pad = _check_stride_pad(stride, pad)
        self.weight_init = weight_init
        dtype = np.dtype(dtype)
        shape = (self.filter_num, self.in_channels, self.filter_h, self.filter_w)
        std = weight_std(weight_init, fan_in=self.in_channels * self.filter_h * self.filter_w)
        self.params["W"] = normal(shape, std, as_rng(seed), dtype)  # (FN, C, FH, FW)
        self.params["b"] = np.zeros(self.filter_num, dtype=dtype)  # (FN,)
        self.grads["W"] = np.zeros(shape, dtype=dtype)
        self.grads["b"] = np.zeros(self.filter_num, dtype=dtype)

    @classmethod
    def from_arrays(cls, W, b, stride=1, pad=0):
        """The book's Convolution(W, b, stride, pad): a layer holding copies of W and b.

        W (FN, C, FH, FW), b (FN,); the layer's dtype is W's.
        """
        W = np.asarray(W)
        FN, C, FH, FW = W.shape
        layer = cls(C, FN, (FH, FW), stride, pad, seed=0, dtype=W.dtype)
        layer.params["W"][...] = W
        layer.params["b"][...] = np.asarray(b, dtype=W.dtype).reshape(FN)
        return layer

    @property
    def dW(self):
        """The book's name for grads["W"], the last backward's gradient of W."""
        return self.grads["W"]

    @property
    def db(self):
        """The book's name for grads["b"], the last backward's gradient of b."""
        return self.grads["b"]

    def output_shape(self, input_shape):
        C, H, W = input_shape
        return (
            self.filter_num,
            conv_output_size(H, self.filter_h, self.stride, self.pad),
            conv_output_size(W, self.filter_w, self.stride, self.pad),
        )

    def get_config(self):
        return {
            "in_channels": self.in_channels,
            "filter_num": self.filter_num,
            "filter_size": [self.filter_h, self.filter_w],
            "stride": self.stride,
            "pad": self.pad,
            "weight_init": self.weight_init,
            "dtype": str(self.params["W"].dtype),
        }

    def forward(self, x, train=True):
        self._check_input(x, (self.in_channels, None, None))
        self._check_window(x, self.filter_h, self.filter_w, self.pad, "filter")
        self.kernel = kernels.find("convolution", self, x)  # a fast kernel, or None: the book's
        if self.kernel:
            return self.forward_with_kernel(x, train)
        N, C, H, W = x.shape
        FN, OH, OW = self.output_shape((C, H, W))
        col = im2col(x, self.filter_h, self.filter_w, self.stride, self.pad)  # (N*OH*OW, C*FH*FW)
        col_W = self.params["W"].reshape(FN, -1).T  # (C*FH*FW, FN)
        out = col @ col_W + self.params["b"]  # (N*OH*OW, FN)
        out = out.reshape(N, OH, OW, FN).transpose(0, 3, 1, 2)  # (N, FN, OH, OW)

        self.x, self.col, self.col_W = x, col, col_W
        return np.ascontiguousarray(out)

    def backward(self, dout):  # dout (N, FN, OH, OW)
        if self.kernel:
            dx, grads = self.backward_with_kernel(dout)
            self.grads["W"][...], self.grads["b"][...] = grads["W"], grads["b"]
            return dx
        FN, C, FH, FW = self.params["W"].shape
        dout = dout.transpose(0, 2, 3, 1).reshape(-1, FN)  # (N*OH*OW, FN)

        self.grads["b"][...] = dout.sum(axis=0)  # (FN,)
        dW = self.col.T @ dout  # (C*FH*FW, FN)
        self.grads["W"][...] = dW.T.reshape(FN, C, FH, FW)
        if not self.needs_input_grad:  # the network's first layer: dx is never used
            return None
        dcol = dout @ self.col_W.T  # (N*OH*OW, C*FH*FW)
        return col2im(dcol, self.x.shape, FH, FW, self.stride, self.pad)  # (N, C, H, W)
