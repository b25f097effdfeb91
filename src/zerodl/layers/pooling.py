"""Pooling: the maximum (Pooling) or the mean (AvgPooling) of each window, channel by channel.

The book (section 7.5) computes pooling with im2col: every window of every channel becomes a row,
and the row's max or mean is the output. Windows that do not fit entirely (the last row of a 7x7
input pooled 2x2) are dropped, like PyTorch's default. For windows side by side (2x2 with stride
2) a fast kernel (zerodl.kernels.pooling) gives the same numbers without any im2col matrix.
"""

import numpy as np

from zerodl import kernels
from zerodl.im2col import col2im, conv_output_size, im2col
from zerodl.layers.base import Layer


class _Pool2d(Layer):
    """What max and average pooling share: arguments, shapes, checks and the choice of method."""

    def __init__(self, pool_h, pool_w=None, stride=None, pad=0):
        super().__init__()
        pool_w = pool_h if pool_w is None else pool_w
        stride = pool_h if stride is None else stride
        for name, value in (("pool_h", pool_h), ("pool_w", pool_w), ("stride", stride)):
            if not (int(value) == value and value > 0):
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        if not (int(pad) == pad and 0 <= pad <= min(pool_h, pool_w) // 2):
            raise ValueError(
                f"pad must be an int between 0 and half the window, got {pad!r} "
                f"for a {pool_h}x{pool_w} window"
            )
        self.pool_h, self.pool_w = int(pool_h), int(pool_w)
        self.stride, self.pad = int(stride), int(pad)

    def output_shape(self, input_shape):
        C, H, W = input_shape
        return (
            C,
            conv_output_size(H, self.pool_h, self.stride, self.pad),
            conv_output_size(W, self.pool_w, self.stride, self.pad),
        )

    def get_config(self):
        return {
            "pool_h": self.pool_h,
            "pool_w": self.pool_w,
            "stride": self.stride,
            "pad": self.pad,
        }

    def _check(self, x):
        self._check_input(x, (None, None, None))
        self._check_window(x, self.pool_h, self.pool_w, self.pad, "window")

    def _im2col(self, x, pad_value):
        """Every window of every channel as a row: (N*C*OH*OW, FH*FW), the book's method."""
        N, C, H, W = x.shape
        x = x.reshape(N * C, 1, H, W)  # each channel as an image of its own
        return im2col(x, self.pool_h, self.pool_w, self.stride, self.pad, pad_value=pad_value)

    def _col2im(self, dcol):
        N, C, H, W = self.x_shape
        dx = col2im(dcol, (N * C, 1, H, W), self.pool_h, self.pool_w, self.stride, self.pad)
        return dx.reshape(N, C, H, W)


class Pooling(_Pool2d):
    """Max pooling: the largest value of each pool_h x pool_w window, for every channel.

    Args:
        pool_h: window height; pool_w: window width (default pool_h).
        stride: the step between windows (default pool_h, windows side by side, like PyTorch).
        pad: -inf pixels added on each side (so padding is never the maximum); at most half the
            window, like PyTorch.

    Shape:
        x (N, C, H, W) -> out (N, C, OH, OW), where
        OH = (H + 2*pad - pool_h) // stride + 1 and OW = (W + 2*pad - pool_w) // stride + 1.

    The gradient of each window goes to its maximum, and only to the first one when several
    elements tie (as in PyTorch), so that ties never multiply the gradient.

    Example:
        >>> Pooling(2).forward(np.zeros((100, 30, 24, 24), dtype=np.float32)).shape
        (100, 30, 12, 12)
    """

    def forward(self, x, train=True):
        self._check(x)
        self.x_shape = x.shape  # (N, C, H, W)
        self.kernel = kernels.find("max_pooling", self, x)  # a fast kernel, or None: the book's
        if self.kernel:
            return self.kernel.forward(self, x, train)
        N, C, H, W = x.shape
        _, OH, OW = self.output_shape((C, H, W))
        col = self._im2col(x, pad_value=-np.inf)  # (N*C*OH*OW, FH*FW)
        self.arg_max = np.argmax(col, axis=1)  # (N*C*OH*OW,) the first maximum of each row
        out = np.max(col, axis=1)  # (N*C*OH*OW,)
        return out.reshape(N, C, OH, OW)

    def backward(self, dout):  # dout (N, C, OH, OW)
        if self.kernel:
            return self.kernel.backward(self, dout)
        rows = dout.size  # N*C*OH*OW
        dcol = np.zeros((rows, self.pool_h * self.pool_w), dtype=dout.dtype)  # (rows, FH*FW)
        dcol[np.arange(rows), self.arg_max] = dout.reshape(rows)  # dout to each row's maximum
        return self._col2im(dcol)  # (N, C, H, W)


class AvgPooling(_Pool2d):
    """Average pooling: the mean of each pool_h x pool_w window, for every channel.

    Args:
        pool_h: window height; pool_w: window width (default pool_h).
        stride: the step between windows (default pool_h, windows side by side, like PyTorch).
        pad: zero pixels added on each side, at most half the window. The zeros count in the
            mean: every window is divided by pool_h*pool_w, even at the border (PyTorch's
            default, count_include_pad=True).

    Shape:
        x (N, C, H, W) -> out (N, C, OH, OW), where
        OH = (H + 2*pad - pool_h) // stride + 1 and OW = (W + 2*pad - pool_w) // stride + 1.

    Example:
        >>> AvgPooling(2).forward(np.zeros((100, 30, 24, 24), dtype=np.float32)).shape
        (100, 30, 12, 12)
    """

    def forward(self, x, train=True):
        self._check(x)
        self.x_shape = x.shape  # (N, C, H, W)
        self.kernel = kernels.find("avg_pooling", self, x)  # a fast kernel, or None: the book's
        if self.kernel:
            return self.kernel.forward(self, x, train)
        N, C, H, W = x.shape
        _, OH, OW = self.output_shape((C, H, W))
        col = self._im2col(x, pad_value=0.0)  # (N*C*OH*OW, FH*FW)
        return col.mean(axis=1).reshape(N, C, OH, OW)

    def backward(self, dout):  # dout (N, C, OH, OW)
        if self.kernel:
            return self.kernel.backward(self, dout)
        rows = dout.size  # N*C*OH*OW
        share = dout.reshape(rows, 1) / (self.pool_h * self.pool_w)  # (rows, 1)
        dcol = np.broadcast_to(share, (rows, self.pool_h * self.pool_w))  # (rows, FH*FW)
        return self._col2im(dcol)  # (N, C, H, W)
