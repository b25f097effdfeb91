"""Pooling's fast kernels: windows side by side (2x2 with stride 2) without im2col.

Why this module exists: the book computes pooling with im2col (zerodl.layers.pooling): every
window becomes a row of a large matrix, then max (or mean) and argmax run over the rows, and
backward scatters into another large matrix and folds it back with col2im. When the windows do
not overlap and there is no padding (every network of the book), the same numbers come from the
FH*FW strided views of x, one per offset inside the window (zerodl.im2col.window_views): the
output is their elementwise maximum (or mean), with no im2col matrix at all, and the batch is
split over the CPU cores. Backward writes each window's gradient straight to the offset that
won, since no two windows share a pixel.

A window with ties passes its gradient to its first maximum only, as argmax does in the book's
method and as PyTorch does: the two methods give the same numbers.
"""

import numpy as np

from zerodl.im2col import conv_output_size, window_views
from zerodl.kernels import memory
from zerodl.kernels.threads import parallel_batch


def _side_by_side(layer, x):
    """Windows that do not overlap and no padding, on a NumPy array: what the views handle."""
    return (
        isinstance(x, np.ndarray)
        and layer.pad == 0
        and layer.stride >= max(layer.pool_h, layer.pool_w)
    )


class MaxPoolContext:
    """What max pooling's backward needs: x (a reference) and winner (FH*FW, N, C, OH, OW)
    bool, winner[k] marking the windows whose first maximum is at offset k (see
    max_pool_views)."""

    __slots__ = ("x", "winner", "pool_h", "pool_w", "stride")

    def __init__(self, x, winner, pool_h, pool_w, stride):
        self.x, self.winner = x, winner
        self.pool_h, self.pool_w, self.stride = pool_h, pool_w, stride


class MaxPoolingKernel:
    """Max pooling of windows side by side, by strided views.

    Its context is a MaxPoolContext while training, None in inference (which keeps nothing
    for backward, as the ReLU kernel). The book's `x` is the context's x; the book's `arg_max`
    (N*OH*OW*C,) (the offset of each window's first maximum, in the book's row order: samples,
    output rows, output columns, channels) is made from `winner` on demand; both are None after
    an inference forward.
    """

    book_names = ("x", "arg_max")

    def applies(self, layer, x):
        return _side_by_side(layer, x)

    def forward(self, layer, x, train=True):
        ph, pw, stride = layer.pool_h, layer.pool_w, layer.stride
        if not train:  # without the record of where each maximum is, and keeping nothing
            return max_pool_views(x, ph, pw, stride, winner=False)[0], None
        last = layer.kernel_context
        reuse = last.winner if isinstance(last, MaxPoolContext) else None
        out, winner = max_pool_views(x, ph, pw, stride, winner=True, reuse=reuse)
        return out, MaxPoolContext(x, winner, ph, pw, stride)

    def backward(self, layer, context, dout):
        c = context
        return max_pool_views_backward(dout, c.winner, c.x.shape, c.pool_h, c.pool_w, c.stride), {}

    def book_state(self, context, name):
        if name not in self.book_names:
            raise AttributeError(name)
        if context is None:  # an inference forward kept nothing
            return None
        return context.x if name == "x" else self.arg_max(context)

    def arg_max(self, context):
        """The book's arg_max (N*OH*OW*C,) from a training forward's context."""
        arg_max = np.argmax(context.winner, axis=0)  # (N, C, OH, OW): the offset that won
        return arg_max.transpose(0, 2, 3, 1).reshape(-1)  # (N*OH*OW*C,), the book's order


class AvgPoolingKernel:
    """Average pooling of windows side by side, by strided views; its context is x itself while
    training, None in inference (which keeps nothing for backward)."""

    book_names = ("x",)

    def applies(self, layer, x):
        return _side_by_side(layer, x)

    def forward(self, layer, x, train=True):
        return avg_pool_views(x, layer.pool_h, layer.pool_w, layer.stride), x if train else None

    def backward(self, layer, x, dout):
        dx = avg_pool_views_backward(dout, x.shape, layer.pool_h, layer.pool_w, layer.stride)
        return dx, {}

    def book_state(self, x, name):
        if name == "x":
            return x  # None after an inference forward
        raise AttributeError(name)


def max_pool_views(x, pool_h, pool_w, stride, winner=True, reuse=None):
    """Fast max pooling of windows that do not overlap (stride >= window, no padding).

    Returns out (N, C, OH, OW) and, with winner=True, `winner` (FH*FW, N, C, OH, OW) bool:
    winner[k] marks the windows whose maximum is at offset k (else None). Only the first maximum
    of a window is marked, so a window with ties passes its gradient on once, as PyTorch does.
    `reuse`: a winner array of an earlier call, whose memory is used again if it fits. The batch
    is split over the CPU cores (zerodl.kernels.threads.parallel_batch).
    """
    N, C, H, W = x.shape
    OH, OW = conv_output_size(H, pool_h, stride), conv_output_size(W, pool_w, stride)
    out = np.empty((N, C, OH, OW), dtype=x.dtype)
    shape = (pool_h * pool_w, N, C, OH, OW)
    winner = memory.reuse(reuse, shape, np.dtype(bool)) if winner else None

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
