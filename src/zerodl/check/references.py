"""The book's pieces written out in float64: what a learner's piece is compared with.

Forward passes follow the book's formulas (ゼロから作るDeep Learning, chapters 3 to 8), the
optimisers its update rules, with zerodl's im2col (the book's layout, tested against it). The
backward passes are not written here: each is compared with the float64 numerical gradient of
the forward pass (zerodl.gradient). Where a correct implementation may differ from the book's
code, each accepted variant is here too (Adam as in its paper; Nesterov as derived).
"""

import numpy as np

from zerodl.gradient import numerical_gradient
from zerodl.im2col import col2im, im2col

__all__ = [
    "OPTIMIZERS",
    "affine",
    "batch_norm",
    "col2im",
    "convolution",
    "cross_entropy_error",
    "gradient_of",
    "im2col",
    "log_softmax_loss",
    "mean_squared_error",
    "pooling",
    "relu",
    "sigmoid",
    "softmax",
    "step_function",
]

DELTA = 1e-7  # the book's delta inside log and beside sqrt


def step_function(x):
    return (x > 0).astype(np.float64)


def sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # 1 / (1 + exp(-x)) without overflow


def relu(x):
    return np.maximum(0.0, x)


def softmax(x):
    e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


def labels_of(t, classes):
    """Class numbers (N,) from labels (N,) or one-hot rows (N, classes)."""
    t = np.asarray(t)
    return t.argmax(axis=-1) if t.ndim >= 1 and t.shape[-1] == classes and t.ndim == 2 else t


def cross_entropy_error(y, t):
    """The book's: mean over the batch of -log(y[correct] + 1e-7); a 1-D y is a batch of one."""
    y = np.atleast_2d(y)
    t = np.asarray(t)
    t = t.argmax(axis=-1) if t.size == y.size else t.reshape(-1)
    return -np.sum(np.log(y[np.arange(len(y)), t] + DELTA)) / len(y)


def log_softmax_loss(x, t):
    """SoftmaxWithLoss's loss without the delta (for numerical gradients): mean -log softmax."""
    x = np.atleast_2d(x)
    t = labels_of(t, x.shape[-1]).reshape(-1)
    shifted = x - np.max(x, axis=-1, keepdims=True)
    log_y = shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))
    return -np.sum(log_y[np.arange(len(x)), t]) / len(x)


def mean_squared_error(y, t):
    return 0.5 * np.sum((y - t) ** 2)


def affine(x, W, b):
    return x.reshape(len(x), -1) @ W + b  # (N, D) @ (D, M) -> (N, M)


def convolution(x, W, b, stride=1, pad=0):
    """The book's Convolution.forward: (N, C, H, W) -> (N, FN, OH, OW)."""
    FN, C, FH, FW = W.shape
    N, _, H, W_ = x.shape
    OH, OW = (H + 2 * pad - FH) // stride + 1, (W_ + 2 * pad - FW) // stride + 1
    col = im2col(x, FH, FW, stride, pad)  # (N*OH*OW, C*FH*FW)
    out = col @ W.reshape(FN, -1).T + b  # (N*OH*OW, FN)
    return out.reshape(N, OH, OW, FN).transpose(0, 3, 1, 2)


def pooling(x, pool_h, pool_w, stride=1, pad=0):
    """The book's Pooling.forward (max; padding pixels are 0, as the book's im2col pads)."""
    N, C, H, W = x.shape
    OH, OW = (H + 2 * pad - pool_h) // stride + 1, (W + 2 * pad - pool_w) // stride + 1
    col = im2col(x, pool_h, pool_w, stride, pad).reshape(-1, pool_h * pool_w)
    return np.max(col, axis=1).reshape(N, OH, OW, C).transpose(0, 3, 1, 2)


