"""Pooling: the maximum (Pooling) or the mean (AvgPooling) of each window, channel by channel.

The book (section 7.5) computes pooling with im2col: every window of every channel becomes a row,
and the row's max or mean is the output. That general method is kept here for windows that overlap
(3x3 windows with stride 2) or padding. The common case, windows that do not overlap and no
padding (2x2 windows with stride 2), takes a fast path: the FH*FW strided views of x, one per
offset inside the window (see zerodl.im2col.window_views), are combined element by element, with
no im2col matrix at all, and the batch is split over the CPU cores (zerodl.fastops). Windows that
do not fit entirely (the last row of a 7x7 input pooled 2x2) are dropped, like PyTorch's default.
"""

import numpy as np

from zerodl.fastops import parallel_batch
from zerodl.im2col import col2im, conv_output_size, im2col, scratch, window_views
from zerodl.layers.base import Layer


def max_pool_views(x, pool_h, pool_w, stride, winner=True, reuse=None):
    """Fast max pooling of windows that do not overlap (stride >= window, no padding).

    Returns out (N, C, OH, OW) and, with winner=True, `winner` (FH*FW, N, C, OH, OW) bool:
    winner[k] marks the windows whose maximum is at offset k (else None). Only the first maximum
    of a window is marked, so a window with ties passes its gradient on once, as PyTorch does.
    `reuse`: a winner array of an earlier call, whose memory is used again if it fits. The batch
    is split over the CPU cores (zerodl.fastops.parallel_batch).
    """
    N, C, H, W = x.shape
    OH, OW = conv_output_size(H, pool_h, stride), conv_output_size(W, pool_w, stride)
    out = np.empty((N, C, OH, OW), dtype=x.dtype)
    shape = (pool_h * pool_w, N, C, OH, OW)
    winner = scratch(reuse, shape, np.dtype(bool)) if winner else None

    def part(a, z):  # samples a:z, on one of the cores
        views = window_views(x[a:z], pool_h, pool_w, stride, OH, OW)  # FH*FW (n, C, OH, OW)
        _window_max(views, out[a:z], winner[:, a:z] if winner is not None else None)

    parallel_batch(part, N, x[:1].size)
    return out, winner


def _window_max(views, out, winner=None):
    """out = the elementwise max of the views; winner[k]: where views[k] is the first maximum."""
    np.copyto(out, views[0])
    for view in views[1:]:
        np.maximum(out, view, out=out)
    if winner is None:
        return
    np.equal(views[0], out, out=winner[0])
    taken = winner[0].copy()  # windows whose maximum is already marked
    for k, view in enumerate(views[1:], start=1):
        np.equal(view, out, out=winner[k])
        np.greater(winner[k], taken, out=winner[k])  # w > t is w and not t: only the first
        if k < len(views) - 1:
            taken |= winner[k]


def max_pool_views_backward(dout, winner, x_shape, pool_h, pool_w, stride):
    """dx (N, C, H, W) for max_pool_views: each window's dout goes to its (first) maximum."""
    N, C, OH, OW = dout.shape
    dx = np.empty(x_shape, dtype=dout.dtype)

    def part(a, z):
        if OH * stride < x_shape[2] or OW * stride < x_shape[3] or stride > min(pool_h, pool_w):
            dx[a:z] = 0  # pixels in no window (leftover rows, gaps) get no gradient
        views = window_views(dx[a:z], pool_h, pool_w, stride, OH, OW)  # no two overlap
        for k, view in enumerate(views):
            np.multiply(dout[a:z], winner[k, a:z], out=view)  # dout where offset k won, else 0

    parallel_batch(part, N, dout[:1].size * len(winner))
    return dx


def avg_pool_views(x, pool_h, pool_w, stride):
    """Fast average pooling of windows that do not overlap (stride >= window, no padding)."""
    N, C, H, W = x.shape
    OH, OW = conv_output_size(H, pool_h, stride), conv_output_size(W, pool_w, stride)
    views = window_views(x, pool_h, pool_w, stride, OH, OW)  # FH*FW views (N, C, OH, OW)
    out = views[0].copy()  # (N, C, OH, OW)
    for view in views[1:]:
        out += view
    out *= out.dtype.type(1 / (pool_h * pool_w))
    return out


def avg_pool_views_backward(dout, x_shape, pool_h, pool_w, stride):
    """dx (N, C, H, W) for avg_pool_views: each window's dout shared equally by its pixels."""
    N, C, OH, OW = dout.shape
    dx = np.zeros(x_shape, dtype=dout.dtype)
    share = dout * dout.dtype.type(1 / (pool_h * pool_w))  # (N, C, OH, OW)
    for view in window_views(dx, pool_h, pool_w, stride, OH, OW):
        view[...] = share
    return dx


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
        self._winner = None  # max pooling's fast path: where each maximum was (for backward)
        # The fast path: windows that do not overlap, and no padding.
        self.use_views = self.pad == 0 and self.stride >= max(self.pool_h, self.pool_w)

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
        N, C, H, W = self._x_shape
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
        N, C, H, W = x.shape
        self._x_shape = x.shape
        if self.use_views:  # windows side by side: the max of FH*FW strided views, no im2col
            # (in inference, without the record of where each maximum is that backward reads)
            ph, pw, stride = self.pool_h, self.pool_w, self.stride
            out, winner = max_pool_views(x, ph, pw, stride, winner=train, reuse=self._winner)
            self._winner = winner if train else self._winner
            return out
        _, OH, OW = self.output_shape((C, H, W))
        col = self._im2col(x, pad_value=-np.inf)  # (N*C*OH*OW, FH*FW)
        self._arg_max = np.argmax(col, axis=1)  # (N*C*OH*OW,) the first maximum of each row
        out = np.take_along_axis(col, self._arg_max[:, None], axis=1)  # (N*C*OH*OW, 1)
        return out.reshape(N, C, OH, OW)

    def backward(self, dout):
        if self.use_views:
            return max_pool_views_backward(
                dout, self._winner, self._x_shape, self.pool_h, self.pool_w, self.stride
            )
        rows = dout.size  # N*C*OH*OW
        # A zero matrix laid out as col2im reads fastest (the transpose of a contiguous one).
        dcol = np.zeros((self.pool_h * self.pool_w, rows), dtype=dout.dtype).T  # (rows, FH*FW)
        dcol[np.arange(rows), self._arg_max] = dout.reshape(rows)  # dout to each row's maximum
        return self._col2im(dcol)


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
        N, C, H, W = x.shape
        self._x_shape = x.shape
        if self.use_views:
            return avg_pool_views(x, self.pool_h, self.pool_w, self.stride)
        _, OH, OW = self.output_shape((C, H, W))
        col = self._im2col(x, pad_value=0.0)  # (N*C*OH*OW, FH*FW)
        return col.mean(axis=1).reshape(N, C, OH, OW)

    def backward(self, dout):
        if self.use_views:
            return avg_pool_views_backward(
                dout, self._x_shape, self.pool_h, self.pool_w, self.stride
            )
        rows = dout.size  # N*C*OH*OW
        share = dout.reshape(rows, 1) / (self.pool_h * self.pool_w)  # (rows, 1)
        dcol = np.broadcast_to(share, (rows, self.pool_h * self.pool_w))  # (rows, FH*FW)
        return self._col2im(dcol)
