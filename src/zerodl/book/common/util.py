"""common.util: the book's helpers (chapters 6 and 7).

    smooth_curve(x)                     a loss curve smoothed for plotting
    shuffle_dataset(x, t)               x and t in one random order (np.random's stream)
    conv_output_size(input_size, filter_size, stride=1, pad=0)
    im2col(input_data, filter_h, filter_w, stride=1, pad=0)      zerodl.im2col's
    col2im(col, input_shape, filter_h, filter_w, stride=1, pad=0)

im2col and col2im are zerodl's (the same matrix as the book's, without its loops);
conv_output_size returns an int (the book's returns a float, which breaks np.zeros shapes).
"""

import numpy as np

from zerodl.book.global_rng import global_rng
from zerodl.im2col import col2im, conv_output_size, im2col

__all__ = [
    "col2im",
    "conv_output_size",
    "im2col",
    "np",
    "shuffle_dataset",
    "smooth_curve",
]  # np: as the book's

SMOOTHING_WINDOW = 11  # points averaged by smooth_curve
SMOOTHING_BETA = 2  # the Kaiser window's shape: larger weighs the centre more


def smooth_curve(x):
    """A weighted moving average of x over 11 points (Kaiser window, beta 2), of x's length.

    The ends are mirrored (x[5], ..., x[1], x[0], x[1], ...) so that the first and last points
    are averaged over full windows too.
    """
    x = np.asarray(x, dtype=np.float64)
    half = SMOOTHING_WINDOW // 2
    if len(x) < 2:
        return x.copy()
    weights = np.kaiser(SMOOTHING_WINDOW, SMOOTHING_BETA)
    padded = np.pad(x, half, mode="reflect")  # (len(x) + 2 * half,)
    return np.convolve(padded, weights / weights.sum(), mode="valid")  # (len(x),)


def shuffle_dataset(x, t):
    """x and t reordered by one random permutation (drawn from np.random's stream).

    Shape: x (N, ...) and t (N,) or (N, K); new arrays, the inputs are left as they were.
    """
    permutation = global_rng().permutation(len(x))
    return x[permutation], t[permutation]
