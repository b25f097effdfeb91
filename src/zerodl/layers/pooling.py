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
        """Every window of every channel as a row: (N*OH*OW*C, FH*FW), the book's method."""
        col = im2col(x, self.pool_h, self.pool_w, self.stride, self.pad, pad_value=pad_value)
        return col.reshape(-1, self.pool_h * self.pool_w)  # (N*OH*OW*C, FH*FW)

    def _col2im(self, dcol):
        """dx (N, C, H, W) from dcol (N*OH*OW*C, FH*FW), the rows of _im2col."""
        N, C, H, W = self.x.shape
        dcol = dcol.reshape(-1, C * self.pool_h * self.pool_w)  # (N*OH*OW, C*FH*FW)
        return col2im(dcol, self.x.shape, self.pool_h, self.pool_w, self.stride, self.pad)


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

    Keeps the book's `x` and `arg_max` (N*OH*OW*C,): the offset of each window's first maximum
    within the window, in the book's row order (samples, output rows, output columns,
    channels). With the fast kernel (zerodl.kernels.pooling) both answer from its context,
    and are None after forward(x, train=False), which keeps nothing for backward (as a ReLU's
    mask): holding on to x after inference would keep a batch of activations alive for nothing.

    Example:
        >>> Pooling(2).forward(np.zeros((100, 30, 24, 24), dtype=np.float32)).shape
        (100, 30, 12, 12)
    """

    def forward(self, x, train=True):
        self._check(x)
        self.kernel = kernels.find("max_pooling", self, x)  # a fast kernel, or None: the book's
        if self.kernel:
            return self.forward_with_kernel(x, train)
        N, C, H, W = x.shape
        _, OH, OW = self.output_shape((C, H, W))
        col = self._im2col(x, pad_value=-np.inf)  # (N*OH*OW*C, FH*FW)
        self.x = x
        self.arg_max = np.argmax(col, axis=1)  # (N*OH*OW*C,) the first maximum of each row
        out = np.max(col, axis=1)  # (N*OH*OW*C,)
        return np.ascontiguousarray(out.reshape(N, OH, OW, C).transpose(0, 3, 1, 2))

    def backward(self, dout):  # dout (N, C, OH, OW)
        if self.kernel:
            dx, _ = self.backward_with_kernel(dout)
            return dx
        dout = dout.transpose(0, 2, 3, 1).reshape(-1)  # (N*OH*OW*C,) in the rows' order
        dcol = np.zeros((dout.size, self.pool_h * self.pool_w), dtype=dout.dtype)  # (rows, FH*FW)
        dcol[np.arange(dout.size), self.arg_max] = dout  # dout to each row's maximum
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

    Keeps `x` (from the fast kernel's context when it ran; None after its inference forward).

    Example:
        >>> AvgPooling(2).forward(np.zeros((100, 30, 24, 24), dtype=np.float32)).shape
        (100, 30, 12, 12)
    """

    def forward(self, x, train=True):
        self._check(x)
        self.kernel = kernels.find("avg_pooling", self, x)  # a fast kernel, or None: the book's
        if self.kernel:
            return self.forward_with_kernel(x, train)
        N, C, H, W = x.shape
        _, OH, OW = self.output_shape((C, H, W))
        col = self._im2col(x, pad_value=0.0)  # (N*OH*OW*C, FH*FW)
        self.x = x
        out = col.mean(axis=1)  # (N*OH*OW*C,)
        return np.ascontiguousarray(out.reshape(N, OH, OW, C).transpose(0, 3, 1, 2))

    def backward(self, dout):  # dout (N, C, OH, OW)
        if self.kernel:
            dx, _ = self.backward_with_kernel(dout)
            return dx
        rows = dout.size  # N*OH*OW*C
        dout = dout.transpose(0, 2, 3, 1)  # (N, OH, OW, C): the rows' order
        share = dout.reshape(rows, 1) / (self.pool_h * self.pool_w)  # (rows, 1)
        dcol = np.broadcast_to(share, (rows, self.pool_h * self.pool_w))  # (rows, FH*FW)
        return self._col2im(dcol)  # (N, C, H, W)
