# ruff: noqa: NPY002
"""Correct pieces in other styles than the book's code: `@`, np.where, tanh, inverted dropout,
Adam as in its paper, Nesterov as derived, extra attributes, the versions printed in the text
of chapters 4 and 5 (one-hot targets only, 1-D numerical_gradient, 2-D Affine), a Pooling that
takes pad."""

import numpy as np
from common.util import col2im, im2col

EPS = 1e-5
DTYPE = np.float64


def sigmoid(x):
    return 0.5 * (1 + np.tanh(0.5 * x))


def relu(x):
    return np.where(x > 0, x, 0.0)


def softmax(x):
    shifted = x - x.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)


def cross_entropy_error(y, t):  # chapter 4's text: one-hot t only
    if y.ndim == 1:
        t, y = t.reshape(1, t.size), y.reshape(1, y.size)
    return -np.sum(t * np.log(y + 1e-7)) / y.shape[0]


def numerical_gradient(f, x):  # chapter 4's text: a vector x only
    h = 1e-4
    grad = np.zeros_like(x)
    for idx in range(x.size):
        tmp_val = x[idx]
        x[idx] = tmp_val + h
        fxh1 = f(x)
        x[idx] = tmp_val - h
        fxh2 = f(x)
        grad[idx] = (fxh1 - fxh2) / (2 * h)
        x[idx] = tmp_val
    return grad


class Relu:
    def forward(self, x):
        self.positive = x > 0
        return np.where(self.positive, x, 0.0)

    def backward(self, dout):
        return np.where(self.positive, dout, 0.0)


class Affine:  # chapter 5's text: a 2-D x only
    def __init__(self, W, b):
        self.W, self.b = W, b
        self.calls = 0

    def forward(self, x):
        self.calls += 1
        self.x = x
        return x @ self.W + self.b

    def backward(self, dout):
        self.dW = self.x.T @ dout
        self.db = dout.sum(axis=0)
        return dout @ self.W.T


class SoftmaxWithLoss:  # chapter 5's text: one-hot t only
    def forward(self, x, t):
        self.t = t
        self.y = softmax(x)
        self.loss = -np.sum(t * np.log(self.y + 1e-7)) / x.shape[0]
        return self.loss

    def backward(self, dout=1):
        return dout * (self.y - self.t) / self.t.shape[0]


class Dropout:  # inverted dropout: scaled while training, the identity at test time
    def __init__(self, dropout_ratio=0.5):
        self.keep = 1.0 - dropout_ratio

    def forward(self, x, train_flg=True):
        if not train_flg:
            return x
        self.mask = (np.random.rand(*x.shape) < self.keep) / self.keep
        return x * self.mask

    def backward(self, dout):
        return dout * self.mask


class BatchNormalization:  # eps 1e-5, running values from 0 and 1
    def __init__(self, gamma, beta, momentum=0.9, running_mean=None, running_var=None):
        self.gamma, self.beta, self.momentum = gamma, beta, momentum
        self.running_mean = np.zeros_like(gamma) if running_mean is None else running_mean
        self.running_var = np.ones_like(gamma) if running_var is None else running_var

    def forward(self, x, train_flg=True):
        shape = x.shape
        x = x.reshape(len(x), -1)
        if train_flg:
            mean, var = x.mean(axis=0), x.var(axis=0)
            self.running_mean = self.momentum * self.running_mean + (1 - self.momentum) * mean
            self.running_var = self.momentum * self.running_var + (1 - self.momentum) * var
        else:
            mean, var = self.running_mean, self.running_var
        self.inv_std = 1.0 / np.sqrt(var + EPS)
        self.xn = (x - mean) * self.inv_std
        return (self.gamma * self.xn + self.beta).reshape(shape)

    def backward(self, dout):
        shape = dout.shape
        dout = dout.reshape(len(dout), -1)
        self.dbeta = dout.sum(axis=0)
        self.dgamma = (dout * self.xn).sum(axis=0)
        dxn = dout * self.gamma
        dx = self.inv_std * (dxn - dxn.mean(axis=0) - self.xn * (dxn * self.xn).mean(axis=0))
        return dx.reshape(shape)


class Momentum:  # v accumulates gradients; the step is -lr * v (the same steps as the book's)
    def __init__(self, lr=0.01, momentum=0.9):
        self.lr, self.momentum, self.v = lr, momentum, {}

    def update(self, params, grads):
        for key, p in params.items():
            self.v[key] = self.momentum * self.v.get(key, 0.0) + grads[key]
            p -= self.lr * self.v[key]


class Nesterov:  # as derived (and in PyTorch): the old velocity's look-ahead
    def __init__(self, lr=0.01, momentum=0.9):
        self.lr, self.momentum, self.v = lr, momentum, {}

    def update(self, params, grads):
        for key, p in params.items():
            self.v[key] = self.momentum * self.v.get(key, 0.0) - self.lr * grads[key]
            p += self.momentum * self.v[key] - self.lr * grads[key]


class Adam:  # as in the paper: corrected moments, eps 1e-8 beside their root
    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999):
        self.lr, self.beta1, self.beta2 = lr, beta1, beta2
        self.t, self.m, self.v = 0, {}, {}

    def update(self, params, grads):
        self.t += 1
        for key, p in params.items():
            g = grads[key]
            self.m[key] = self.beta1 * self.m.get(key, 0.0) + (1 - self.beta1) * g
            self.v[key] = self.beta2 * self.v.get(key, 0.0) + (1 - self.beta2) * g * g
            m_hat = self.m[key] / (1 - self.beta1**self.t)
            v_hat = self.v[key] / (1 - self.beta2**self.t)
            p -= self.lr * m_hat / (np.sqrt(v_hat) + 1e-8)


class Pooling:  # the book's, with pad counted in the output size
    def __init__(self, pool_h, pool_w, stride=1, pad=0):
        self.pool_h, self.pool_w, self.stride, self.pad = pool_h, pool_w, stride, pad

    def forward(self, x):
        N, C, H, W = x.shape
        out_h = (H + 2 * self.pad - self.pool_h) // self.stride + 1
        out_w = (W + 2 * self.pad - self.pool_w) // self.stride + 1
        col = im2col(x, self.pool_h, self.pool_w, self.stride, self.pad)
        col = col.reshape(-1, self.pool_h * self.pool_w)  # one window a row
        self.x, self.arg_max = x, col.argmax(axis=1)
        return col.max(axis=1).reshape(N, out_h, out_w, C).transpose(0, 3, 1, 2)

    def backward(self, dout):
        dout = dout.transpose(0, 2, 3, 1)  # (N, OH, OW, C)
        dmax = np.zeros((dout.size, self.pool_h * self.pool_w))
        dmax[np.arange(self.arg_max.size), self.arg_max] = dout.ravel()
        return col2im(dmax.reshape(dout.shape[0] * dout.shape[1] * dout.shape[2], -1),
                      self.x.shape, self.pool_h, self.pool_w, self.stride, self.pad)