def batch_norm(x, gamma, beta, eps=DELTA):
    """The book's BatchNormalization.forward while training: x (N, D) or (N, C, H, W) with
    gamma of C*H*W values (the book flattens each image)."""
    shape = x.shape
    x = x.reshape(len(x), -1)
    xc = x - x.mean(axis=0)
    xn = xc / np.sqrt(np.mean(xc**2, axis=0) + eps)
    return (gamma * xn + beta).reshape(shape)


def gradient_of(f, array, dout, indices=None):
    """d sum(f() * dout) / d array by float64 central differences (array changed and restored)."""
    return numerical_gradient(lambda _: float(np.sum(f() * dout)), array, 1e-5, indices)


# --- optimisers: (name, one step) over a dict of float64 arrays and a dict of state ----------


def _sgd(p, g, s, lr):
    p -= lr * g


def _momentum(p, g, s, lr, momentum=0.9):
    s["v"] = momentum * s.get("v", 0.0) - lr * g
    p += s["v"]


def _nesterov_book(p, g, s, lr, momentum=0.9):
    s["v"] = momentum * s.get("v", 0.0) - lr * g
    p += momentum * momentum * s["v"] - (1 + momentum) * lr * g


def _nesterov_derived(p, g, s, lr, momentum=0.9):  # zerodl's and PyTorch's
    s["v"] = momentum * s.get("v", 0.0) - lr * g
    p += momentum * s["v"] - lr * g


def _adagrad(p, g, s, lr):
    s["h"] = s.get("h", 0.0) + g * g
    p -= lr * g / (np.sqrt(s["h"]) + DELTA)


def _rmsprop(p, g, s, lr, decay_rate=0.99):
    s["h"] = decay_rate * s.get("h", 0.0) + (1 - decay_rate) * g * g
    p -= lr * g / (np.sqrt(s["h"]) + DELTA)


def _adam_book(p, g, s, lr, beta1=0.9, beta2=0.999):
    s["t"] = s.get("t", 0) + 1
    lr_t = lr * np.sqrt(1.0 - beta2 ** s["t"]) / (1.0 - beta1 ** s["t"])
    s["m"] = s.get("m", 0.0) + (1 - beta1) * (g - s.get("m", 0.0))
    s["v"] = s.get("v", 0.0) + (1 - beta2) * (g**2 - s.get("v", 0.0))
    p -= lr_t * s["m"] / (np.sqrt(s["v"]) + DELTA)


def _adam_paper(p, g, s, lr, beta1=0.9, beta2=0.999):
    s["t"] = s.get("t", 0) + 1
    s["m"] = beta1 * s.get("m", 0.0) + (1 - beta1) * g
    s["v"] = beta2 * s.get("v", 0.0) + (1 - beta2) * g * g
    m_hat, v_hat = s["m"] / (1 - beta1 ** s["t"]), s["v"] / (1 - beta2 ** s["t"])
    p -= lr * m_hat / (np.sqrt(v_hat) + 1e-8)


def _adam_uncorrected(p, g, s, lr, beta1=0.9, beta2=0.999):  # a usual mistake, for the hint
    s["m"] = beta1 * s.get("m", 0.0) + (1 - beta1) * g
    s["v"] = beta2 * s.get("v", 0.0) + (1 - beta2) * g * g
    p -= lr * s["m"] / (np.sqrt(s["v"]) + DELTA)


# The book's optimisers: the arguments zerodl passes (positionally, in the book's order), the
# correct update rules, and the usual mistakes (hint -> rule).
OPTIMIZERS = {
    "SGD": ((0.1,), (_sgd,), {}),
    "Momentum": ((0.1, 0.9), (_momentum,), {}),
    "Nesterov": ((0.1, 0.9), (_nesterov_book, _nesterov_derived), {}),
    "AdaGrad": ((0.1,), (_adagrad,), {}),
    "RMSprop": ((0.1, 0.99), (_rmsprop,), {}),
    "Adam": ((0.1, 0.9, 0.999), (_adam_book, _adam_paper), {"bias_correction": _adam_uncorrected}),
}
