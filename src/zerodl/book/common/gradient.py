"""common.gradient: the book's numerical gradient (chapter 4), by central differences.

    numerical_gradient(f, x)      df/dx for an array x of any shape; f(x) returns a number
    numerical_gradient_2d(f, X)   one gradient per row of X, f taking one row (gradient_2d.py)

Both change x in place one element at a time and put it back, so f may ignore its argument and
read x through a network that holds it (`lambda W: net.loss(x, t)`). The work is zerodl's
numerical_gradient (zerodl.gradient), with h = 1e-4 as in the book.
"""

import numpy as np

from zerodl.gradient import numerical_gradient as _zerodl_numerical_gradient

__all__ = [
    "_numerical_gradient_1d",
    "np",
    "numerical_gradient",
    "numerical_gradient_2d",
]  # np: as the book's


def numerical_gradient(f, x):
    """(f(x + h) - f(x - h)) / 2h for every element of x, h = 1e-4; x must hold floats."""
    if not (isinstance(x, np.ndarray) and x.dtype.kind == "f"):
        raise TypeError(
            "numerical_gradient needs a floating-point numpy array x (it nudges each element by "
            f"1e-4), got {type(x).__name__}"
            + (f" of dtype {x.dtype}" if isinstance(x, np.ndarray) else "")
            + "; write np.array([3.0, 4.0]) rather than np.array([3, 4])"
        )
    return _zerodl_numerical_gradient(f, x, h=1e-4)


def _numerical_gradient_1d(f, x):
    """The gradient of f at the vector x (the book's helper of numerical_gradient_2d)."""
    return numerical_gradient(f, x)


def numerical_gradient_2d(f, X):
    """The gradient of f at each row of X (N, D), or at X itself when X is a vector."""
    if X.ndim == 1:
        return _numerical_gradient_1d(f, X)
    grad = np.zeros_like(X)  # (N, D)
    for i, row in enumerate(X):  # row is a view: f sees the row, X changes in place
        grad[i] = _numerical_gradient_1d(f, row)
    return grad
