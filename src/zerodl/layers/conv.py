"""Convolution: filters slid over images, computed as one matrix product (book, section 7.4)."""

import numpy as np

from zerodl import fastconv
from zerodl.im2col import col2im, conv_output_size, im2col, scratch
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

    With stride 1 (every network of the book) the same numbers come from zerodl.fastconv, which
    runs the products on chunks of a few samples at a time, on every CPU core.

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
        self._col = None  # the last im2col matrix, kept for backward and reused by forward
        self._dcol_T = None  # backward's dcol buffer, reused from step to step
        self._x = None  # the input, kept by zerodl.fastconv (which keeps no col)
        # False: backward computes dW and db only and returns None (as PyTorch skips the input
        # gradient of a tensor that does not require one). A network can set it on its first
        # layer, whose input is the data; the default computes dx, as every other layer does.
        self.needs_input_grad = True

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
        N, C, H, W = x.shape
        self._x_shape = x.shape
        # Stride 1: the same numbers by a faster route (zerodl.fastconv). The book's method:
        if fastconv.applies(self, x):
            return fastconv.forward(self, x)  # keeps x in self._x for fastconv.backward
        FN, OH, OW = self.output_shape((C, H, W))
        FH, FW = self.filter_h, self.filter_w
        col = im2col(x, FH, FW, self.stride, self.pad, reuse=self._col)  # (N*OH*OW, C*FH*FW)
        W_col = self.params["W"].reshape(FN, -1)  # (FN, C*FH*FW)

        # The book's  out = col @ W_col.T + b,  computed transposed: (col @ W_col.T).T = W_col @
        # col.T has FN rows of N*OH*OW, which reach NCHW by moving whole (OH*OW) blocks.
        out = W_col @ col.T  # (FN, N*OH*OW)
        out = out.reshape(FN, N, OH, OW).transpose(1, 0, 2, 3)  # (N, FN, OH, OW), a view
        # One copy into contiguous NCHW order (order="C"), adding the bias on the way.
        out = np.add(out, self.params["b"].reshape(FN, 1, 1), order="C")  # (N, FN, OH, OW)

        self._x = None
        self._col = col
        return out

    def backward(self, dout):
        # forward took the fast path (it kept x): so does backward.
        if self._x is not None:
            return fastconv.backward(self, dout)
        W = self.params["W"]
        FN = W.shape[0]
        W_col = W.reshape(FN, -1)  # (FN, C*FH*FW)
        # dout with the filters first: each filter's gradients as one row (one cheap copy,
        # whole OH*OW blocks move). This is the transpose of the book's dout_col (N*OH*OW, FN).
        dout_T = dout.transpose(1, 0, 2, 3).reshape(FN, -1)  # (FN, N*OH*OW)

        self.grads["b"][...] = dout_T.sum(axis=1)  # (FN,)
        dW = dout_T @ self._col  # (FN, C*FH*FW)
        self.grads["W"][...] = dW.reshape(W.shape)  # (FN, C, FH, FW)
        if not self.needs_input_grad:
            return None

        # The book's dcol = dout_col @ W_col, computed as (W_col.T @ dout_T).T: the same matrix,
        # laid out as im2col lays out col, which is the layout col2im reads fastest.
        shape, dtype = (W_col.shape[1], dout_T.shape[1]), np.result_type(W_col, dout_T)
        dcol_T = scratch(self._dcol_T, shape, dtype)  # the buffer of the last step, if it fits
        self._dcol_T = np.matmul(W_col.T, dout_T, out=dcol_T)  # (C*FH*FW, N*OH*OW)
        dcol = dcol_T.T  # (N*OH*OW, C*FH*FW)
        return col2im(dcol, self._x_shape, self.filter_h, self.filter_w, self.stride, self.pad)
