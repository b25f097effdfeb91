"""common.functions: the book's activation and loss functions (chapters 3 to 5).

sigmoid, softmax and cross_entropy_error are zerodl's (zerodl.functions): the same values as the
book's formulas, without overflow warnings for large inputs. Every function takes and returns
arrays of the dtype it is given (float64 stays float64).
"""

import numpy as np

from zerodl.functions import cross_entropy_error, sigmoid, softmax

__all__ = [  # with what the book's module brings to `import *`: np too
    "cross_entropy_error",
    "identity_function",
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


def identity_function(x):
    """y = x: the output activation of a regression network."""
    return x


def step_function(x):
    """1 where x > 0, else 0, as integers (the perceptron's activation, chapter 3)."""
    return np.asarray(x > 0, dtype=np.int64)


def sigmoid_grad(x):
    """d sigmoid(x) / dx = (1 - sigmoid(x)) * sigmoid(x)."""
    y = sigmoid(x)
    return (1.0 - y) * y


def relu(x):
    """max(0, x), elementwise."""
    return np.maximum(0, x)


def relu_grad(x):
    """d relu(x) / dx: 1 where x > 0, else 0 (the Relu layer's rule), in x's dtype."""
    return (np.asarray(x) > 0).astype(np.result_type(x, np.float32))


def mean_squared_error(y, t):
    """The book's "mean squared error": 0.5 * sum((y - t)**2), summed over every element."""
    return 0.5 * np.sum((y - t) ** 2)


sum_squared_error = mean_squared_error  # the name in the book's repository since its revision


def softmax_loss(X, t):
    """cross_entropy_error(softmax(X), t)."""
    return cross_entropy_error(softmax(X), t)
